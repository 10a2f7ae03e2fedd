package poc_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/poc"
)

// naive is the reference triple loop: C_ij = sum_k A_ik B_kj, one core.
func naive(n int, a, b []int8, c []int32) {
	for i := range n {
		for j := range n {
			var s int32
			for k := range n {
				s += int32(a[i*n+k]) * int32(b[j*n+k])
			}
			c[i*n+j] = s
		}
	}
}

func TestCPUMatchesNaive(t *testing.T) {
	for _, n := range []int{16, 48, 272, 528} {
		ch := challenge(byte(n), n)
		a, b := ch.Matrices()
		want, got := make([]int32, n*n), make([]int32, n*n)
		naive(n, a, b, want)
		require.NoError(t, poc.CPU{}.Multiply(context.Background(), n, a, b, got))
		require.Equal(t, want, got, "n=%d", n)
	}
}

func TestCPUExtremes(t *testing.T) {
	// All -128: every entry is n*2^14, the largest |C_ij|; lanes must not carry.
	n := 512
	a, b := make([]int8, n*n), make([]int8, n*n)
	for k := range a {
		a[k], b[k] = -128, -128
	}
	b[0] = 127 // column 0 differs from column 1 in one term
	c := make([]int32, n*n)
	require.NoError(t, poc.CPU{}.Multiply(context.Background(), n, a, b, c))
	require.Equal(t, int32(n*16384), c[1])
	require.Equal(t, int32((n-1)*16384-128*127), c[0])
}

func TestCPURejects(t *testing.T) {
	require.ErrorIs(t, poc.CPU{}.Multiply(context.Background(), 15, nil, nil, nil), poc.ErrN)
	require.EqualError(t, poc.CPU{}.Multiply(context.Background(), 16, make([]int8, 256), nil, nil),
		"multiply: want 256 entries, have a 256, b 0, c 0")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n := 64
	require.ErrorIs(t, poc.CPU{}.Multiply(ctx, n, make([]int8, n*n), make([]int8, n*n), make([]int32, n*n)), context.Canceled)
}

// challenge is a test challenge: seed and device filled with tag and tag+1.
func challenge(tag byte, n int) poc.Challenge {
	ch := poc.Challenge{N: n}
	for k := range ch.Seed {
		ch.Seed[k], ch.Device[k] = tag, tag+1
	}
	return ch
}

func BenchmarkMultiply(b *testing.B) {
	const n = 1024
	a, bm := challenge(1, n).Matrices()
	c := make([]int32, n*n)
	ops := func(b *testing.B) { b.ReportMetric(2*float64(n*n*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GOPS") }
	b.Run("cpu/n=1024", func(b *testing.B) {
		for b.Loop() {
			require.NoError(b, poc.CPU{}.Multiply(context.Background(), n, a, bm, c))
		}
		ops(b)
	})
	b.Run("naive/n=1024", func(b *testing.B) {
		for b.Loop() {
			naive(n, a, bm, c)
		}
		ops(b)
	})
}
