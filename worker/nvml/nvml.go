//go:build cgo

package nvml

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/gpunet/gpunet/internal/wire"
	"github.com/gpunet/gpunet/worker/gpu"
)

// applicationXids are Xid errors a user's program causes (a bad memory access, a killed
// context), not the GPU: they do not make it unhealthy (as in NVIDIA's Kubernetes device plugin).
var applicationXids = map[uint64]bool{13: true, 31: true, 43: true, 45: true, 68: true, 109: true}

// Detector detects GPUs through an NVML library.
type Detector struct {
	lib  nvml.Interface
	ours func(pid uint32) bool

	mu     sync.Mutex
	inited bool
	events nvml.EventSet     // nil when the driver cannot report Xid events
	xids   map[string]uint64 // hardware Xid errors per GPU UUID since start
}

// New returns a Detector over the system's NVML; ours tells the worker's own processes (nil:
// only this process).
func New(ours func(pid uint32) bool) *Detector { return NewWith(nvml.New(), ours) }

// NewWith returns a Detector over lib (a mock in tests).
func NewWith(lib nvml.Interface, ours func(pid uint32) bool) *Detector {
	if ours == nil {
		self := uint32(os.Getpid())
		ours = func(pid uint32) bool { return pid == self }
	}
	return &Detector{lib: lib, ours: ours, xids: map[string]uint64{}}
}

// Detect lists the GPUs. Until NVML initializes (no driver, no library) it returns
// gpu.ErrNoNVML and calls nothing else; it tries Init again on the next call.
func (d *Detector) Detect(ctx context.Context) (gpu.Inventory, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.inited {
		if ret := d.lib.Init(); ret != nvml.SUCCESS {
			return gpu.Inventory{}, fmt.Errorf("%w: NVML init: %s", gpu.ErrNoNVML, nvml.ErrorString(ret))
		}
		d.inited = true
		if es, ret := d.lib.EventSetCreate(); ret == nvml.SUCCESS {
			d.events = es
		}
	}
	count, ret := d.lib.DeviceGetCount()
	if ret != nvml.SUCCESS {
		return gpu.Inventory{}, fmt.Errorf("NVML device count: %s", nvml.ErrorString(ret))
	}
	driver, _ := d.lib.SystemGetDriverVersion()
	cuda := ""
	if v, ret := d.lib.SystemGetCudaDriverVersion(); ret == nvml.SUCCESS {
		cuda = fmt.Sprintf("%d.%d", v/1000, v%1000/10)
	}
	d.drainXids()
	inv := gpu.Inventory{}
	var lost []string
	for i := range count {
		dev, ret := d.lib.DeviceGetHandleByIndex(i)
		if ret != nvml.SUCCESS {
			lost = append(lost, fmt.Sprintf("GPU %d: %s", i, nvml.ErrorString(ret)))
			continue
		}
		g, err := d.describe(dev)
		if err != nil {
			lost = append(lost, fmt.Sprintf("GPU %d: %v", i, err))
			continue
		}
		g.Driver, g.CUDA = driver, cuda
		inv.GPUs = append(inv.GPUs, g)
	}
	if len(inv.GPUs) == 0 && len(lost) == 0 {
		inv.CPUOnly = "NVIDIA driver " + driver + " found no GPU"
	}
	if len(lost) > 0 {
		return inv, fmt.Errorf("unreadable GPUs: %v", lost)
	}
	return inv, nil
}

// describe reads one GPU; a GPU that fails its identity reads (lost, fallen off the bus) is an
// error, a metric it does not support is zero.
func (d *Detector) describe(dev nvml.Device) (wire.GPU, error) {
	uuid, ret := dev.GetUUID()
	if ret != nvml.SUCCESS {
		return wire.GPU{}, fmt.Errorf("uuid: %s", nvml.ErrorString(ret))
	}
	name, ret := dev.GetName()
	if ret != nvml.SUCCESS {
		return wire.GPU{}, fmt.Errorf("%s: name: %s", uuid, nvml.ErrorString(ret))
	}
	mem, ret := dev.GetMemoryInfo()
	if ret != nvml.SUCCESS {
		return wire.GPU{}, fmt.Errorf("%s: memory: %s", uuid, nvml.ErrorString(ret))
	}
	g := wire.GPU{UUID: uuid, Model: name, MemoryBytes: mem.Total}
	if d.events != nil {
		if _, registered := d.xids[uuid]; !registered && dev.RegisterEvents(nvml.EventTypeXidCriticalError, d.events) == nvml.SUCCESS {
			d.xids[uuid] = 0
		}
	}
	g.TemperatureC, _ = dev.GetTemperature(nvml.TEMPERATURE_GPU)
	g.PowerMilliW, _ = dev.GetPowerUsage()
	if u, ret := dev.GetUtilizationRates(); ret == nvml.SUCCESS {
		g.UtilizationPc = u.Gpu
	}
	if ecc, ret := dev.GetTotalEccErrors(nvml.MEMORY_ERROR_TYPE_UNCORRECTED, nvml.VOLATILE_ECC); ret == nvml.SUCCESS {
		g.ECCErrors = ecc
	}
	if procs, ret := dev.GetComputeRunningProcesses(); ret == nvml.SUCCESS {
		for _, p := range procs {
			if !d.ours(p.Pid) {
				g.ForeignProcesses++
			}
		}
	}
	g.XidErrors = d.xids[uuid]
	g.Healthy = g.XidErrors == 0 && g.ECCErrors == 0
	return g, nil
}

// drainXids counts the hardware Xid events NVML queued since the last detection, without waiting.
func (d *Detector) drainXids() {
	if d.events == nil {
		return
	}
	for {
		e, ret := d.events.Wait(0)
		if ret != nvml.SUCCESS {
			return // ERROR_TIMEOUT: nothing more queued
		}
		if e.EventType != nvml.EventTypeXidCriticalError || applicationXids[e.EventData] || e.Device == nil {
			continue
		}
		if uuid, ret := e.Device.GetUUID(); ret == nvml.SUCCESS {
			d.xids[uuid]++
		}
	}
}

// Close shuts NVML down when it was initialized.
func (d *Detector) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.inited {
		return nil
	}
	d.inited = false
	if d.events != nil {
		d.events.Free()
		d.events = nil
	}
	if ret := d.lib.Shutdown(); ret != nvml.SUCCESS {
		return fmt.Errorf("NVML shutdown: %s", nvml.ErrorString(ret))
	}
	return nil
}
