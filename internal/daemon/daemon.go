package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"
)

// Daemon is a loaded config's logger, metrics registry and bound /healthz + /metrics
// listener; Run serves them alongside the daemon's tasks.
type Daemon struct {
	// Log carries component=<name>.
	Log *slog.Logger
	// Registry holds the daemon's metrics and the Go runtime and process collectors.
	Registry *prometheus.Registry
	// Metrics registers into Registry; name metrics gpunet_<name>_<metric> via Namespace
	// "gpunet" and Subsystem Name.
	Metrics promauto.Factory
	// Name is the daemon's name, as given to New.
	Name string

	base     Base
	listener net.Listener
	checks   []func() error
}

// New loads cfg (see Load) for daemon name from args and the environment, builds the
// logger writing to logOut, logs the config with secrets masked, and binds the listener.
func New(name string, args []string, cfg Config, logOut io.Writer) (*Daemon, error) {
	if err := Load(name, args, cfg); err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	base := *cfg.DaemonBase()
	log, err := NewLogger(logOut, base.LogLevel, name)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", base.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", base.Listen, err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	log.Info("config", LogAttrs(cfg)...)
	return &Daemon{Log: log, Registry: reg, Metrics: promauto.With(reg), Name: name, base: base, listener: ln}, nil
}

// Addr is the bound address of the /healthz and /metrics listener.
func (d *Daemon) Addr() net.Addr { return d.listener.Addr() }

// Check adds a health check (call it before Run): while f returns an error, /healthz answers
// 503 with the error, so an operator and a load balancer see a degraded daemon that still runs.
func (d *Daemon) Check(f func() error) { d.checks = append(d.checks, f) }

// health is the /healthz handler: "ok", or 503 and every failing check.
func (d *Daemon) health(w http.ResponseWriter, _ *http.Request) {
	var errs []error
	for _, f := range d.checks {
		errs = append(errs, f())
	}
	if err := errors.Join(errs...); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "degraded: "+err.Error()+"\n")
		return
	}
	_, _ = io.WriteString(w, "ok\n")
}

// Run serves /healthz and /metrics and runs every task under one errgroup until ctx is
// cancelled, SIGINT or SIGTERM arrives, or a task fails; then the listener stops and
// the tasks get the shutdown timeout to return. It returns the first task error (a
// task's context.Canceled after a shutdown signal is a clean stop), or ErrShutdownTimeout.
func (d *Daemon) Run(ctx context.Context, tasks ...func(ctx context.Context) error) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", d.health)
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{Registry: d.Registry}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(d.listener); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve metrics: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(gctx), d.base.ShutdownTimeout)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	for _, task := range tasks {
		g.Go(func() error { return task(gctx) })
	}
	d.Log.Info("started", "addr", d.Addr().String())

	done := make(chan error, 1)
	go func() { done <- g.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-gctx.Done():
		d.Log.Info("stopping", "timeout", d.base.ShutdownTimeout)
		select {
		case err = <-done:
		case <-time.After(d.base.ShutdownTimeout):
			err = fmt.Errorf("%w after %s", ErrShutdownTimeout, d.base.ShutdownTimeout)
		}
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		err = nil
	}
	if err != nil {
		d.Log.Error("stopped", "err", err)
		return err
	}
	d.Log.Info("stopped")
	return nil
}
