package gpu

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/wire"
)

// ErrNoNVML means the host has no usable NVIDIA driver (or this build has no NVML): the worker
// runs as a CPU-class device.
var ErrNoNVML = errors.New("no NVIDIA driver")

// Inventory is one detection: the GPUs found, the driver's versions and the findings.
type Inventory struct {
	GPUs []wire.GPU `json:"gpus"`
	// CPUOnly says why the host counts as a CPU-class device (no driver, no GPU); empty when
	// it has GPUs.
	CPUOnly string `json:"cpu_only,omitempty"`
}

// Detector finds the host's GPUs. A host without an NVIDIA driver returns an error wrapping
// ErrNoNVML.
type Detector interface {
	Detect(ctx context.Context) (Inventory, error)
}

// Overrides replace what detection says about the hardware (zero: keep the detected value;
// a negative Model: detect it).
type Overrides struct {
	Model         int
	VramGib       uint32
	GPUCount      uint16
	Region        uint16
	BandwidthTier uint8
}

// ModelOf maps a GPU's name and memory to the registry's hardware model; ok is false for a GPU
// no hardware class covers.
func ModelOf(name string, memoryBytes uint64) (model uint32, ok bool) {
	n := strings.ToUpper(name)
	switch {
	case strings.Contains(n, "B200"):
		return registry.ModelB200, true
	case strings.Contains(n, "H200"):
		return registry.ModelH200, true
	case strings.Contains(n, "H100"):
		return registry.ModelH100, true
	case strings.Contains(n, "A100") && memoryBytes >= 70<<30:
		return registry.ModelA100_80G, true
	case strings.Contains(n, "4090"):
		return registry.ModelRTX4090, true
	}
	return registry.ModelCPU, false
}

// ErrSpec is a spec the registry would refuse (InvalidDeviceSpec): a GPU class without GPUs
// or VRAM.
var ErrSpec = errors.New("invalid device spec")

// Spec is the device spec to register for inv, with o applied, and why it is CPU class when
// it is (empty otherwise). GPUs of different models register as the smallest class. It
// refuses what the registry's register_device would: a GPU class needs at least one GPU and
// some VRAM; a CPU-class device registers without GPUs.
func Spec(inv Inventory, o Overrides) (registry.DeviceSpec, string, error) {
	spec := registry.DeviceSpec{Region: o.Region, BandwidthTier: o.BandwidthTier}
	why := inv.CPUOnly
	if len(inv.GPUs) > 0 {
		spec.HardwareModel = registry.ModelB200 + 1
		for _, g := range inv.GPUs {
			m, ok := ModelOf(g.Model, g.MemoryBytes)
			if !ok {
				why = fmt.Sprintf("GPU %q is not a hardware class of the registry", g.Model)
			}
			spec.HardwareModel = min(spec.HardwareModel, m)
			if vram := uint32(g.MemoryBytes >> 30); spec.VramGib == 0 || vram < spec.VramGib {
				spec.VramGib = vram
			}
		}
		spec.GpuCount = uint16(len(inv.GPUs))
	}
	if o.Model >= 0 {
		spec.HardwareModel = uint32(o.Model)
		why = "hardware-model 0 in the config"
	}
	if o.VramGib != 0 {
		spec.VramGib = o.VramGib
	}
	if o.GPUCount != 0 {
		spec.GpuCount = o.GPUCount
	}
	if spec.HardwareModel == registry.ModelCPU {
		spec.VramGib, spec.GpuCount = 0, 0 // the registry takes a CPU-class device only without GPUs
		return spec, why, nil
	}
	if spec.GpuCount == 0 || spec.VramGib == 0 {
		return spec, "", fmt.Errorf("%w: hardware model %d needs GPUs and VRAM, and %d GPUs of %d GiB were found: set gpu-count and vram-gib in the config, or hardware-model 0 (CPU class)",
			ErrSpec, spec.HardwareModel, spec.GpuCount, spec.VramGib)
	}
	return spec, "", nil
}
