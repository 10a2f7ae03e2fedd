package poc

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// Hash is a SHA-256 digest: a leaf, node or root of the commitment.
type Hash [32]byte

// Leaf is 16 consecutive entries of one row of C: leaf i*n/16 + j/16 holds C_ij at j mod 16.
type Leaf [LeafInts]int32

// Prefixes separate leaf from node hashes, so no leaf can pass for a node (RFC 6962's rule).
const (
	leafPrefix = 0x00
	nodePrefix = 0x01
)

// Sentinel errors of opening verification. ErrIndices covers indices that are unsorted,
// repeated or out of the tree, and openings of other leaves than those asked.
var (
	ErrProof   = errors.New("poc: proof does not match the root")
	ErrIndices = errors.New("poc: wrong leaf indices")
)

// LeafHash is SHA-256(0x00 || the 16 entries as int32 little-endian): 65 bytes hashed.
func LeafHash(l *Leaf) Hash {
	var buf [1 + 4*LeafInts]byte
	buf[0] = leafPrefix
	for k, v := range l {
		binary.LittleEndian.PutUint32(buf[1+4*k:], uint32(v))
	}
	return sha256.Sum256(buf[:])
}

// nodeHash is SHA-256(0x01 || left || right): 65 bytes hashed.
func nodeHash(l, r *Hash) Hash {
	var buf [1 + 64]byte
	buf[0] = nodePrefix
	copy(buf[1:], l[:])
	copy(buf[33:], r[:])
	return sha256.Sum256(buf[:])
}

// Tree is the Merkle commitment of C, every level kept to answer openings.
//
// Level 0 is the leaf hashes in leaf order; node k of level h+1 is nodeHash(node 2k, node 2k+1)
// of level h. When a level has an odd count, its last node has no sibling and is carried up
// unchanged as the last node of the next level (never duplicated: a duplicated last node lets
// two leaf sets share a root). The root is the single node of the top level; a one-leaf tree's
// root is its leaf hash.
type Tree struct {
	n      int
	c      []int32
	levels [][]Hash
}

// Commit builds the tree of C (n*n entries, row-major), leaves hashed on all cores. It keeps c.
func Commit(n int, c []int32) (*Tree, error) {
	if err := (Challenge{N: n}).Validate(); err != nil {
		return nil, err
	}
	if len(c) != n*n {
		return nil, fmt.Errorf("commit: want %d entries, have %d", n*n, len(c))
	}
	return build(n, c), nil
}

// build is Commit for any number of leaves (len(c) a multiple of 16).
func build(n int, c []int32) *Tree {
	leaves := make([]Hash, len(c)/LeafInts)
	parallel(len(leaves), func(lo, hi int) {
		for k := lo; k < hi; k++ {
			leaves[k] = LeafHash((*Leaf)(c[k*LeafInts : (k+1)*LeafInts]))
		}
	})
	t := &Tree{n: n, c: c, levels: [][]Hash{leaves}}
	for level := leaves; len(level) > 1; {
		up := make([]Hash, (len(level)+1)/2)
		parallel(len(level)/2, func(lo, hi int) {
			for k := lo; k < hi; k++ {
				up[k] = nodeHash(&level[2*k], &level[2*k+1])
			}
		})
		if len(level)%2 == 1 {
			up[len(up)-1] = level[len(level)-1]
		}
		t.levels = append(t.levels, up)
		level = up
	}
	return t
}

// Root is the commitment sent to the verifier.
func (t *Tree) Root() Hash { return t.levels[len(t.levels)-1][0] }

// Multiproof opens a set of leaves against a root with the fewest sibling hashes.
//
// Siblings are listed level by level from the leaves up and, within a level, in increasing
// index order of the node they complete: for each known node k (ascending) whose sibling
// k^1 exists and is not itself known, the sibling's hash. A known node with no sibling (the
// last of an odd level) is carried up and needs none.
type Multiproof struct {
	Indices  []int // strictly increasing leaf indices
	Leaves   []Leaf
	Siblings []Hash
}

