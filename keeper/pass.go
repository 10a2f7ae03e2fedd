package keeper

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/internal/protocol"
)

// Crank kinds, the kind label of gpunet_keeper_cranks_total.
const (
	KindCountUsage = "count_usage"
	KindSettle     = "settle"
	KindExpire     = "expire_job"
	KindClose      = "close_job"
	KindAdvance    = "advance_epoch"
	KindCountProof = "count_proof"
	KindCloseProof = "close_stale_proof"
	KindReplace    = "replace_device"
)

// Outcomes of a crank, the outcome label of gpunet_keeper_cranks_total.
const (
	Landed    = "landed" // it changed the chain
	Done      = "done"   // another keeper (or an earlier pass) did it first: the program's named error says so
	NotDue    = "not_due"
	Failed    = "failed"    // anything else: retried next pass
	Unmatched = "unmatched" // replace_device only: no device matches the job's spec now
)

// Metrics are the keeper's Prometheus metrics.
type Metrics struct {
	Cranks   *prometheus.CounterVec // by kind and outcome
	Errors   *prometheus.CounterVec // by stage: a read or a crank that failed
	LastPass prometheus.Gauge       // unix time of the last pass without an error
}

// NewMetrics registers the keeper's metrics with f.
func NewMetrics(f promauto.Factory) *Metrics {
	return &Metrics{
		Cranks: f.NewCounterVec(prometheus.CounterOpts{Namespace: "gpunet", Subsystem: Name, Name: "cranks_total",
			Help: "Cranks sent by kind and outcome: landed, done (already done: the program's named error), not_due (the chain's clock trailed), failed."}, []string{"kind", "outcome"}),
		Errors: f.NewCounterVec(prometheus.CounterOpts{Namespace: "gpunet", Subsystem: Name, Name: "errors_total",
			Help: "Errors by stage: a read of the chain (clock, jobs, accounts, configs, proofs) or a failed crank (its kind)."}, []string{"stage"}),
		LastPass: f.NewGauge(prometheus.GaugeOpts{Namespace: "gpunet", Subsystem: Name, Name: "last_successful_pass_timestamp_seconds",
			Help: "Unix time the last pass without an error ended."}),
	}
}

// Keeper runs the passes.
type Keeper struct {
	cfg     Config
	net     *network.Network
	payer   chain.Signer
	log     *slog.Logger
	metrics *Metrics
	failing atomic.Pointer[error] // the last pass's error, for /healthz
	// scheduler signs replacements (nil: none); unmatched is when each (job, slot) without a
	// match was last logged (watch's own goroutine only, like declined).
	scheduler chain.Signer
	unmatched map[fault]time.Time
	declined  map[[32]byte]time.Time // slashes (by evidence) the oracles would not co-sign, and when
}

// New is a keeper paying with payer.
func New(cfg Config, n *network.Network, payer chain.Signer, log *slog.Logger, m *Metrics) *Keeper {
	k := &Keeper{cfg: cfg, net: n, payer: payer, log: log, metrics: m, unmatched: map[fault]time.Time{}, declined: map[[32]byte]time.Time{}}
	var none error
	k.failing.Store(&none)
	return k
}

// WithScheduler has k replace the devices of running jobs that a quorum of the configured
// oracles report down, signing with scheduler (the escrow's scheduler key); it returns k.
func (k *Keeper) WithScheduler(scheduler chain.Signer) *Keeper {
	k.scheduler = scheduler
	return k
}

// Health is the last pass's error: /healthz answers 503 while passes fail.
func (k *Keeper) Health() error { return *k.failing.Load() }

