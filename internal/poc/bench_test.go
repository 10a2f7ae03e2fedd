package poc_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/poc"
)

// BenchmarkChallenge times each side of one challenge: the prover's generation, multiply
// and commitment (CPU backend), and the verifier's draw and check of K = 1380 entries; it
// reports the proof's size.
func BenchmarkChallenge(b *testing.B) {
	for _, n := range []int{1024, 4096} {
		ch := challenge(11, n)
		a, bm := ch.Matrices()
		c := make([]int32, n*n)
		b.Run(fmt.Sprintf("generate/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				ch.Matrices()
			}
		})
		b.Run(fmt.Sprintf("multiply/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				require.NoError(b, poc.CPU{}.Multiply(context.Background(), n, a, bm, c))
			}
		})
		var tree *poc.Tree
		b.Run(fmt.Sprintf("commit/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				var err error
				tree, err = poc.Commit(n, c)
				require.NoError(b, err)
			}
		})
		positions, err := poc.Draw(verifierRNG(1), n, poc.Samples)
		require.NoError(b, err)
		proof, err := tree.Open(positions)
		require.NoError(b, err)
		b.Run(fmt.Sprintf("verify/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				require.NoError(b, ch.Verify(tree.Root(), positions, proof))
			}
			b.ReportMetric(float64(proof.Size()), "proof-bytes")
		})
	}
}
