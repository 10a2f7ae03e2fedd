// Package indexer is the gpunet-indexer daemon: it copies every transaction of gpunet's three
// programs into PostgreSQL (package ingest: decoded instructions, Anchor events, the accounts
// they wrote and their typed copies, package store's schema), exactly once per signature,
// resuming after the last stored one on every start. The explorer API reads those tables.
package indexer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gpunet/gpunet/indexer/actions"
	"github.com/gpunet/gpunet/indexer/alerts"
	"github.com/gpunet/gpunet/indexer/api"
	"github.com/gpunet/gpunet/indexer/decode"
	"github.com/gpunet/gpunet/indexer/ingest"
	"github.com/gpunet/gpunet/indexer/store"
	"github.com/gpunet/gpunet/internal/candidates"
	"github.com/gpunet/gpunet/internal/daemon"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/web"
)

// Name is the daemon's name: its metrics are gpunet_indexer_*, its variables GPUNET_INDEXER_*.
const Name = "indexer"

// Config is the indexer's configuration (file < GPUNET_INDEXER_* < flags).
type Config struct {
	daemon.Base
	network.Options
	Database   string        `key:"database-url" usage:"PostgreSQL connection string" secret:"true"`
	Commitment string        `key:"commitment" usage:"commitment of the indexed transactions: finalized or confirmed"`
	BatchSize  int           `key:"batch-size" usage:"transactions written per database transaction at most"`
	BatchWait  time.Duration `key:"batch-wait" usage:"how long a batch waits to fill before it is written"`
	Fetchers   int           `key:"fetchers" usage:"getTransaction calls in flight"`
	// The explorer API, the Solana Actions and the alerts' webhooks share one public listener.
	APIListen    string `key:"api-listen" usage:"address of the explorer API, the Solana Actions and the alerts' webhooks (host:port)"`
	AllowOrigins string `key:"allow-origins" usage:"the explorer API's CORS allowed origins (* for any)"`
	Oracles      string `key:"oracles" usage:"comma-separated oracle base URLs: a device's page shows their live view and the alerts tell offline and unhealthy devices; empty: neither"`
	ActionsIcon  string `key:"actions-icon" usage:"absolute URL of the Solana Actions' icon"`
	// AlertsAllowPrivate is for make dev and tests: webhooks on loopback over plain http.
	AlertsAllowPrivate bool          `key:"alerts-allow-private" usage:"take webhooks on plain http and private or loopback addresses (dev only)"`
	AlertsEvery        time.Duration `key:"alerts-every" usage:"how often the alerts look for offline, unhealthy or slashed devices and deliver"`
}

// DefaultConfig is the production default.
func DefaultConfig() Config {
	base := daemon.DefaultBase()
	base.Listen = "127.0.0.1:8492"
	d := ingest.DefaultConfig()
	return Config{Base: base, Commitment: string(rpc.CommitmentFinalized), BatchSize: d.BatchSize, BatchWait: d.BatchWait, Fetchers: d.Fetchers,
		APIListen: "127.0.0.1:8493", AllowOrigins: api.DefaultConfig().AllowOrigins, ActionsIcon: actions.DefaultConfig().Icon, AlertsEvery: alerts.DefaultConfig().Interval}
}

// Validate checks every field.
func (c *Config) Validate() error {
	errs := []error{c.Base.Validate()}
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{daemon.ErrInvalidConfig}, a...)...))
	}
	if c.Database == "" {
		bad("database-url is empty")
	}
	if c.Commitment != string(rpc.CommitmentFinalized) && c.Commitment != string(rpc.CommitmentConfirmed) {
		bad("commitment %q is neither finalized nor confirmed", c.Commitment)
	}
	if c.BatchSize < 1 || c.BatchSize > 10_000 {
		bad("batch-size %d is not within 1..10000", c.BatchSize)
	}
	if c.BatchWait <= 0 {
		bad("batch-wait %s is not positive", c.BatchWait)
	}
	if c.Fetchers < 1 || c.Fetchers > 64 {
		bad("fetchers %d is not within 1..64", c.Fetchers)
	}
	if _, _, err := net.SplitHostPort(c.APIListen); err != nil {
		bad("api-listen %q is not host:port", c.APIListen)
	}
	if err := c.actions().Validate(); err != nil {
		bad("%v", err)
	}
	if err := c.alerts().Validate(); err != nil {
		bad("%v", err)
	}
	return errors.Join(errs...)
}

