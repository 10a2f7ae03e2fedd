package gpuhelper_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/poc"
	"github.com/gpunet/gpunet/worker/gpuhelper"
)

// BenchmarkMultiply times the helper's multiply, round trip through the pipe included, next
// to poc.CPU (poc's BenchmarkMultiply has the naive loop), in GOPS (2 n^3 operations). n =
// 4096 runs only on CUDA: numpy's int32 multiply would take minutes.
func BenchmarkMultiply(b *testing.B) {
	h := gpuhelper.New(helperCommand(b), slog.New(slog.DiscardHandler))
	defer h.Close()
	require.NoError(b, h.Start())
	for _, n := range []int{1024, 4096} {
		if n > 1024 && !strings.HasPrefix(h.Name(), "cuda") {
			continue
		}
		a, bm := challenge(1, n).Matrices()
		c := make([]int32, n*n)
		for _, backend := range []poc.Backend{h, poc.CPU{}} {
			name := backend.Name()
			b.Run(fmt.Sprintf("%s/n=%d", strings.Fields(name)[0], n), func(b *testing.B) {
				for b.Loop() {
					require.NoError(b, backend.Multiply(context.Background(), n, a, bm, c))
				}
				require.Equal(b, name, backend.Name(), "no fallback")
				b.ReportMetric(2*float64(n*n*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GOPS")
			})
		}
	}
}
