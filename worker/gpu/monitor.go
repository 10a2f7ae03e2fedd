package gpu

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"
)

// Report is the latest detection with the findings an operator must see.
type Report struct {
	Inventory
	// Problems: GPUs lost since they were first seen, unhealthy GPUs, a failed detection.
	Problems   []string  `json:"problems,omitempty"`
	DetectedAt time.Time `json:"detected_at"`
}

// Monitor re-detects the hardware and remembers every GPU it has seen, so one that disappears
// (after a reboot, a driver fault) stays reported until it is back.
type Monitor struct {
	detector Detector
	log      *slog.Logger

	mu     sync.Mutex
	seen   map[string]string // UUID -> model, every GPU detected since start
	latest Report
}

// NewMonitor returns a Monitor over d that logs what it finds with log.
func NewMonitor(d Detector, log *slog.Logger) *Monitor {
	return &Monitor{detector: d, log: log, seen: map[string]string{}}
}

// Detect runs one detection and returns its Report (also kept as Latest). A host without an
// NVIDIA driver is not an error: it reports a CPU-class inventory.
func (m *Monitor) Detect(ctx context.Context) Report {
	inv, err := m.detector.Detect(ctx)
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	r := Report{Inventory: inv, DetectedAt: now}
	switch {
	case errors.Is(err, ErrNoNVML):
		r.Inventory = Inventory{CPUOnly: err.Error() + ": running as a CPU-class device (hardware model 0)"}
	case err != nil:
		r.Problems = append(r.Problems, fmt.Sprintf("GPU detection failed: %v", err))
	}
	present := map[string]bool{}
	for _, g := range r.GPUs {
		present[g.UUID] = true
		m.seen[g.UUID] = g.Model
		if !g.Healthy {
			r.Problems = append(r.Problems, fmt.Sprintf("GPU %s (%s) is unhealthy: %d Xid errors, %d uncorrected ECC errors", g.UUID, g.Model, g.XidErrors, g.ECCErrors))
		}
	}
	for _, uuid := range slices.Sorted(maps.Keys(m.seen)) {
		if !present[uuid] {
			r.Problems = append(r.Problems, fmt.Sprintf("GPU %s (%s) is gone: detected earlier, missing now", uuid, m.seen[uuid]))
		}
	}
	if len(r.Problems) > 0 {
		m.log.Warn("hardware problems", "gpus", len(r.GPUs), "problems", r.Problems)
	} else if r.CPUOnly != "" && m.latest.DetectedAt.IsZero() {
		m.log.Info(r.CPUOnly)
	}
	m.latest = r
	return r
}

// Latest is the last Report (zero before the first detection).
func (m *Monitor) Latest() Report {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.latest
}

// Run re-detects every interval until ctx ends.
func (m *Monitor) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			m.Detect(ctx)
		}
	}
}