// Run runs a pass every cfg.Every until ctx ends, and with oracles configured the watch
// (replace.go) beside it. While passes fail (the RPC is down, say) the pause doubles up to
// cfg.MaxBackoff, and the first pass that succeeds restores the period.
func (k *Keeper) Run(ctx context.Context) error {
	if len(k.cfg.OracleURLs()) > 0 {
		go k.watch(ctx)
	}
	pause := k.cfg.Every
	for {
		err := k.Pass(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		k.failing.Store(&err)
		if err != nil {
			pause = min(2*pause, k.cfg.MaxBackoff)
			k.log.Warn("pass", "err", err, "retry", pause)
		} else {
			pause = k.cfg.Every
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
	}
}

// Pass reads the chain once and sends every crank due: the jobs', the economy's epochs, the
// registry's proof windows. A failure in one part does not stop the others; the pass returns
// them all.
func (k *Keeper) Pass(ctx context.Context) error {
	now, err := k.chainNow(ctx)
	if err != nil {
		return k.fail("clock", err)
	}
	rc, err := k.net.Registry.FetchConfig(ctx, k.net.Client)
	if errors.Is(err, chain.ErrAccountNotFound) {
		return nil // nothing is configured yet
	}
	if err != nil {
		return k.fail("registry_config", fmt.Errorf("read the registry config: %w", err))
	}
	err = errors.Join(k.jobs(ctx, &rc.Params, now), k.epochs(ctx, now), k.proofs(ctx, &rc.Params, now), k.finalizeSlashes(ctx, rc, now))
	if err == nil {
		k.metrics.LastPass.SetToCurrentTime()
	}
	return err
}

// fail counts err under stage and returns it.
func (k *Keeper) fail(stage string, err error) error {
	k.metrics.Errors.WithLabelValues(stage).Inc()
	return err
}

// chainNow is the Clock sysvar's unix timestamp: the time the programs compare with, so a
// crank is sent when the program will take it, whatever this host's clock says.
func (k *Keeper) chainNow(ctx context.Context) (int64, error) {
	data, err := k.net.Client.AccountData(ctx, solana.SysVarClockPubkey)
	if err != nil {
		return 0, fmt.Errorf("read the clock: %w", err)
	}
	if len(data) < 40 {
		return 0, fmt.Errorf("read the clock: %d bytes", len(data))
	}
	return int64(binary.LittleEndian.Uint64(data[32:40])), nil
}

// send sends one crank (ixs, the keeper paying) and counts its outcome: done when the program
// refuses it with one of done (what it says when the work is done already), not_due with one
// of notDue. Only a failure is returned.
func (k *Keeper) send(ctx context.Context, kind string, ixs []solana.Instruction, done, notDue []error, attrs ...any) error {
	return k.sendAs(ctx, kind, ixs, nil, done, notDue, attrs...)
}

// sendAs is send with signers besides the payer.
func (k *Keeper) sendAs(ctx context.Context, kind string, ixs []solana.Instruction, signers []chain.Signer, done, notDue []error, attrs ...any) error {
	sig, err := k.net.Client.Send(ctx, ixs, k.payer, signers...)
	return k.outcome(ctx, kind, sig, err, done, notDue, attrs...)
}

// outcome counts and logs the outcome of a crank sent as sig (err its failure), as send does.
func (k *Keeper) outcome(ctx context.Context, kind string, sig solana.Signature, err error, done, notDue []error, attrs ...any) error {
	if err != nil && k.processed(ctx, sig, err) {
		err = nil
	}
	outcome := Landed
	switch {
	case err == nil:
		k.log.Info(kind, append(attrs, "sig", sig.String())...)
	case isAny(err, done):
		outcome = Done
	case isAny(err, notDue):
		outcome = NotDue
	default:
		outcome = Failed
	}
	k.metrics.Cranks.WithLabelValues(kind, outcome).Inc()
	if outcome == Failed {
		return k.fail(kind, fmt.Errorf("%s %v: %w", kind, attrs, err))
	}
	k.log.Debug(kind, append(attrs, "outcome", outcome)...)
	return nil
}

// processed reports whether a send that failed with AlreadyProcessed was this transaction
// landing: the client resent it (an answer lost in an outage, say) after the first copy
// succeeded. A copy that failed is a failure like any other.
func (k *Keeper) processed(ctx context.Context, sig solana.Signature, err error) bool {
	var te *chain.TransactionError
	if !errors.As(err, &te) || te.Kind != "AlreadyProcessed" {
		return false
	}
	tx, err := k.net.Client.Transaction(ctx, sig)
	return err == nil && tx.Meta != nil && tx.Meta.Err == nil
}

func isAny(err error, targets []error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

// epochs advances the economy's ended epochs (up to MaxEpochsPerCall a transaction, so a long
// outage catches up over a few passes). Before the economy is initialized there is nothing to do.
func (k *Keeper) epochs(ctx context.Context, now int64) error {
	ec, err := k.net.Economy.FetchConfig(ctx, k.net.Client)
	if errors.Is(err, chain.ErrAccountNotFound) {
		return nil
	}
	if err != nil {
		return k.fail("economy_config", fmt.Errorf("read the economy config: %w", err))
	}
	end, err := protocol.EpochEnd(&ec.Params, ec.NextEpoch)
	if err != nil || now < 0 || end > uint64(now) {
		return err
	}
	ix, err := k.net.Economy.AdvanceEpoch(economy.MaxEpochsPerCall)
	if err != nil {
		return err
	}
	// due by the chain's clock: refused as not due, another keeper advanced it first
	return k.send(ctx, KindAdvance, []solana.Instruction{ix}, []error{economy.ErrEpochNotDue}, nil, "epoch", ec.NextEpoch)
}

// proofs counts (or closes, when their votes can no longer count) the proof windows whose
// voting deadline passed cfg.ProofGrace ago: the oracles count them first, the keeper only
// what they left (one down, say), so every window's rent goes back to its payer.
func (k *Keeper) proofs(ctx context.Context, params *registry.ConfigParams, now int64) error {
	accounts, err := k.net.Client.ProgramAccounts(ctx, k.net.Registry.ID, chain.Memcmp(0, registry.Account_ProofWindow[:]))
	if err != nil {
		return k.fail("proofs", fmt.Errorf("scan proof windows: %w", err))
	}
	windows := make([]*registry.ProofWindow, 0, len(accounts))
	devices := make([]solana.PublicKey, 0, len(accounts))
	for _, a := range accounts {
		if w, err := registry.ParseAccount_ProofWindow(a.Data); err == nil {
			windows = append(windows, w)
			devices = append(devices, w.Device)
		}
	}
	read, err := k.net.Client.Accounts(ctx, devices)
	if err != nil {
		return k.fail("accounts", fmt.Errorf("read devices: %w", err))
	}
	fingerprint := protocol.OracleSetFingerprint(params)
	due := now - int64(k.cfg.ProofGrace/time.Second)
	// A window closed meanwhile (by an oracle or another keeper) is no longer the registry's.
	done := []error{registry.ErrInvalidAccountOwner}
	notDue := []error{registry.ErrProofStillOpen}
	var errs []error
	for i, w := range windows {
		if read[i] == nil {
			continue
		}
		d, err := registry.ParseAccount_Device(read[i].Data)
		if err != nil {
			continue
		}
		times, err := protocol.ProofSpan(params, d, w.Window)
		if err != nil || !times.Countable(due) {
			continue // an overflow fails count_proof too
		}
		kind, build := KindCountProof, k.net.Registry.CountProof
		if !protocol.ProofCurrent(w, d, fingerprint) {
			kind, build = KindCloseProof, k.net.Registry.CloseStaleProof
		}
		ix, err := build(d.DeviceKey, w.Window, w.Payer)
		if err == nil {
			err = k.send(ctx, kind, []solana.Instruction{ix}, done, notDue, "device", d.DeviceKey.String(), "window", w.Window)
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
