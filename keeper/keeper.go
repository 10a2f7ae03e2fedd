// Package keeper is the gpunet-keeper daemon: the permissionless cranks nobody else has a
// reason to send on time. Each pass it reads the chain (filtered program scans, the Clock
// sysvar) and sends only what is due: it counts jobs' usage collections after their vote
// deadline, settles slots' verified and unpaid time (hourly while a job runs, all of it once it
// ended), expires jobs not accepted in time and completes running ones whose paid time is up,
// closes ended jobs whose usage is final and paid, advances the economy's epochs, counts or
// closes the proof windows the oracles left behind and finalizes slashes after their appeal
// window. With the oracles' URLs it slashes, on their co-signatures, the devices that abandoned
// a job and those whose failed challenges the registry tallied (slash.go); with the escrow's
// scheduler key too, it replaces the devices of running jobs that a quorum of oracles report
// down (replace.go).
//
// Every crank is idempotent on chain: sent twice, or by two keepers at once, the second is a
// no-op that fails with a named program error, which the keeper counts as done (README.md).
// So several keepers may run against one chain, and a keeper killed at any point resumes from
// what the chain holds; it keeps no state of its own.
package keeper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/daemon"
	"github.com/gpunet/gpunet/internal/network"
)

// Name is the daemon's name: its metrics are gpunet_keeper_*, its variables GPUNET_KEEPER_*.
const Name = "keeper"

// Config is the keeper's configuration (file < GPUNET_KEEPER_* < flags).
type Config struct {
	daemon.Base
	network.Options
	Keypair     string        `key:"keypair" usage:"the fee payer's keypair file (mode 0600): it pays the cranks' fees and signs nothing else"`
	Every       time.Duration `key:"every" usage:"how often a pass looks for due work"`
	SettleAfter time.Duration `key:"settle-after" usage:"settle a running job's slot once it holds this much verified, unpaid time (an ended job's slots are settled at once)"`
	ProofGrace  time.Duration `key:"proof-grace" usage:"how long after a proof window's voting deadline it is left to the oracles before the keeper counts or closes it"`
	MaxBackoff  time.Duration `key:"max-backoff" usage:"the longest pause between passes while they fail (an RPC outage): the pause doubles from every"`
	// Slashing (slash.go) needs the oracles; replacing devices (replace.go) the scheduler key too.
	Oracles          string        `key:"oracles" usage:"comma-separated oracle base URLs: they co-sign the slashes the keeper assembles (abandoned jobs, tallied failed challenges), and with scheduler-keypair their health reports decide replacements; empty: neither"`
	SchedulerKeypair string        `key:"scheduler-keypair" usage:"the escrow's scheduler keypair file (mode 0600): with oracles, the keeper replaces a running job's devices a quorum of oracles report down; empty: it replaces none"`
	WatchEvery       time.Duration `key:"watch-every" usage:"how often running jobs are looked at with the oracles (health, abandonments)"`
}

// DefaultConfig is the production default.
func DefaultConfig() Config {
	base := daemon.DefaultBase()
	base.Listen = "127.0.0.1:8490"
	return Config{Base: base, Every: 30 * time.Second, SettleAfter: time.Hour, ProofGrace: time.Minute, MaxBackoff: 5 * time.Minute, WatchEvery: 3 * time.Second}
}

// Validate checks every field.
func (c *Config) Validate() error {
	errs := []error{c.Base.Validate()}
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{daemon.ErrInvalidConfig}, a...)...))
	}
	if c.Keypair == "" {
		bad("keypair is empty")
	}
	if c.Every <= 0 {
		bad("every %s is not positive", c.Every)
	}
	if c.SettleAfter < time.Second {
		bad("settle-after %s is under a second (settle pays whole seconds)", c.SettleAfter)
	}
	if c.ProofGrace < 0 {
		bad("proof-grace %s is negative", c.ProofGrace)
	}
	if c.MaxBackoff < c.Every {
		bad("max-backoff %s is shorter than every %s", c.MaxBackoff, c.Every)
	}
	if c.SchedulerKeypair != "" && len(c.OracleURLs()) == 0 {
		bad("scheduler-keypair needs oracles: a device is replaced only on the oracles' reports")
	}
	if c.WatchEvery <= 0 {
		bad("watch-every %s is not positive", c.WatchEvery)
	}
	return errors.Join(errs...)
}

// OracleURLs are the oracles' base URLs.
func (c *Config) OracleURLs() []string {
	return daemon.URLs(c.Oracles)
}

// Run is the daemon: it loads the config from args (and the environment), opens the network
// and runs passes until ctx ends or SIGINT/SIGTERM. -h, -help or --help prints the keys.
func Run(ctx context.Context, args []string, logs io.Writer) error {
	if daemon.WantsHelp(args) {
		cfg := DefaultConfig()
		return daemon.Usage(logs, Name, "sends the escrow's, the economy's and the registry's permissionless cranks when they are due.", &cfg)
	}
	cfg := DefaultConfig()
	d, err := daemon.New(Name, args, &cfg, logs)
	if err != nil {
		return err
	}
	key, err := chain.LoadKeypair(cfg.Keypair)
	if err != nil {
		return fmt.Errorf("load the fee payer's key: %w", err)
	}
	n, err := network.Open(ctx, cfg.Options)
	if err != nil {
		return err
	}
	k := New(cfg, n, key, d.Log.With("payer", key.PublicKey().String()), NewMetrics(d.Metrics))
	if cfg.SchedulerKeypair != "" {
		scheduler, err := chain.LoadKeypair(cfg.SchedulerKeypair)
		if err != nil {
			return fmt.Errorf("load the scheduler's key: %w", err)
		}
		k.WithScheduler(scheduler)
	}
	d.Check(k.Health)
	return d.Run(ctx, k.Run)
}
