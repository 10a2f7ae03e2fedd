// Command hello is the smallest gpunet daemon, the one docs/architecture.md shows: a typed
// config (the kit's listener, log level and shutdown timeout, and where the network is), a
// network client with every program wired, a logger, metrics and graceful shutdown. Its work is
// to report whether the registry is paused.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/daemon"
	"github.com/gpunet/gpunet/internal/network"
)

type config struct {
	daemon.Base
	network.Options
}

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, logs io.Writer) error {
	cfg := config{Base: daemon.DefaultBase(), Options: network.Options{Cluster: network.DevCluster}}
	d, err := daemon.New("hello", args, &cfg, logs)
	if err != nil {
		return err
	}
	n, err := network.Open(ctx, cfg.Options)
	if err != nil {
		return err
	}
	return d.Run(ctx, watchRegistry(d, n))
}

// watchRegistry reads the registry's Config once, exports gpunet_hello_registry_paused and
// logs its admin, then waits for the shutdown.
func watchRegistry(d *daemon.Daemon, n *network.Network) func(context.Context) error {
	paused := d.Metrics.NewGauge(prometheus.GaugeOpts{Namespace: "gpunet", Subsystem: d.Name, Name: "registry_paused", Help: "1 while the registry is paused."})
	return func(ctx context.Context) error {
		data, err := n.Client.AccountData(ctx, n.Registry.ConfigAddress())
		if err != nil {
			return fmt.Errorf("read registry config: %w", err)
		}
		cfg, err := registry.ParseAccount_Config(data)
		if err != nil {
			return fmt.Errorf("parse registry config: %w", err)
		}
		paused.Set(float64(cfg.Paused))
		d.Log.Info("registry", "admin", cfg.Admin.String(), "paused", cfg.Paused == 1)
		<-ctx.Done()
		return nil
	}
}
