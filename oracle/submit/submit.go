// Package submit puts this oracle's view on-chain: after each proof window ends it votes the
// uptime it saw live for every device that heartbeated to it (submit_proof, cumulative since
// the device's base), counts windows whose voting deadline passed (count_proof) and closes
// those that can no longer count (close_stale_proof). Oracles do this independently; the
// registry combines their votes. A window that counted without this oracle's vote gets its
// challenge report late (the registry's late report on the last counted window). After each
// usage window of a running job it votes the seconds each slot's Ray node served it
// (record_usage, see usage.go).
//
// It is restart-safe: every transaction is signed and stored before it is sent, and the chain
// is read before anything is sent again (the device's last counted window, the window's votes,
// the stored transaction's status), so a restart at any point resends the same transaction at
// most, never a second vote.
package submit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/daemon"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/oracle/store"
	"github.com/gpunet/gpunet/oracle/uptime"
)

// Config paces the prover.
type Config struct {
	Every time.Duration // how often it looks for work
	// Delay is how long after a window's end (or deadline) on this clock it acts: the chain's
	// clock trails the wall clock by up to a slot or so.
	Delay time.Duration
}

// Prover votes, counts and closes proof windows for one oracle.
type Prover struct {
	net   *network.Network
	key   chain.Signer
	store *store.Store
	log   *slog.Logger
	sent  *prometheus.CounterVec // by kind and state
	cfg   Config
	now   func() time.Time
	// Challenges, when set, gives each vote the outcome and score of a challenge to carry.
	Challenges Reporter
}

// Reporter is what votes report of proof-of-compute challenges (oracle/challenge).
type Reporter interface {
	// Report is the outcome (registry.Challenge*) and benchmark score the next vote on
	// device carries, and the ID of the challenge they come from ("" for none).
	Report(ctx context.Context, device string, now time.Time) (outcome uint8, score uint64, id string, err error)
	// Reported records that the landed vote on window carried challenge id.
	Reported(ctx context.Context, id string, window uint64) error
}

// New is the prover of the oracle signing with key; sent counts its transactions by kind and
// outcome.
func New(cfg Config, n *network.Network, key chain.Signer, st *store.Store, log *slog.Logger, sent *prometheus.CounterVec) *Prover {
	return &Prover{net: n, key: key, store: st, log: log, sent: sent, cfg: cfg, now: time.Now}
}

// Run works every cfg.Every until ctx ends; a failed round is logged and retried.
func (p *Prover) Run(ctx context.Context) error {
	return daemon.Every(ctx, p.cfg.Every, p.log, "prove round", p.Round)
}

// Round settles what an earlier round (or run) stored but did not see land, votes on the last
// ended window of every device credited recently, then counts or closes every open window that
// is due. Without the database it does nothing: nothing is sent that cannot be recorded first.
func (p *Prover) Round(ctx context.Context) error {
	if err := p.store.Ping(ctx); err != nil {
		return fmt.Errorf("paused: %w", err)
	}
	if err := p.resume(ctx); err != nil {
		return err
	}
	cfg, err := p.net.Registry.FetchConfig(ctx, p.net.Client)
	if err != nil {
		return fmt.Errorf("read registry config: %w", err)
	}
	params := &cfg.Params
	now := p.now().Add(-p.cfg.Delay)
	if slot := oracleSlot(params, p.key.PublicKey()); slot >= 0 {
		devices, err := p.store.CreditedSince(ctx, now.Add(-time.Duration(params.MaxProofAgeSecs)*time.Second).UnixMilli())
		if err != nil {
			return err
		}
		for _, dev := range devices {
			if err := p.vote(ctx, params, slot, dev, now); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				p.log.Warn("vote", "device", dev, "err", err)
			}
		}
		if err := p.attest(ctx, params, slot, now); err != nil {
			return err
		}
	}
	return p.crank(ctx, params, now)
}

