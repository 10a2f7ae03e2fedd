package poc_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/poc"
)

// leaves is C for count leaves, entry k = k.
func leaves(count int) []int32 {
	c := make([]int32, count*poc.LeafInts)
	for k := range c {
		c[k] = int32(k)
	}
	return c
}

func TestMultiproofMinimalSiblings(t *testing.T) {
	for _, v := range []struct {
		count    int
		open     []int
		siblings int
	}{
		{1, []int{0}, 0},
		{2, []int{1}, 1},
		{8, []int{0, 1}, 2}, // level 1 node 1, level 2 node 1
		{8, []int{0, 7}, 4}, // 1, 6, then level 1 nodes 1 and 2
		{8, []int{0, 1, 2, 3, 4, 5, 6, 7}, 0},
		{5, []int{4}, 1},         // carried up twice, then level 2 node 0
		{5, []int{3}, 3},         // 2, level 1 node 0, level 2 node 1 (leaf 4 carried)
		{144, []int{0, 143}, 11}, // 7 for leaf 0, 4 for leaf 143, whose paths meet at the top
		{144, []int{143}, 5},     // carried at the levels of 9, 5 and 3 nodes
	} {
		c := leaves(v.count)
		tree := poc.TreeOfLeaves(c)
		proof := tree.OpenLeaves(v.open)
		require.Len(t, proof.Siblings, v.siblings, "%d leaves, open %v", v.count, v.open)
		for x, k := range v.open {
			require.Equal(t, poc.Leaf(c[k*16:(k+1)*16]), proof.Leaves[x])
		}
		require.NoError(t, poc.VerifyMultiproof(tree.Root(), v.count, proof))
	}
}

func TestMultiproofEverySubset(t *testing.T) {
	// Every subset of every tree of up to 9 leaves opens and verifies.
	for count := 1; count <= 9; count++ {
		tree := poc.TreeOfLeaves(leaves(count))
		for mask := 1; mask < 1<<count; mask++ {
			var open []int
			for k := range count {
				if mask&(1<<k) != 0 {
					open = append(open, k)
				}
			}
			require.NoError(t, poc.VerifyMultiproof(tree.Root(), count, tree.OpenLeaves(open)), "%d leaves, open %v", count, open)
		}
	}
}

func TestMultiproofRejects(t *testing.T) {
	const count = 144
	tree := poc.TreeOfLeaves(leaves(count))
	for _, v := range []struct {
		name    string
		tamper  func(p *poc.Multiproof)
		count   int
		wantErr string
	}{
		{"tampered sibling", func(p *poc.Multiproof) { p.Siblings[3][0] ^= 1 }, count, "poc: proof does not match the root"},
		{"tampered leaf", func(p *poc.Multiproof) { p.Leaves[1][15]++ }, count, "poc: proof does not match the root"},
		{"wrong index", func(p *poc.Multiproof) { p.Indices[1] = 41 }, count, "poc: proof does not match the root"},
		{"neighbour's index", func(p *poc.Multiproof) { p.Indices[0] = 4 }, count, "poc: proof does not match the root"},
		{"duplicate", func(p *poc.Multiproof) {
			p.Indices = append(p.Indices[:2], p.Indices[1:]...)
			p.Leaves = append(p.Leaves[:2], p.Leaves[1:]...)
		}, count, "poc: wrong leaf indices: index 40 at 2 of 144 leaves"},
		{"unsorted", func(p *poc.Multiproof) {
			p.Indices[0], p.Indices[1] = p.Indices[1], p.Indices[0]
			p.Leaves[0], p.Leaves[1] = p.Leaves[1], p.Leaves[0]
		}, count, "poc: wrong leaf indices: index 5 at 1 of 144 leaves"},
		{"out of range", func(p *poc.Multiproof) { p.Indices[2] = count }, count, "poc: wrong leaf indices: index 144 at 2 of 144 leaves"},
		{"negative", func(p *poc.Multiproof) { p.Indices[0] = -1 }, count, "poc: wrong leaf indices: index -1 at 0 of 144 leaves"},
		{"leaf missing", func(p *poc.Multiproof) { p.Leaves = p.Leaves[1:] }, count, "poc: wrong leaf indices: 3 indices, 2 leaves"},
		{"empty", func(p *poc.Multiproof) { *p = poc.Multiproof{} }, count, "poc: wrong leaf indices: 0 indices, 0 leaves"},
		{"extra sibling", func(p *poc.Multiproof) { p.Siblings = append(p.Siblings, poc.Hash{}) }, count, "poc: proof does not match the root: 1 siblings left over"},
		{"sibling missing", func(p *poc.Multiproof) { p.Siblings = p.Siblings[:len(p.Siblings)-1] }, count, "poc: proof does not match the root: too few siblings"},
		{"other leaf count", func(*poc.Multiproof) {}, count + 1, "poc: proof does not match the root: too few siblings"},
	} {
		t.Run(v.name, func(t *testing.T) {
			proof := tree.OpenLeaves([]int{5, 40, 143})
			v.tamper(proof)
			require.EqualError(t, poc.VerifyMultiproof(tree.Root(), v.count, proof), v.wantErr)
		})
	}
}

func TestMultiproofEncoding(t *testing.T) {
	tree := poc.TreeOfLeaves(leaves(144))
	proof := tree.OpenLeaves([]int{5, 40, 143})
	data, err := proof.MarshalBinary()
	require.NoError(t, err)
	require.Len(t, data, proof.Size())
	require.Equal(t, 8+3*68+len(proof.Siblings)*32, len(data))
	var back poc.Multiproof
	require.NoError(t, back.UnmarshalBinary(data))
	require.Equal(t, *proof, back)

	for _, bad := range [][]byte{nil, data[:7], data[:len(data)-1], append(bytes.Clone(data), 0)} {
		require.ErrorIs(t, back.UnmarshalBinary(bad), poc.ErrEncoding)
	}
	huge := bytes.Clone(data)
	huge[0], huge[1], huge[2], huge[3] = 0xff, 0xff, 0xff, 0xff // 2^32-1 leaves claimed
	require.EqualError(t, back.UnmarshalBinary(huge), "poc: malformed multiproof encoding: 692 bytes for 4294967295 leaves and 15 siblings")
}
