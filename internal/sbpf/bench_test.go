package sbpf

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkLinkRegistry links the registry program's objects (built by `make programs`),
// the largest real input there is, reporting the output size.
func BenchmarkLinkRegistry(b *testing.B) {
	paths, err := filepath.Glob("../../target/obj/registry/*.o")
	require.NoError(b, err)
	require.NotEmpty(b, paths, "run `make programs` first")
	var objects []Object
	for _, path := range paths {
		data, err := os.ReadFile(path)
		require.NoError(b, err)
		objects = append(objects, Object{Name: filepath.Base(path), Data: data})
	}
	b.ReportAllocs()
	var out *Output
	for b.Loop() {
		if out, err = Link(objects, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(out.ELF)), "so-bytes")
}
