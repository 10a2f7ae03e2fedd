package daemon

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

func newTestDaemon(t *testing.T, args ...string) *Daemon {
	cfg := defaultTestConfig()
	d, err := New("testd", append([]string{"-listen", "127.0.0.1:0"}, args...), &cfg, io.Discard)
	require.NoError(t, err)
	return d
}

func get(t *testing.T, url string) (int, string) {
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func TestHealthzAndMetrics(t *testing.T) {
	d := newTestDaemon(t)
	jobs := d.Metrics.NewCounter(prometheus.CounterOpts{Namespace: "gpunet", Subsystem: d.Name, Name: "jobs_total", Help: "Jobs seen."})
	jobs.Add(3)
	base := "http://" + d.Addr().String()
	var healthCode, metricsCode int
	var health, metrics string
	err := d.Run(context.Background(), func(context.Context) error {
		healthCode, health = get(t, base+"/healthz")
		metricsCode, metrics = get(t, base+"/metrics")
		return context.Canceled // a task ending the daemon
	})
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, http.StatusOK, healthCode)
	require.Equal(t, "ok\n", health)
	require.Equal(t, http.StatusOK, metricsCode)
	require.Contains(t, metrics, "# TYPE gpunet_testd_jobs_total counter\ngpunet_testd_jobs_total 3\n")
	require.Contains(t, metrics, "go_goroutines ")
}

func TestHealthzDegraded(t *testing.T) {
	d := newTestDaemon(t)
	var up atomic.Bool
	d.Check(func() error {
		if up.Load() {
			return nil
		}
		return errors.New("postgres: connection refused")
	})
	base := "http://" + d.Addr().String()
	err := d.Run(context.Background(), func(context.Context) error {
		code, body := get(t, base+"/healthz")
		require.Equal(t, http.StatusServiceUnavailable, code)
		require.Equal(t, "degraded: postgres: connection refused\n", body)
		up.Store(true)
		code, body = get(t, base+"/healthz")
		require.Equal(t, http.StatusOK, code)
		require.Equal(t, "ok\n", body)
		return context.Canceled
	})
	require.ErrorIs(t, err, context.Canceled)
}

func TestRunStopsOnCancel(t *testing.T) {
	d := newTestDaemon(t, "-shutdown-timeout", "2s")
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	go func() { <-started; cancel() }()
	begin := time.Now()
	err := d.Run(ctx, func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		time.Sleep(50 * time.Millisecond) // cleanup inside the timeout
		return ctx.Err()
	})
	require.NoError(t, err)
	require.Less(t, time.Since(begin), 2*time.Second)
	_, err = http.Get("http://" + d.Addr().String() + "/healthz")
	require.ErrorContains(t, err, "connection refused")
}

func TestRunShutdownTimeout(t *testing.T) {
	d := newTestDaemon(t, "-shutdown-timeout", "200ms")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	release := make(chan struct{})
	defer close(release)
	begin := time.Now()
	err := d.Run(ctx, func(context.Context) error {
		<-release // ignores its context
		return nil
	})
	elapsed := time.Since(begin)
	require.ErrorIs(t, err, ErrShutdownTimeout)
	require.EqualError(t, err, "shutdown timed out after 200ms")
	require.GreaterOrEqual(t, elapsed, 200*time.Millisecond)
	require.Less(t, elapsed, time.Second)
}
