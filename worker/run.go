package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/daemon"
	"github.com/gpunet/gpunet/internal/keyfile"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/internal/wire"
	"github.com/gpunet/gpunet/worker/challenge"
	"github.com/gpunet/gpunet/worker/gpu"
	"github.com/gpunet/gpunet/worker/gpuhelper"
	"github.com/gpunet/gpunet/worker/heartbeat"
	"github.com/gpunet/gpunet/worker/job"
	"github.com/gpunet/gpunet/worker/nvml"
	"github.com/gpunet/gpunet/worker/ray"
)

func runCommand(logs io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "run [-config FILE] [-<key> VALUE ...]",
		Short: "Run the worker daemon: detect the hardware, heartbeat to every oracle, serve /healthz and /metrics",
		Long: `run is the daemon. Its flags are the config's keys (-<key> VALUE); GPUNET_WORKER_<KEY>
variables override the config file and flags override both. Without -config it reads
` + ConfigFile(DefaultDir()) + `; the file init writes lists every key with its meaning.`,
		Example: `  gpunet-worker run
  gpunet-worker run -config /var/lib/gpunet-worker/config.json
  GPUNET_WORKER_LOG_LEVEL=debug gpunet-worker run -listen 127.0.0.1:9101`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, a := range args {
				if a == "-h" || a == "--help" || a == "-help" {
					return cmd.Help()
				}
			}
			if _, set := os.LookupEnv(daemon.EnvName(Name, "config")); !set && !hasConfigFlag(args) {
				if _, err := os.Stat(ConfigFile(DefaultDir())); err == nil {
					args = append([]string{"-config", ConfigFile(DefaultDir())}, args...)
				}
			}
			return Run(cmd.Context(), args, logs)
		},
	}
}

func hasConfigFlag(args []string) bool {
	for _, a := range args {
		for _, f := range []string{"-config", "--config"} {
			if a == f || len(a) > len(f) && a[:len(f)+1] == f+"=" {
				return true
			}
		}
	}
	return false
}