// Run is the daemon: it loads the config from args (and the environment), migrates the
// database, opens the network and ingests until ctx ends or SIGINT/SIGTERM. -h, -help or
// --help prints the keys.
func Run(ctx context.Context, args []string, logs io.Writer) error {
	if daemon.WantsHelp(args) {
		cfg := DefaultConfig()
		return daemon.Usage(logs, Name, "copies gpunet's transactions, events and accounts into PostgreSQL.", &cfg)
	}
	cfg := DefaultConfig()
	d, err := daemon.New(Name, args, &cfg, logs)
	if err != nil {
		return err
	}
	cfg.Options.Commitment = rpc.CommitmentType(cfg.Commitment)
	n, err := network.Open(ctx, cfg.Options)
	if err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, cfg.Database)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer pool.Close()
	st, err := openStore(ctx, pool, d)
	if err != nil {
		return err
	}
	ids := decode.Programs{Registry: n.IDs.Registry, Escrow: n.IDs.Escrow, Economy: n.IDs.Economy}
	in, err := ingest.New(ingest.Config{BatchSize: cfg.BatchSize, BatchWait: cfg.BatchWait, Fetchers: cfg.Fetchers,
		Confirmed: cfg.Commitment == string(rpc.CommitmentConfirmed), FinalityEvery: time.Second},
		ingest.ChainSource{Client: n.Client}, st, ids, d.Log.With("component", "ingest"), ingest.NewMetrics(d.Metrics))
	if err != nil {
		return err
	}
	d.Check(func() error { return pool.Ping(ctx) })
	serve, watch, err := explorer(cfg, n, pool, d)
	if err != nil {
		return err
	}
	return d.Run(ctx, in.Run, serve, watch)
}

// explorer makes the public listener's tasks: serve runs the explorer API with the Solana
// Actions, the alerts' webhooks and the web app (package web: the built app with -tags webapp,
// else a page saying how to build it) mounted beside it, watch the alerts' detection and delivery.
func explorer(cfg Config, n *network.Network, pool *pgxpool.Pool, d *daemon.Daemon) (serve, watch func(context.Context) error, err error) {
	oracles := cfg.OracleURLs()
	act, err := actions.New(n, candidates.Chain{Client: n.Client, Registry: n.Registry, Oracles: oracles}, cfg.actions())
	if err != nil {
		return nil, nil, err
	}
	var prober alerts.Prober
	if len(oracles) > 0 {
		prober = &oracleProber{urls: oracles, network: n}
	}
	al, err := alerts.New(pool, cfg.alerts(), prober, d.Log)
	if err != nil {
		return nil, nil, err
	}
	apiCfg := api.DefaultConfig()
	apiCfg.AllowOrigins = cfg.AllowOrigins
	srv, err := api.New(apiCfg, api.Deps{Pool: pool, Oracles: oracles,
		Metrics: d.Registry, Log: d.Log.With("component", "api"), Mount: []func(fiber.Router){act.Register, al.Register, web.Mount}})
	if err != nil {
		return nil, nil, err
	}
	ln, err := net.Listen("tcp", cfg.APIListen)
	if err != nil {
		return nil, nil, fmt.Errorf("explorer API: %w", err)
	}
	d.Log.Info("explorer API", "url", "http://"+ln.Addr().String())
	serve = func(ctx context.Context) error {
		go func() {
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		}()
		if err := srv.Serve(ln); err != nil && ctx.Err() == nil {
			return fmt.Errorf("explorer API: %w", err)
		}
		return nil
	}
	return serve, al.Run, nil
}

// OracleURLs are the oracles' base URLs.
func (c *Config) OracleURLs() []string {
	return daemon.URLs(c.Oracles)
}

func (c *Config) actions() actions.Config {
	a := actions.DefaultConfig()
	a.Icon = c.ActionsIcon
	return a
}

func (c *Config) alerts() alerts.Config {
	a := alerts.DefaultConfig()
	a.AllowPrivate, a.Interval = c.AlertsAllowPrivate, c.AlertsEvery
	return a
}

// openStore migrates the database, waiting for PostgreSQL while it cannot be reached (it may
// start after the indexer); an error that is no connection failure ends the start.
func openStore(ctx context.Context, pool *pgxpool.Pool, d *daemon.Daemon) (*store.Store, error) {
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := pool.Ping(actx)
		cancel()
		if err == nil {
			return store.New(ctx, pool)
		}
		d.Log.Warn("waiting for postgres", "err", err, "retry", wait)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}
