package poc

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Samples is K, the entries of C the verifier opens: a C with more than 1% of its entries
// wrong passes with probability at most 0.99^1380 < 2^-20 (README.md).
const Samples = 1380

// ErrEntry is returned when an opened entry of C is not A's row times B's column.
var ErrEntry = errors.New("poc: opened entry is not the product")

// Position is an entry C_ij of C.
type Position struct{ I, J int }

// Draw returns k positions drawn uniformly and independently (with replacement) from n*n,
// reading rng, which must be a CSPRNG the prover cannot predict (crypto/rand.Reader). It is
// called only after the root has arrived, and never fed the root.
//
// Each position is u64le(8 bytes of rng) mod n*n, rejecting draws >= the largest multiple
// of n*n below 2^64, so it is exactly uniform; i = p / n, j = p mod n.
func Draw(rng io.Reader, n, k int) ([]Position, error) {
	if err := (Challenge{N: n}).Validate(); err != nil {
		return nil, err
	}
	m := uint64(n) * uint64(n)
	r := -m % m // 2^64 mod m: draws at or above 2^64 - r would favour small positions
	out := make([]Position, 0, k)
	var buf [8]byte
	for len(out) < k {
		if _, err := io.ReadFull(rng, buf[:]); err != nil {
			return nil, fmt.Errorf("draw positions: %w", err)
		}
		if v := binary.LittleEndian.Uint64(buf[:]); r == 0 || v < -r {
			p := v % m
			out = append(out, Position{int(p / uint64(n)), int(p % uint64(n))})
		}
	}
	return out, nil
}

// LeafIndices returns the distinct leaves holding positions, ascending.
func LeafIndices(n int, positions []Position) ([]int, error) {
	out := make([]int, 0, len(positions))
	for _, p := range positions {
		if p.I < 0 || p.I >= n || p.J < 0 || p.J >= n {
			return nil, fmt.Errorf("%w: position (%d, %d) outside n = %d", ErrIndices, p.I, p.J, n)
		}
		out = append(out, leafOf(n, p))
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// leafOf is the leaf index of a position.
func leafOf(n int, p Position) int { return p.I*(n/LeafInts) + p.J/LeafInts }

// Prove does the prover's work for ch: generates A and B, multiplies them with backend,
// commits to C. The tree's root is the answer; its Open answers the verifier's positions.
func Prove(ctx context.Context, backend Backend, ch Challenge) (*Tree, error) {
	if err := ch.Validate(); err != nil {
		return nil, err
	}
	a, b := ch.Matrices()
	c := make([]int32, ch.N*ch.N)
	if err := backend.Multiply(ctx, ch.N, a, b, c); err != nil {
		return nil, fmt.Errorf("multiply with %s: %w", backend.Name(), err)
	}
	return Commit(ch.N, c)
}

// Verify checks an answer to ch: proof opens exactly the leaves of positions against root,
// and each opened entry equals row I of A times column J of B, regenerated from ch.
func (ch Challenge) Verify(root Hash, positions []Position, proof *Multiproof) error {
	if err := ch.Validate(); err != nil {
		return err
	}
	want, err := LeafIndices(ch.N, positions)
	if err != nil {
		return err
	}
	if !slices.Equal(want, proof.Indices) {
		return fmt.Errorf("%w: the proof opens other leaves than the %d asked", ErrIndices, len(want))
	}
	if err := VerifyMultiproof(root, ch.N*ch.N/LeafInts, proof); err != nil {
		return err
	}
	block := ch.cipherOf()
	row, col := make([]int8, ch.N), make([]int8, ch.N)
	for _, p := range positions {
		fill(block, streamA, ch.N, p.I, row)
		fill(block, streamB, ch.N, p.J, col)
		var sum int32
		for k, x := range row {
			sum += int32(x) * int32(col[k])
		}
		x, _ := slices.BinarySearch(proof.Indices, leafOf(ch.N, p))
		if got := proof.Leaves[x][p.J%LeafInts]; got != sum {
			return fmt.Errorf("%w: C[%d][%d] = %d, opened %d", ErrEntry, p.I, p.J, sum, got)
		}
	}
	return nil
}

// Size is the length of proof's binary encoding.
func (p *Multiproof) Size() int { return 8 + (4+4*LeafInts)*len(p.Indices) + 32*len(p.Siblings) }

// MarshalBinary encodes p as u32le(leaves) || u32le(siblings) || each index as u32le ||
// each leaf as 16 int32le || each sibling hash.
func (p *Multiproof) MarshalBinary() ([]byte, error) {
	if len(p.Leaves) != len(p.Indices) {
		return nil, fmt.Errorf("%w: %d indices, %d leaves", ErrIndices, len(p.Indices), len(p.Leaves))
	}
	out := make([]byte, 0, p.Size())
	out = binary.LittleEndian.AppendUint32(out, uint32(len(p.Indices)))
	out = binary.LittleEndian.AppendUint32(out, uint32(len(p.Siblings)))
	for _, k := range p.Indices {
		out = binary.LittleEndian.AppendUint32(out, uint32(k))
	}
	for _, l := range p.Leaves {
		for _, v := range l {
			out = binary.LittleEndian.AppendUint32(out, uint32(v))
		}
	}
	for _, h := range p.Siblings {
		out = append(out, h[:]...)
	}
	return out, nil
}

// ErrEncoding is returned for bytes that are not a multiproof's encoding.
var ErrEncoding = errors.New("poc: malformed multiproof encoding")

// UnmarshalBinary decodes MarshalBinary's encoding; its length must match the counts exactly.
func (p *Multiproof) UnmarshalBinary(data []byte) error {
	if len(data) < 8 {
		return fmt.Errorf("%w: %d bytes", ErrEncoding, len(data))
	}
	m, s := uint64(binary.LittleEndian.Uint32(data)), uint64(binary.LittleEndian.Uint32(data[4:]))
	if uint64(len(data)) != 8+(4+4*LeafInts)*m+32*s {
		return fmt.Errorf("%w: %d bytes for %d leaves and %d siblings", ErrEncoding, len(data), m, s)
	}
	*p = Multiproof{Indices: make([]int, m), Leaves: make([]Leaf, m), Siblings: make([]Hash, s)}
	rest := data[8:]
	for x := range p.Indices {
		p.Indices[x], rest = int(binary.LittleEndian.Uint32(rest)), rest[4:]
	}
	for x := range p.Leaves {
		for k := range LeafInts {
			p.Leaves[x][k], rest = int32(binary.LittleEndian.Uint32(rest)), rest[4:]
		}
	}
	for x := range p.Siblings {
		rest = rest[copy(p.Siblings[x][:], rest):]
	}
	return nil
}
