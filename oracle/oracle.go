// Package oracle is the gpunet-oracle daemon: it takes workers' signed heartbeats over HTTP
// (oracle/api), credits the uptime it sees live on its own clock (oracle/uptime), keeps it in
// PostgreSQL (oracle/store) and puts it on-chain as its votes on each proof window
// (oracle/submit), reading the registry through a short cache (oracle/view).
package oracle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/daemon"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/internal/pg"
	"github.com/gpunet/gpunet/oracle/api"
	"github.com/gpunet/gpunet/oracle/store"
	"github.com/gpunet/gpunet/oracle/submit"
	"github.com/gpunet/gpunet/oracle/view"
)

// Config is the oracle's configuration (file < GPUNET_ORACLE_* < flags).
type Config struct {
	daemon.Base
	network.Options
	API           string        `key:"api-listen" usage:"address of the worker-facing HTTP API"`
	Keypair       string        `key:"keypair" usage:"the oracle's keypair file (mode 0600): its key in the registry's oracle set"`
	Database      string        `key:"database-url" usage:"PostgreSQL connection string" secret:"true"`
	MaxBody       int           `key:"max-body" usage:"largest request body in bytes"`
	ClockSkew     time.Duration `key:"clock-skew" usage:"how far a heartbeat's timestamp may be from this oracle's clock"`
	RateBurst     int           `key:"rate-burst" usage:"heartbeats a device may send at once"`
	RateEvery     time.Duration `key:"rate-every" usage:"then one heartbeat per this long"`
	RegistryCache time.Duration `key:"registry-cache" usage:"how long a registry read (config, device) is reused"`
	ProveEvery    time.Duration `key:"prove-every" usage:"how often to look for windows to vote on, count or close"`
	ProveDelay    time.Duration `key:"prove-delay" usage:"how long after a window's end or deadline to act (the chain's clock trails)"`
}

// DefaultConfig is the production default.
func DefaultConfig() Config {
	return Config{
		Base:          daemon.DefaultBase(),
		API:           "127.0.0.1:8480",
		MaxBody:       64 << 10,
		ClockSkew:     5 * time.Minute,
		RateBurst:     5,
		RateEvery:     time.Second,
		RegistryCache: 5 * time.Second,
		ProveEvery:    5 * time.Second,
		ProveDelay:    2 * time.Second,
	}
}

// Validate checks every field.
func (c *Config) Validate() error {
	errs := []error{c.Base.Validate()}
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{daemon.ErrInvalidConfig}, a...)...))
	}
	if c.API == "" {
		bad("api-listen is empty")
	}
	if c.Keypair == "" {
		bad("keypair is empty")
	}
	if c.Database == "" {
		bad("database-url is empty")
	}
	if c.MaxBody < 1024 {
		bad("max-body %d < 1024", c.MaxBody)
	}
	if c.RateBurst < 1 {
		bad("rate-burst %d < 1", c.RateBurst)
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"clock-skew", c.ClockSkew}, {"rate-every", c.RateEvery}, {"registry-cache", c.RegistryCache}, {"prove-every", c.ProveEvery}} {
		if d.v <= 0 {
			bad("%s %s is not positive", d.key, d.v)
		}
	}
	if c.ProveDelay < 0 {
		bad("prove-delay %s is negative", c.ProveDelay)
	}
	return errors.Join(errs...)
}

// Run is the daemon: it loads the config from args (and the environment), opens the network,
// the database (migrated) and the API listener, and serves until ctx ends or SIGINT/SIGTERM.
func Run(ctx context.Context, args []string, logs io.Writer) error {
	cfg := DefaultConfig()
	d, err := daemon.New("oracle", args, &cfg, logs)
	if err != nil {
		return err
	}
	key, err := chain.LoadKeypair(cfg.Keypair)
	if err != nil {
		return fmt.Errorf("load oracle key: %w", err)
	}
	n, err := network.Open(ctx, cfg.Options)
	if err != nil {
		return err
	}
	pool, err := pg.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer pool.Close()
	st, err := store.New(ctx, pool)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.API)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.API, err)
	}
	heartbeats := d.Metrics.NewCounterVec(prometheus.CounterOpts{Namespace: "gpunet", Subsystem: d.Name, Name: "heartbeats_total",
		Help: "Heartbeats by outcome: accepted, late (kept, not credited) or the refusal's reason."}, []string{"result"})
	sent := d.Metrics.NewCounterVec(prometheus.CounterOpts{Namespace: "gpunet", Subsystem: d.Name, Name: "transactions_total",
		Help: "Transactions sent on-chain by kind (vote, count, close) and outcome (landed, failed)."}, []string{"kind", "state"})
	srv := api.New(api.Config{MaxBody: cfg.MaxBody, ClockSkew: cfg.ClockSkew, RateBurst: cfg.RateBurst, RateEvery: cfg.RateEvery, Timeout: 5 * time.Second},
		key, view.New(n.Registry, n.Client, cfg.RegistryCache), st, heartbeats)
	prover := submit.New(submit.Config{Every: cfg.ProveEvery, Delay: cfg.ProveDelay}, n, key, st, d.Log.With("component", "oracle/submit"), sent)
	d.Log.Info("oracle", "key", key.PublicKey().String(), "api", ln.Addr().String())
	return d.Run(ctx, func(ctx context.Context) error {
		go func() {
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
			defer cancel()
			_ = srv.Shutdown(sctx)
		}()
		return srv.Serve(ln)
	}, prover.Run)
}
