// Package daemon is the kit every gpunet daemon starts from: one typed config loaded
// from a JSON file, then the environment, then flags (file < env < flags), with defaults
// and validation, logged at start with secrets masked; a log/slog JSON logger carrying
// component=<name>; one listener serving /healthz and Prometheus /metrics; and Run, an
// errgroup of the daemon's tasks that stops on context cancel, SIGINT or SIGTERM and
// gives the tasks a bounded time to return.
//
// A daemon's config embeds Base and tags its own fields:
//
//	type Config struct {
//		daemon.Base
//		RPC      string `key:"rpc" usage:"Solana RPC URL"`
//		Password string `key:"db-password" secret:"true"`
//	}
//
// and its main is about ten lines (see Example; docs/hello adds the network client by
// embedding network.Options too):
//
//	cfg := Config{Base: daemon.DefaultBase(), RPC: "http://127.0.0.1:8899"}
//	d, err := daemon.New("oracle", os.Args[1:], &cfg, os.Stderr)
//	if err != nil {
//		fmt.Fprintln(os.Stderr, err)
//		os.Exit(2)
//	}
//	served := d.Metrics.NewCounter(prometheus.CounterOpts{Namespace: "gpunet", Subsystem: d.Name, Name: "requests_total"})
//	if err := d.Run(context.Background(), serve(cfg, d.Log, served)); err != nil {
//		os.Exit(1)
//	}
//
// Environment variables are GPUNET_<NAME>_<KEY> (EnvName); the file is named by -config
// or GPUNET_<NAME>_CONFIG.
package daemon
