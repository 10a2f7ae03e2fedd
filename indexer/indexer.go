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
	"time"

	"github.com/gagliardetto/solana-go/rpc"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gpunet/gpunet/indexer/decode"
	"github.com/gpunet/gpunet/indexer/ingest"
	"github.com/gpunet/gpunet/indexer/store"
	"github.com/gpunet/gpunet/internal/daemon"
	"github.com/gpunet/gpunet/internal/network"
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
}

// DefaultConfig is the production default.
func DefaultConfig() Config {
	base := daemon.DefaultBase()
	base.Listen = "127.0.0.1:8492"
	d := ingest.DefaultConfig()
	return Config{Base: base, Commitment: string(rpc.CommitmentFinalized), BatchSize: d.BatchSize, BatchWait: d.BatchWait, Fetchers: d.Fetchers}
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
	tasks := []func(context.Context) error{in.Run}
	// The explorer API (package indexer/api) starts here: the lead adds its listener as one
	// more task on the same pool, e.g. tasks = append(tasks, api.New(pool, ...).Run).
	return d.Run(ctx, tasks...)
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
