//go:build !cgo

package nvml

import (
	"context"
	"fmt"

	"github.com/gpunet/gpunet/worker/gpu"
)

// Detector of a build without cgo: there is no NVML to call.
type Detector struct{}

// New returns the Detector of a build without cgo.
func New(func(pid uint32) bool) *Detector { return &Detector{} }

// Detect reports that this build cannot see GPUs.
func (*Detector) Detect(context.Context) (gpu.Inventory, error) {
	return gpu.Inventory{}, fmt.Errorf("%w: no NVML in this build (built with CGO_ENABLED=0)", gpu.ErrNoNVML)
}

// Close does nothing.
func (*Detector) Close() error { return nil }
