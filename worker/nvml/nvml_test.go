//go:build cgo

package nvml

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/wire"
	"github.com/gpunet/gpunet/worker/gpu"
)

// host is a mocked NVML host: its GPUs (removable between detections) and the Xid events the
// driver queued.
type host struct {
	gpus   []*mock.Device
	queued []nvml.EventData
	calls  int // NVML calls other than Init
}

func newGPU(uuid string, pids ...uint32) *mock.Device {
	return &mock.Device{
		GetUUIDFunc:             func() (string, nvml.Return) { return uuid, nvml.SUCCESS },
		GetNameFunc:             func() (string, nvml.Return) { return "NVIDIA H100 80GB HBM3", nvml.SUCCESS },
		GetMemoryInfoFunc:       func() (nvml.Memory, nvml.Return) { return nvml.Memory{Total: 80 << 30}, nvml.SUCCESS },
		RegisterEventsFunc:      func(uint64, nvml.EventSet) nvml.Return { return nvml.SUCCESS },
		GetTemperatureFunc:      func(nvml.TemperatureSensors) (uint32, nvml.Return) { return 41, nvml.SUCCESS },
		GetPowerUsageFunc:       func() (uint32, nvml.Return) { return 72_000, nvml.SUCCESS },
		GetUtilizationRatesFunc: func() (nvml.Utilization, nvml.Return) { return nvml.Utilization{Gpu: 3}, nvml.SUCCESS },
		GetTotalEccErrorsFunc: func(nvml.MemoryErrorType, nvml.EccCounterType) (uint64, nvml.Return) {
			return 0, nvml.ERROR_NOT_SUPPORTED
		},
		GetComputeRunningProcessesFunc: func() ([]nvml.ProcessInfo, nvml.Return) {
			procs := make([]nvml.ProcessInfo, len(pids))
			for i, p := range pids {
				procs[i].Pid = p
			}
			return procs, nvml.SUCCESS
		},
	}
}

func (h *host) lib(initRet nvml.Return) *mock.Interface {
	count := func() { h.calls++ }
	return &mock.Interface{
		InitFunc: func() nvml.Return { return initRet },
		EventSetCreateFunc: func() (nvml.EventSet, nvml.Return) {
			count()
			return &mock.EventSet{WaitFunc: func(uint32) (nvml.EventData, nvml.Return) {
				if len(h.queued) == 0 {
					return nvml.EventData{}, nvml.ERROR_TIMEOUT
				}
				e := h.queued[0]
				h.queued = h.queued[1:]
				return e, nvml.SUCCESS
			}}, nvml.SUCCESS
		},
		DeviceGetCountFunc: func() (int, nvml.Return) { count(); return len(h.gpus), nvml.SUCCESS },
		DeviceGetHandleByIndexFunc: func(i int) (nvml.Device, nvml.Return) {
			count()
			return h.gpus[i], nvml.SUCCESS
		},
		SystemGetDriverVersionFunc:     func() (string, nvml.Return) { count(); return "550.54.15", nvml.SUCCESS },
		SystemGetCudaDriverVersionFunc: func() (int, nvml.Return) { count(); return 12040, nvml.SUCCESS },
	}
}

func h100(uuid string, foreign int, xids uint64) wire.GPU {
	return wire.GPU{UUID: uuid, Model: "NVIDIA H100 80GB HBM3", MemoryBytes: 80 << 30, Driver: "550.54.15", CUDA: "12.4",
		TemperatureC: 41, PowerMilliW: 72_000, UtilizationPc: 3, XidErrors: xids, ForeignProcesses: foreign, Healthy: xids == 0}
}

func TestDetectHealthyHost(t *testing.T) {
	ours := func(pid uint32) bool { return pid == 100 }
	h := &host{gpus: []*mock.Device{newGPU("GPU-a", 100, 200), newGPU("GPU-b")}}
	inv, err := NewWith(h.lib(nvml.SUCCESS), ours).Detect(context.Background())
	require.NoError(t, err)
	require.Equal(t, gpu.Inventory{GPUs: []wire.GPU{h100("GPU-a", 1, 0), h100("GPU-b", 0, 0)}}, inv)
}

func TestHardwareXidMakesAGPUUnhealthyApplicationXidDoesNot(t *testing.T) {
	a, b := newGPU("GPU-a"), newGPU("GPU-b")
	h := &host{gpus: []*mock.Device{a, b}}
	d := NewWith(h.lib(nvml.SUCCESS), nil)
	_, err := d.Detect(context.Background())
	require.NoError(t, err)

	h.queued = []nvml.EventData{
		{Device: b, EventType: nvml.EventTypeXidCriticalError, EventData: 79}, // fell off the bus
		{Device: a, EventType: nvml.EventTypeXidCriticalError, EventData: 13}, // a program's fault
	}
	inv, err := d.Detect(context.Background())
	require.NoError(t, err)
	require.Equal(t, []wire.GPU{h100("GPU-a", 0, 0), h100("GPU-b", 0, 1)}, inv.GPUs)
	require.Empty(t, h.queued)
}

func TestFailedInitCallsNothingElse(t *testing.T) {
	h := &host{gpus: []*mock.Device{newGPU("GPU-a")}}
	d := NewWith(h.lib(nvml.ERROR_LIBRARY_NOT_FOUND), nil)
	for range 2 {
		inv, err := d.Detect(context.Background())
		require.ErrorIs(t, err, gpu.ErrNoNVML)
		require.EqualError(t, err, "no NVIDIA driver: NVML init: ERROR_LIBRARY_NOT_FOUND")
		require.Equal(t, gpu.Inventory{}, inv)
	}
	require.Zero(t, h.calls, "no NVML call after a failed Init")
}

func TestMonitorReportsAGPULostBetweenDetections(t *testing.T) {
	var logs bytes.Buffer
	h := &host{gpus: []*mock.Device{newGPU("GPU-a"), newGPU("GPU-b")}}
	m := gpu.NewMonitor(NewWith(h.lib(nvml.SUCCESS), nil), slog.New(slog.NewTextHandler(&logs, nil)))
	require.Empty(t, m.Detect(context.Background()).Problems)

	h.gpus = h.gpus[:1] // GPU-b is gone after a reboot
	for range 2 {       // and stays reported, detection after detection
		r := m.Detect(context.Background())
		require.Equal(t, []wire.GPU{h100("GPU-a", 0, 0)}, r.GPUs)
		require.Equal(t, []string{"GPU GPU-b (NVIDIA H100 80GB HBM3) is gone: detected earlier, missing now"}, r.Problems)
	}
	require.Equal(t, 2, strings.Count(logs.String(), "level=WARN msg=\"hardware problems\""))

	h.gpus = append(h.gpus, newGPU("GPU-b")) // back
	require.Empty(t, m.Detect(context.Background()).Problems)
}

func TestMonitorReportsAnUnhealthyGPU(t *testing.T) {
	b := newGPU("GPU-b")
	h := &host{gpus: []*mock.Device{newGPU("GPU-a"), b}}
	m := gpu.NewMonitor(NewWith(h.lib(nvml.SUCCESS), nil), slog.New(slog.DiscardHandler))
	m.Detect(context.Background())
	h.queued = []nvml.EventData{{Device: b, EventType: nvml.EventTypeXidCriticalError, EventData: 48}}
	require.Equal(t, []string{"GPU GPU-b (NVIDIA H100 80GB HBM3) is unhealthy: 1 Xid errors, 0 uncorrected ECC errors"}, m.Detect(context.Background()).Problems)
}