// resume settles every stored transaction whose outcome is not recorded: a crash or an
// outage may have come between storing and sending it, or between sending and recording.
// The chain is read first; only a transaction it never saw is sent again, as it is.
func (p *Prover) resume(ctx context.Context) error {
	pending, err := p.store.Pending(ctx)
	if err != nil {
		return err
	}
	for i := range pending {
		if _, err := p.settle(ctx, &pending[i]); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			p.log.Debug("settle", "kind", pending[i].Kind, "device", pending[i].Device, "window", pending[i].Window, "err", err)
		}
	}
	return nil
}

func oracleSlot(params *registry.ConfigParams, key solana.PublicKey) int {
	for i, o := range protocol.LiveOracles(params) {
		if o == key {
			return i
		}
	}
	return -1
}

// vote votes on the last window of dev that ended before now, unless it is counted or this
// oracle's vote on it (from the device's current base) is already in.
func (p *Prover) vote(ctx context.Context, params *registry.ConfigParams, slot int, dev string, now time.Time) error {
	key, err := solana.PublicKeyFromBase58(dev)
	if err != nil {
		return err
	}
	d, err := p.net.Registry.FetchDevice(ctx, p.net.Client, key)
	if err != nil {
		return fmt.Errorf("read device: %w", err)
	}
	n, at := uint64(params.ProofWindowSecs), uint64(max(now.Unix(), 0))
	if d.Status == registry.StatusDeregistered || at < n {
		return nil
	}
	window := at/n - 1
	span, err := protocol.CheckProofWindow(params, d, window, now.Unix())
	if errors.Is(err, registry.ErrStaleProof) {
		return p.lateReport(ctx, params, slot, key, now) // counted (perhaps without this oracle), or too old to count
	}
	if err != nil {
		return err
	}
	base := d.LastProofWindow
	prev, err := p.store.Action(ctx, store.Vote, dev, window, base)
	if err != nil || prev != nil && prev.State == store.Landed {
		return err
	}
	pw, err := p.proofWindow(ctx, p.net.Registry.ProofAddress(p.net.Registry.DeviceAddress(key), window))
	if err != nil {
		return err
	}
	if pw != nil && protocol.ProofCurrent(pw, d, protocol.OracleSetFingerprint(params)) && pw.VotedMask&(1<<slot) != 0 {
		return p.landed(ctx, prev) // in and still counting, by the transaction prev stored
	}
	if prev != nil && prev.State == store.Pending {
		if done, err := p.settle(ctx, prev); done || err != nil {
			return err
		}
	}
	credits, err := p.store.Credits(ctx, dev, int64(span.From())*1000, int64(span.End)*1000)
	if err != nil {
		return err
	}
	secs := uptime.Seconds(span, credits)
	if secs == 0 {
		return nil // nothing seen: no vote, no rent; the next window that counts catches up
	}
	payer := p.key.PublicKey()
	if pw != nil {
		payer = pw.Payer
	}
	report := registry.ProofReport{Window: window, UptimeSecs: secs, Challenge: registry.ChallengeNone}
	var challenge string
	if p.Challenges != nil {
		if report.Challenge, report.BenchmarkScore, challenge, err = p.Challenges.Report(ctx, dev, p.now()); err != nil {
			return err
		}
	}
	ix, err := p.net.Registry.SubmitProof(p.key.PublicKey(), key, report, payer)
	if err != nil {
		return err
	}
	err = p.send(ctx, store.Action{Kind: store.Vote, Device: dev, Window: window, Base: base, UptimeSecs: secs}, ix)
	if err == nil && challenge != "" {
		return p.Challenges.Reported(ctx, challenge, window)
	}
	var refused *chain.InstructionError
	if errors.As(err, &refused) && p.countedMeanwhile(ctx, params, key, window) {
		// the others' votes counted the window while this one was on its way: the record keeps
		// the chain's answer, and the challenge report goes in late
		return p.lateReport(ctx, params, slot, key, now)
	}
	return err
}

