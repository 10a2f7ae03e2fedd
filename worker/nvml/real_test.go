//go:build cgo

package nvml

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRealHost prints what the real NVML sees (scripts/gpu-check.sh): run only with
// GPUNET_REAL_NVML=1, on a host with an NVIDIA driver and at least one GPU.
func TestRealHost(t *testing.T) {
	if os.Getenv("GPUNET_REAL_NVML") == "" {
		t.Skip("GPUNET_REAL_NVML is not set: the real NVML is checked on a GPU host by scripts/gpu-check.sh")
	}
	d := New(nil)
	defer d.Close()
	inv, err := d.Detect(context.Background())
	require.NoError(t, err)
	out, err := json.MarshalIndent(inv, "", "  ")
	require.NoError(t, err)
	t.Logf("NVML inventory:\n%s", out)
	require.NotEmpty(t, inv.GPUs)
	require.Empty(t, inv.CPUOnly)
}
