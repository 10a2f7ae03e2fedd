package poc

// TreeOfLeaves commits to len(c)/16 leaves, any count, for the Merkle tests.
func TreeOfLeaves(c []int32) *Tree { return build(0, c) }

// OpenLeaves proves leaves by index.
func (t *Tree) OpenLeaves(indices []int) *Multiproof { return t.openLeaves(indices) }