// lateReport sends this oracle's challenge report on the device's last counted window when that
// window counted without its vote: the registry takes it as a late report (the benchmark and
// outcome become this oracle's latest, no uptime), so an oracle whose votes always come after
// a quorum's still reports. Stored as a vote on the window from itself as base, the one key no
// uptime vote has. Nothing to report, its report in already, or a window the registry would
// refuse (too old, another oracle set): nothing is sent.
func (p *Prover) lateReport(ctx context.Context, params *registry.ConfigParams, slot int, key solana.PublicKey, now time.Time) error {
	if p.Challenges == nil {
		return nil
	}
	d, err := p.net.Registry.FetchDevice(ctx, p.net.Client, key)
	if err != nil {
		return fmt.Errorf("read device: %w", err)
	}
	window, dev := d.LastProofWindow, key.String()
	if window == 0 || d.ReportedMask&(1<<slot) != 0 || d.OracleSet != protocol.OracleSetFingerprint(params) ||
		int64(window)*params.ProofWindowSecs < now.Unix()-params.MaxProofAgeSecs {
		return nil
	}
	if prev, err := p.store.Action(ctx, store.Vote, dev, window, window); err != nil || prev != nil && prev.State == store.Landed {
		return err
	}
	report := registry.ProofReport{Window: window, Challenge: registry.ChallengeNone}
	var challenge string
	if report.Challenge, report.BenchmarkScore, challenge, err = p.Challenges.Report(ctx, dev, p.now()); err != nil || challenge == "" {
		return err
	}
	ix, err := p.net.Registry.SubmitProof(p.key.PublicKey(), key, report, p.key.PublicKey()) // the window is closed: no rent moves
	if err != nil {
		return err
	}
	if err := p.send(ctx, store.Action{Kind: store.Vote, Device: dev, Window: window, Base: window}, ix); err != nil {
		return err
	}
	return p.Challenges.Reported(ctx, challenge, window)
}

// countedMeanwhile reports whether the chain now holds window as counted (or too old to count)
// for the device: a refused vote is then no fault of this oracle.
func (p *Prover) countedMeanwhile(ctx context.Context, params *registry.ConfigParams, key solana.PublicKey, window uint64) bool {
	d, err := p.net.Registry.FetchDevice(ctx, p.net.Client, key)
	if err != nil {
		return false
	}
	_, err = protocol.CheckProofWindow(params, d, window, time.Now().Unix())
	return errors.Is(err, registry.ErrStaleProof)
}

func (p *Prover) proofWindow(ctx context.Context, addr solana.PublicKey) (*registry.ProofWindow, error) {
	data, err := p.net.Client.AccountData(ctx, addr)
	if errors.Is(err, chain.ErrAccountNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read proof window: %w", err)
	}
	return registry.ParseAccount_ProofWindow(data)
}

// crank counts every open window past its deadline and closes every one that can no longer
// count, whoever opened it: anyone may, and the rent goes back to the window's payer.
func (p *Prover) crank(ctx context.Context, params *registry.ConfigParams, now time.Time) error {
	accounts, err := p.net.Client.ProgramAccounts(ctx, p.net.Registry.ID, chain.Memcmp(0, registry.Account_ProofWindow[:]))
	if err != nil {
		return fmt.Errorf("scan proof windows: %w", err)
	}
	windows := make([]*registry.ProofWindow, 0, len(accounts))
	addrs := make([]solana.PublicKey, 0, len(accounts))
	for _, a := range accounts {
		if w, err := registry.ParseAccount_ProofWindow(a.Data); err == nil {
			windows = append(windows, w)
			addrs = append(addrs, w.Device)
		}
	}
	devices, err := p.net.Client.Accounts(ctx, addrs)
	if err != nil {
		return fmt.Errorf("read devices: %w", err)
	}
	fingerprint := protocol.OracleSetFingerprint(params)
	for i, w := range windows {
		if devices[i] == nil {
			continue
		}
		d, err := registry.ParseAccount_Device(devices[i].Data)
		if err != nil {
			continue
		}
		a := store.Action{Kind: store.Close, Device: d.DeviceKey.String(), Window: w.Window, Base: w.Base}
		times, err := protocol.ProofSpan(params, d, w.Window) // an overflow: count_proof fails too
		var ix solana.Instruction
		switch {
		case !protocol.ProofCurrent(w, d, fingerprint):
			ix, err = p.net.Registry.CloseStaleProof(d.DeviceKey, w.Window, w.Payer)
		case err == nil && times.Countable(now.Unix()):
			a.Kind = store.Count
			ix, err = p.net.Registry.CountProof(d.DeviceKey, w.Window, w.Payer)
		default:
			continue
		}
		if err == nil {
			err = p.send(ctx, a, ix)
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			p.log.Debug(a.Kind, "device", a.Device, "window", a.Window, "err", err)
		}
	}
	return nil
}

