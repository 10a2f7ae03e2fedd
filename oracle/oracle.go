// Package oracle is the gpunet-oracle daemon: it takes workers' signed heartbeats over HTTP
// (oracle/api), credits the uptime it sees live on its own clock (oracle/uptime), keeps it in
// PostgreSQL (oracle/store) and puts it on-chain as its votes on each proof window
// (oracle/submit), reading the registry through a short cache (oracle/view); it advances the
// economy's epochs and submits devices' rewards computed from the chain (oracle/rewards), and
// relays each job's signed spec and Ray node announcements (oracle/api, wire.JobsPath).
package oracle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/daemon"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/oracle/api"
	"github.com/gpunet/gpunet/oracle/challenge"
	"github.com/gpunet/gpunet/oracle/price"
	"github.com/gpunet/gpunet/oracle/rewards"
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
	RateBurst     int           `key:"rate-burst" usage:"heartbeats a device (and relay writes a key) may send at once"`
	RateEvery     time.Duration `key:"rate-every" usage:"then one heartbeat per this long"`
	RegistryCache time.Duration `key:"registry-cache" usage:"how long a chain read (registry config, device, escrow job) is reused"`
	LookupBurst   int           `key:"lookup-burst" usage:"chain reads of device keys or jobs not cached that may happen at once (all clients together)"`
	LookupEvery   time.Duration `key:"lookup-every" usage:"then one such read per this long"`
	StatusBurst   int           `key:"status-burst" usage:"status requests a client address may send at once"`
	StatusEvery   time.Duration `key:"status-every" usage:"then one status request per this long"`
	ProveEvery    time.Duration `key:"prove-every" usage:"how often to look for windows to vote on, count or close"`
	ProveDelay    time.Duration `key:"prove-delay" usage:"how long after a window's end or deadline to act (the chain's clock trails)"`
	RewardEvery   time.Duration `key:"reward-every" usage:"how often to advance ended epochs and submit devices' cumulative rewards"`
	// The proof-of-compute challenge (oracle/README.md).
	ChallengeClasses    string        `key:"challenge-classes" usage:"per hardware model: model:n:expected:deadline, comma-separated (deadline >= 5 x expected); empty: no challenges"`
	ChallengePeriod     time.Duration `key:"challenge-period" usage:"each device is challenged by one oracle per period"`
	ChallengeOpenWithin time.Duration `key:"challenge-open-within" usage:"how long after its root a device's multiproof is due"`
	price.Settings
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
		LookupBurst:   50,
		LookupEvery:   20 * time.Millisecond,
		StatusBurst:   20,
		StatusEvery:   200 * time.Millisecond,
		ProveEvery:    5 * time.Second,
		ProveDelay:    2 * time.Second,
		RewardEvery:   30 * time.Second,
		// Provisional sizes for the GPU classes until the GPU backend measures them: a device
		// of the class finishes well within, a CPU claiming it takes minutes.
		ChallengeClasses:    "0:1024:2s:10s,1:8192:4s:20s,2:8192:3s:15s,3:8192:2s:10s,4:8192:2s:10s,5:8192:2s:10s",
		ChallengePeriod:     time.Hour,
		ChallengeOpenWithin: 10 * time.Second,
		Settings:            price.DefaultSettings(),
	}
}

// Validate checks every field.
func (c *Config) Validate() error {
	errs := []error{c.Base.Validate(), c.Settings.Validate()}
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
	for _, b := range []struct {
		key string
		v   int
	}{{"rate-burst", c.RateBurst}, {"lookup-burst", c.LookupBurst}, {"status-burst", c.StatusBurst}} {
		if b.v < 1 {
			bad("%s %d < 1", b.key, b.v)
		}
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"clock-skew", c.ClockSkew}, {"rate-every", c.RateEvery}, {"registry-cache", c.RegistryCache},
		{"lookup-every", c.LookupEvery}, {"status-every", c.StatusEvery}, {"prove-every", c.ProveEvery},
		{"reward-every", c.RewardEvery}} {
		if d.v <= 0 {
			bad("%s %s is not positive", d.key, d.v)
		}
	}
	if _, err := challenge.ParseClasses(c.ChallengeClasses); err != nil {
		bad("%s", err)
	}
	if c.ChallengePeriod < time.Second || c.ChallengeOpenWithin <= 0 {
		bad("challenge-period %s must be 1s or more and challenge-open-within %s positive", c.ChallengePeriod, c.ChallengeOpenWithin)
	}
	if c.ProveDelay < 0 {
		bad("prove-delay %s is negative", c.ProveDelay)
	}
	return errors.Join(errs...)
}

