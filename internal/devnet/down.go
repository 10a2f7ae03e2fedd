package devnet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// Check returns a *RunningError when a make dev holds the lock, nil when none does: the
// Makefile asks it before building anything.
func Check(cfg Config) error {
	if err := holder(cfg.lockPath()); !errors.Is(err, ErrNotRunning) {
		return err
	}
	return nil
}

// Status is the running make dev's network.json; ErrNotRunning when none runs.
func Status(cfg Config) (*Network, error) {
	err := holder(cfg.lockPath())
	var running *RunningError
	if !errors.As(err, &running) {
		return nil, err
	}
	n, err := ReadNetwork(cfg.networkPath())
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("make dev (pid %d) is starting: no %s yet", running.PID, cfg.rel(cfg.networkPath()))
	}
	return n, err
}

// Down stops a running make dev: SIGTERM to the supervisor, which stops its services, then
// a wait until it has released the lock (it has exited), bounded by ctx. It reports what it
// stopped; ErrNotRunning when nothing runs.
func Down(ctx context.Context, cfg Config) (string, error) {
	err := holder(cfg.lockPath())
	var running *RunningError
	if !errors.As(err, &running) {
		return "", err
	}
	if running.PID == 0 {
		return "", errors.New("make dev is just starting (no pid in the lock yet): try again")
	}
	begin := time.Now()
	if err := syscall.Kill(running.PID, syscall.SIGTERM); err != nil {
		return "", fmt.Errorf("stop make dev (pid %d): %w", running.PID, err)
	}
	for !errors.Is(holder(cfg.lockPath()), ErrNotRunning) {
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("make dev (pid %d) still runs %.0fs after SIGTERM: see %s", running.PID, time.Since(begin).Seconds(), cfg.rel(cfg.logsDir()))
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Sprintf("stopped make dev (pid %d, up since %s) in %.1fs", running.PID, running.Since.UTC().Format(time.RFC3339), time.Since(begin).Seconds()), nil
}

// Reset is Down (if one runs) and the deletion of the chain's state and PostgreSQL's data: the
// next make dev starts a new chain with empty databases. The logs of earlier starts and the
// workers' keys are kept (make clean removes them).
func Reset(ctx context.Context, cfg Config) ([]string, error) {
	var report []string
	stopped, err := Down(ctx, cfg)
	switch {
	case err == nil:
		report = append(report, stopped)
	case !errors.Is(err, ErrNotRunning):
		return nil, err
	}
	if err := os.RemoveAll(cfg.StateDir); err != nil {
		return report, fmt.Errorf("delete the chain state: %w", err)
	}
	report = append(report, "deleted the chain state "+cfg.rel(cfg.StateDir))
	if err := os.RemoveAll(cfg.PGDir); err != nil {
		return report, fmt.Errorf("delete PostgreSQL's data: %w", err)
	}
	return append(report, "deleted PostgreSQL's data "+cfg.rel(cfg.PGDir)), nil
}