// send signs ix into a transaction, stores it, sends it and records the outcome.
func (p *Prover) send(ctx context.Context, a store.Action, ix solana.Instruction) error {
	tx, err := p.net.Client.Build(ctx, []solana.Instruction{ix}, p.key.PublicKey())
	if err != nil {
		return err
	}
	if _, err := chain.Sign(tx, p.key); err != nil {
		return err
	}
	if a.Tx, err = tx.MarshalBinary(); err != nil {
		return fmt.Errorf("encode transaction: %w", err)
	}
	a.Signature, a.State = tx.Signatures[0].String(), store.Pending
	if err := p.store.Put(ctx, a); err != nil {
		return err
	}
	_, err = p.net.Client.SendSigned(ctx, tx)
	return p.outcome(ctx, a, err)
}

// settle finds out what became of a stored transaction that may have been sent: landed or
// failed as the chain recorded it, or else sent again as it is (the same signature, so it
// lands once). done is false when it did not land and cannot: a new one is due.
func (p *Prover) settle(ctx context.Context, a *store.Action) (done bool, err error) {
	sig, err := solana.SignatureFromBase58(a.Signature)
	if err != nil {
		return false, err
	}
	got, err := p.net.Client.Transaction(ctx, sig)
	switch {
	case err == nil && got.Meta != nil && got.Meta.Err == nil:
		return true, p.landed(ctx, a)
	case err == nil && got.Meta != nil:
		a.State, a.Error = store.Failed, fmt.Sprint(got.Meta.Err)
		return false, p.store.Put(ctx, *a)
	case errors.Is(err, rpc.ErrNotFound):
		tx, err := solana.TransactionFromBytes(a.Tx)
		if err != nil {
			return false, fmt.Errorf("decode stored transaction: %w", err)
		}
		_, err = p.net.Client.SendSigned(ctx, tx)
		if err := p.outcome(ctx, *a, err); err != nil {
			return false, err
		}
		again, err := p.store.Action(ctx, a.Kind, a.Device, a.Window, a.Base)
		return err == nil && again.State == store.Landed, err
	default:
		return false, fmt.Errorf("read transaction %s: %w", sig, err)
	}
}

// outcome records what sending a returned: landed (a duplicate vote or an already processed
// transaction is one), failed when the chain refused it (it did not land), pending when the
// answer never came.
func (p *Prover) outcome(ctx context.Context, a store.Action, err error) error {
	var ie *chain.InstructionError
	var te *chain.TransactionError
	switch {
	case err == nil:
		a.State, a.Error = store.Landed, ""
	case errors.Is(err, registry.ErrDuplicateVote), errors.Is(err, escrow.ErrDuplicateVote), errors.As(err, &te) && te.Kind == "AlreadyProcessed":
		a.State, a.Error = store.Landed, err.Error() // in already: done, and the record says why
	case errors.As(err, &ie), errors.As(err, &te), errors.Is(err, chain.ErrBlockhashExpired):
		a.State, a.Error = store.Failed, err.Error()
	default:
		return err // unknown: stays pending, settled next round
	}
	p.sent.WithLabelValues(a.Kind, a.State).Inc()
	if a.State == store.Landed {
		p.log.Info(a.Kind, "device", a.Device, "window", a.Window, "base", a.Base, "uptime", a.UptimeSecs, "sig", a.Signature)
	}
	if perr := p.store.Put(ctx, a); perr != nil {
		return perr
	}
	if a.State == store.Failed {
		return err
	}
	return nil
}

// landed records that a, sent by an earlier round or run, is on chain (not counted in sent:
// this round sent nothing).
func (p *Prover) landed(ctx context.Context, a *store.Action) error {
	if a == nil || a.State == store.Landed {
		return nil
	}
	a.State, a.Error = store.Landed, ""
	return p.store.Put(ctx, *a)
}