// Run is the daemon: it loads the config from args (and the environment), opens the network,
// the database (migrated) and the API listener, and serves until ctx ends or SIGINT/SIGTERM.
// -h, -help or --help prints the keys.
func Run(ctx context.Context, args []string, logs io.Writer) error {
	if daemon.WantsHelp(args) {
		cfg := DefaultConfig()
		return daemon.Usage(logs, "oracle", "verifies workers (heartbeats, challenges, usage) and puts signed proofs, usage, prices and rewards on-chain; serves the workers' API and the job relay.", &cfg)
	}
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
	pool, err := pgxpool.New(ctx, cfg.Database) // connects lazily: a server down now is waited for
	if err != nil {
		return fmt.Errorf("database-url: %w", err)
	}
	defer pool.Close()
	st, err := openStore(ctx, pool, d.Log)
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
		Help: "Transactions sent on-chain by kind (vote, count, close, advance, rewards) and outcome (landed, failed, not_due)."}, []string{"kind", "state"})
	reads := d.Metrics.NewCounterVec(prometheus.CounterOpts{Namespace: "gpunet", Subsystem: d.Name, Name: "registry_reads_total",
		Help: "RPC reads of the chain by the API, by account (config, device, job)."}, []string{"account"})
	chainView := view.New(n.Registry, n.Client, cfg.RegistryCache, cfg.LookupBurst, cfg.LookupEvery, reads)
	srv := api.New(api.Config{MaxBody: cfg.MaxBody, ClockSkew: cfg.ClockSkew, RateBurst: cfg.RateBurst, RateEvery: cfg.RateEvery,
		StatusBurst: cfg.StatusBurst, StatusEvery: cfg.StatusEvery, Timeout: 5 * time.Second}, key, chainView, st, heartbeats)
	srv.Relay(chainView.Jobs(n.Escrow))
	history := d.Metrics.NewCounterVec(prometheus.CounterOpts{Namespace: "gpunet", Subsystem: d.Name, Name: "rewards_history_transactions_total",
		Help: "Transactions the rewarder read from the chain's history, by program (economy, registry); a restart reads only those after its saved cursors."}, []string{"program"})
	rewarder := rewards.New(rewards.Config{Every: cfg.RewardEvery}, n, key, st, d.Log.With("component", "oracle/rewards"), sent, history)
	prover := submit.New(submit.Config{Every: cfg.ProveEvery, Delay: cfg.ProveDelay}, n, key, st, d.Log.With("component", "oracle/submit"), sent)
	if classes, _ := challenge.ParseClasses(cfg.ChallengeClasses); len(classes) > 0 { // validated
		c := challenge.New(challenge.Config{Classes: classes, Period: cfg.ChallengePeriod, OpenWithin: cfg.ChallengeOpenWithin},
			key.PublicKey(), st, d.Log.With("component", "oracle/challenge"), d.Metrics)
		srv.Challenges(c)
		prover.Challenges = c
	}
	db := &dbWatch{store: st, log: d.Log, up: d.Metrics.NewGauge(prometheus.GaugeOpts{Namespace: "gpunet", Subsystem: d.Name, Name: "database_up",
		Help: "1 while PostgreSQL answers; at 0 heartbeats get 503 and the prover pauses."})}
	db.set(nil)
	d.Check(db.err)
	feed, err := price.New(cfg.Settings, n, key, st, d.Log.With("component", "oracle/price"), d.Metrics)
	if err != nil {
		return err
	}
	d.Log.Info("oracle", "key", key.PublicKey().String(), "api", ln.Addr().String())
	return d.Run(ctx, db.run, func(ctx context.Context) error {
		go func() {
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
			defer cancel()
			_ = srv.Shutdown(sctx)
		}()
		return srv.Serve(ln)
	}, prover.Run, rewarder.Run, feed.Run)
}

// openStore migrates the database, waiting for PostgreSQL with backoff while it cannot be
// reached (it may start after the oracle, or be restarting); an answer that is a refusal (a
// bad password, no such database, a migration that fails) ends the start.
// cannotConnectNow is PostgreSQL's SQLSTATE while it starts or shuts down: waited for too.
const cannotConnectNow = "57P03"

func openStore(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) (*store.Store, error) {
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		st, err := store.New(actx, pool)
		cancel()
		if err == nil || !postgresUnavailable(ctx, err) {
			return st, err // a bad migration, password or database name does not fix itself
		}
		log.Warn("waiting for postgres", "err", err, "retry", wait)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// postgresUnavailable reports whether err means PostgreSQL is not reachable yet (not listening,
// starting up or shutting down, or too slow to answer), which waiting fixes.
func postgresUnavailable(ctx context.Context, err error) bool {
	var answered *pgconn.PgError // the server answered: only "cannot connect now" passes with time
	if errors.As(err, &answered) {
		return answered.Code == cannotConnectNow
	}
	var unreachable *pgconn.ConnectError
	return errors.As(err, &unreachable) || errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil
}

// dbWatch pings PostgreSQL every second for /healthz and gpunet_oracle_database_up; the
// API and the prover need no word from it: they fail safe on their own errors.
type dbWatch struct {
	store *store.Store
	log   *slog.Logger
	up    prometheus.Gauge
	last  atomic.Pointer[error]
}

func (w *dbWatch) run(ctx context.Context) error {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := w.store.Ping(pctx)
		cancel()
		if ctx.Err() == nil {
			w.set(err)
		}
	}
}

// set records the latest ping's outcome, logging a change.
func (w *dbWatch) set(err error) {
	was := w.last.Swap(&err)
	switch {
	case err != nil && (was == nil || *was == nil):
		w.log.Warn("postgres unavailable: heartbeats refused, prover paused", "err", err)
	case err == nil && was != nil && *was != nil:
		w.log.Info("postgres back")
	}
	if err != nil {
		w.up.Set(0)
	} else {
		w.up.Set(1)
	}
}

func (w *dbWatch) err() error { return *w.last.Load() }