// Open proves the leaves holding the given positions of C.
func (t *Tree) Open(positions []Position) (*Multiproof, error) {
	indices, err := LeafIndices(t.n, positions)
	if err != nil {
		return nil, err
	}
	return t.openLeaves(indices), nil
}

// openLeaves proves leaves by index (strictly increasing, in range).
func (t *Tree) openLeaves(indices []int) *Multiproof {
	proof := &Multiproof{Indices: indices, Leaves: make([]Leaf, len(indices))}
	for x, k := range indices {
		proof.Leaves[x] = Leaf(t.c[k*LeafInts : (k+1)*LeafInts])
	}
	known := slices.Clone(indices)
	for _, level := range t.levels[:len(t.levels)-1] {
		known, _ = climb(known, len(level), func(x, y int) error {
			if y == fromProof {
				proof.Siblings = append(proof.Siblings, level[known[x]^1])
			}
			return nil
		})
	}
	return proof
}

// What climb finds for a known node's sibling, besides its position among the known nodes.
const (
	noSibling = -1 // the last node of an odd level: carried up unchanged
	fromProof = -2 // unknown: the next sibling hash of the proof
)

// climb walks one level of a multiproof. For each node of the level above that has a known
// child, in ascending order, it calls join(x, y): x is the position in known of its first
// known child and y that of the second, or noSibling or fromProof. It returns the indices of
// the level above's known nodes.
func climb(known []int, size int, join func(x, y int) error) ([]int, error) {
	up := make([]int, 0, len(known))
	for x := 0; x < len(known); x++ {
		k, y := known[x], fromProof
		switch {
		case k^1 >= size:
			y = noSibling
		case k%2 == 0 && x+1 < len(known) && known[x+1] == k+1:
			y = x + 1
		}
		if err := join(x, y); err != nil {
			return nil, err
		}
		up = append(up, k/2)
		if y >= 0 {
			x++
		}
	}
	return up, nil
}

// VerifyMultiproof checks proof against root for a tree of leafCount leaves.
func VerifyMultiproof(root Hash, leafCount int, proof *Multiproof) error {
	m := len(proof.Indices)
	if m == 0 || len(proof.Leaves) != m {
		return fmt.Errorf("%w: %d indices, %d leaves", ErrIndices, m, len(proof.Leaves))
	}
	for x, k := range proof.Indices {
		if k < 0 || k >= leafCount || x > 0 && k <= proof.Indices[x-1] {
			return fmt.Errorf("%w: index %d at %d of %d leaves", ErrIndices, k, x, leafCount)
		}
	}
	hashes := make([]Hash, m)
	for x := range proof.Leaves {
		hashes[x] = LeafHash(&proof.Leaves[x])
	}
	known, used := slices.Clone(proof.Indices), 0
	for size := leafCount; size > 1; size = (size + 1) / 2 {
		next := make([]Hash, 0, len(known))
		var err error
		known, err = climb(known, size, func(x, y int) error {
			switch y {
			case noSibling:
				next = append(next, hashes[x])
			case fromProof:
				if used == len(proof.Siblings) {
					return fmt.Errorf("%w: too few siblings", ErrProof)
				}
				if s := &proof.Siblings[used]; known[x]%2 == 0 {
					next = append(next, nodeHash(&hashes[x], s))
				} else {
					next = append(next, nodeHash(s, &hashes[x]))
				}
				used++
			default:
				next = append(next, nodeHash(&hashes[x], &hashes[y]))
			}
			return nil
		})
		if err != nil {
			return err
		}
		hashes = next
	}
	if used != len(proof.Siblings) {
		return fmt.Errorf("%w: %d siblings left over", ErrProof, len(proof.Siblings)-used)
	}
	if hashes[0] != root {
		return ErrProof
	}
	return nil
}