// Run is `gpunet-worker run`: the daemon until ctx ends or a shutdown signal.
func Run(ctx context.Context, args []string, logs io.Writer) error {
	cfg := DefaultConfig()
	d, err := daemon.New(Name, args, &cfg, logs)
	if err != nil {
		return withNextStep(err, "the config file")
	}
	key, err := keyfile.Load(cfg.DeviceKeypair)
	if err != nil {
		return withNextStep(err, cfg.DeviceKeypair)
	}
	urls, _ := cfg.OracleURLs() // validated
	if len(urls) == 0 {
		return fmt.Errorf("%w: no oracles configured: nothing would prove this device's uptime", daemon.ErrInvalidConfig)
	}
	n, err := network.Open(ctx, cfg.Options)
	if err != nil {
		return err
	}
	seq, err := heartbeat.OpenSequence(cfg.StateDir)
	if err != nil {
		return err
	}
	detector := nvml.New(nil)
	defer detector.Close()
	monitor := gpu.NewMonitor(detector, d.Log.With("part", "gpu"))
	monitor.Detect(ctx)

	var set atomic.Pointer[heartbeat.Set]
	first, err := readSet(ctx, n)
	if err != nil {
		return err
	}
	set.Store(first)
	if _, err := n.Registry.FetchDevice(ctx, n.Client, key.PublicKey()); errors.Is(err, chain.ErrAccountNotFound) {
		d.Log.Warn("the device is not registered: the oracles refuse its heartbeats (unknown_device) until you run `gpunet-worker register`", "device", key.PublicKey().String())
	}
	d.Log.Info("worker", "device", key.PublicKey().String(), "oracles", urls, "heartbeat_interval", first.Interval.String())

	gpus := d.Metrics.NewGauge(prometheus.GaugeOpts{Namespace: "gpunet", Subsystem: Name, Name: "gpus", Help: "GPUs found at the last detection."})
	problems := d.Metrics.NewGauge(prometheus.GaugeOpts{Namespace: "gpunet", Subsystem: Name, Name: "hardware_problems", Help: "Hardware problems found at the last detection (lost or unhealthy GPUs, a failed detection)."})
	var agent *job.Agent
	if cfg.RayAddress != "" {
		cpus := cfg.RayCPUs
		if cpus == 0 {
			cpus = runtime.NumCPU()
		}
		runner := &ray.Runner{Ray: cfg.Ray, StateDir: cfg.StateDir, Log: d.Log.With("part", "ray"),
			Limits: ray.Limits{MemoryBytes: cfg.RayMemoryLimit, Pids: cfg.RayPidsLimit, DiskBytes: cfg.RayDiskLimit}}
		agent = job.New(job.Config{Address: cfg.RayAddress, PortBase: cfg.RayPortBase, CPUs: cpus, GPUs: len(monitor.Latest().GPUs), Every: cfg.JobEvery,
			StopOnExit: cfg.RayStopOnExit},
			n, key, urls, runner, d.Log.With("part", "job"))
	} else {
		d.Log.Warn("ray-address is empty: the device accepts no jobs")
	}
	telemetry := func() wire.Telemetry {
		r := monitor.Latest()
		gpus.Set(float64(len(r.GPUs)))
		problems.Set(float64(len(r.Problems)))
		t := wire.Telemetry{Version: wire.TelemetryVersion, GPUs: r.GPUs, Problems: r.Problems}
		if agent != nil {
			t.Job = agent.Node()
		}
		return t
	}
	sender := heartbeat.NewSender(key, seq, func() heartbeat.Set { return *set.Load() }, telemetry, d.Log.With("part", "heartbeat"), d.Metrics)
	backend, stopHelper := gpuhelper.Pick(strings.Fields(cfg.GPUHelper), d.Log.With("part", "challenge"))
	defer stopHelper()
	solver := challenge.New(key, backend, func() []solana.PublicKey { return set.Load().Oracles }, d.Log.With("part", "challenge"), d.Metrics)
	sender.OnChallenge = solver.Offer

	tasks := []func(context.Context) error{
		func(ctx context.Context) error { return monitor.Run(ctx, cfg.DetectInterval) },
		func(ctx context.Context) error { return refreshSet(ctx, n, cfg.ConfigRefresh, &set, d) },
		solver.Run,
	}
	for _, url := range urls {
		tasks = append(tasks, func(ctx context.Context) error { return sender.Run(ctx, url) })
	}
	if agent != nil {
		tasks = append(tasks, agent.Run)
	}
	return d.Run(ctx, tasks...)
}

// readSet reads the registry's heartbeat interval and oracle keys, retrying while the RPC is
// unreachable.
func readSet(ctx context.Context, n *network.Network) (*heartbeat.Set, error) {
	var s *heartbeat.Set
	err := chain.Backoff{Attempts: 8, First: 500 * time.Millisecond, Max: 10 * time.Second}.Do(ctx, func(_ context.Context, err error) bool {
		return !errors.Is(err, chain.ErrAccountNotFound)
	}, func() error {
		rc, err := n.Registry.FetchConfig(ctx, n.Client)
		if err != nil {
			return err
		}
		p := rc.Params
		s = &heartbeat.Set{Interval: time.Duration(p.HeartbeatIntervalSecs) * time.Second, Oracles: protocol.LiveOracles(&p)}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read registry config: %w", n.NotConfigured("registry", err))
	}
	return s, nil
}

// refreshSet reads the registry's settings again every interval, so a new heartbeat interval
// or oracle set applies without a restart.
func refreshSet(ctx context.Context, n *network.Network, every time.Duration, set *atomic.Pointer[heartbeat.Set], d *daemon.Daemon) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			s, err := readSet(ctx, n)
			if err != nil {
				d.Log.Warn("registry config not refreshed", "err", err)
				continue
			}
			set.Store(s)
		}
	}
}
