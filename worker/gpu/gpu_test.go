package gpu

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/wire"
)

func TestModelOfMapsGPUNamesToHardwareModels(t *testing.T) {
	for _, c := range []struct {
		name   string
		memory uint64
		model  uint32
		ok     bool
	}{
		{"NVIDIA B200", 180 << 30, registry.ModelB200, true},
		{"NVIDIA H200", 141 << 30, registry.ModelH200, true},
		{"NVIDIA H100 80GB HBM3", 80 << 30, registry.ModelH100, true},
		{"NVIDIA H100 PCIe", 80 << 30, registry.ModelH100, true},
		{"NVIDIA A100-SXM4-80GB", 80 << 30, registry.ModelA100_80G, true},
		{"NVIDIA A100-SXM4-40GB", 40 << 30, registry.ModelCPU, false}, // only the 80 GB A100 is a class
		{"NVIDIA GeForce RTX 4090", 24 << 30, registry.ModelRTX4090, true},
		{"nvidia geforce rtx 4090", 24 << 30, registry.ModelRTX4090, true},
		{"Tesla T4", 16 << 30, registry.ModelCPU, false},
	} {
		model, ok := ModelOf(c.name, c.memory)
		require.Equal(t, c.model, model, c.name)
		require.Equal(t, c.ok, ok, c.name)
	}
}

func gpus(model string, gib uint64, n int) []wire.GPU {
	out := make([]wire.GPU, n)
	for i := range out {
		out[i] = wire.GPU{Model: model, MemoryBytes: gib << 30, Healthy: true}
	}
	return out
}

func TestSpecAppliesOverridesAndTheRegistrysRules(t *testing.T) {
	detect := Overrides{Model: -1}
	noDriver := Inventory{CPUOnly: "no NVIDIA driver: running as a CPU-class device (hardware model 0)"}
	tests := []struct {
		name string
		inv  Inventory
		o    Overrides
		spec registry.DeviceSpec
		why  string
		err  string
	}{
		{"eight H100s", Inventory{GPUs: gpus("NVIDIA H100 80GB HBM3", 80, 8)}, detect,
			registry.DeviceSpec{HardwareModel: registry.ModelH100, VramGib: 80, GpuCount: 8}, "", ""},
		{"mixed GPUs register as the smallest class and VRAM", Inventory{GPUs: append(gpus("NVIDIA H100 80GB HBM3", 80, 1), gpus("NVIDIA GeForce RTX 4090", 24, 1)...)}, detect,
			registry.DeviceSpec{HardwareModel: registry.ModelRTX4090, VramGib: 24, GpuCount: 2}, "", ""},
		{"a GPU of no class makes a CPU-class device, without GPUs", Inventory{GPUs: append(gpus("NVIDIA H100 80GB HBM3", 80, 1), gpus("Tesla T4", 16, 1)...)}, detect,
			registry.DeviceSpec{HardwareModel: registry.ModelCPU}, `GPU "Tesla T4" is not a hardware class of the registry`, ""},
		{"no driver: CPU class with its reason", noDriver, Overrides{Model: -1, Region: 276, BandwidthTier: 2},
			registry.DeviceSpec{HardwareModel: registry.ModelCPU, Region: 276, BandwidthTier: 2}, noDriver.CPUOnly, ""},
		{"hardware-model 0 forces CPU class on a GPU host", Inventory{GPUs: gpus("NVIDIA H200", 141, 4)}, Overrides{Model: 0},
			registry.DeviceSpec{HardwareModel: registry.ModelCPU}, "hardware-model 0 in the config", ""},
		{"overrides replace the model, VRAM and count", Inventory{GPUs: gpus("Tesla T4", 16, 1)}, Overrides{Model: int(registry.ModelH100), VramGib: 80, GPUCount: 2},
			registry.DeviceSpec{HardwareModel: registry.ModelH100, VramGib: 80, GpuCount: 2}, "", ""},
		{"zero overrides keep what was detected", Inventory{GPUs: gpus("NVIDIA B200", 180, 8)}, Overrides{Model: int(registry.ModelB200)},
			registry.DeviceSpec{HardwareModel: registry.ModelB200, VramGib: 180, GpuCount: 8}, "", ""},
		{"a GPU class without GPUs is refused, as register_device would", noDriver, Overrides{Model: int(registry.ModelH100)},
			registry.DeviceSpec{HardwareModel: registry.ModelH100}, "",
			"invalid device spec: hardware model 3 needs GPUs and VRAM, and 0 GPUs of 0 GiB were found: set gpu-count and vram-gib in the config, or hardware-model 0 (CPU class)"},
		{"with its GPUs and VRAM set, it is taken", noDriver, Overrides{Model: int(registry.ModelH100), VramGib: 80, GPUCount: 1},
			registry.DeviceSpec{HardwareModel: registry.ModelH100, VramGib: 80, GpuCount: 1}, "", ""},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			spec, why, err := Spec(c.inv, c.o)
			require.Equal(t, c.spec, spec)
			require.Equal(t, c.why, why)
			if c.err == "" {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, ErrSpec)
				require.EqualError(t, err, c.err)
			}
		})
	}
}
