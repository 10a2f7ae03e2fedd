// Package rewards advances the economy's ended epochs and submits each device's cumulative
// reward, computed only from the chain (oracle/README.md, Rewards): each advanced epoch's
// provider pool from its EpochAdvanced event, each device's proven uptime and reputation from
// its ProofCounted events by their block time, its class multiplier from the registry.
//
// Nothing is stored: the epochs and proofs read so far live in memory and a restart reads the
// chain again from its first transaction, so the values cannot drift from it; a submission
// is sent only when the chain's RewardRecord holds less from this oracle.
package rewards

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/daemon"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/internal/protocol"
)

// submitsPerTx is how many submit_rewards one transaction carries (7 accounts each, 5 shared):
// one signature per batch, well within 1,232 bytes.
const submitsPerTx = 6

// Config is the rewarder's configuration.
type Config struct {
	Every time.Duration // how often to advance epochs, read the chain and submit
}

// proved is what one device's ProofCounted events of one epoch recorded.
type proved struct {
	uptime     uint64
	reputation uint16 // the last event's
}

// Rewarder advances epochs and submits rewards for one oracle.
type Rewarder struct {
	net  *network.Network
	key  chain.Signer
	log  *slog.Logger
	sent *prometheus.CounterVec // by kind and state
	cfg  Config
	now  func() time.Time

	// the chain read so far (memory only)
	economyCursor, registryCursor solana.Signature
	pools                         map[uint64]uint64                       // advanced epoch -> its provider pool, not folded yet
	proofs                        map[uint64]map[solana.PublicKey]*proved // epoch -> device -> its proofs
	models                        map[solana.PublicKey]uint32             // device -> hardware model (fixed at registration)
	totals                        map[solana.PublicKey]uint64             // device -> rewards of the folded epochs
	folded                        uint64                                  // epochs before it are in totals
}

// New is the rewarder of the oracle signing (and paying) with key; sent counts its
// transactions by kind (advance, rewards) and outcome.
func New(cfg Config, n *network.Network, key chain.Signer, log *slog.Logger, sent *prometheus.CounterVec) *Rewarder {
	return &Rewarder{net: n, key: key, log: log, sent: sent, cfg: cfg, now: time.Now,
		pools: map[uint64]uint64{}, proofs: map[uint64]map[solana.PublicKey]*proved{},
		models: map[solana.PublicKey]uint32{}, totals: map[solana.PublicKey]uint64{}}
}

// Run works every cfg.Every until ctx ends; a failed round is logged and retried.
func (r *Rewarder) Run(ctx context.Context) error {
	return daemon.Every(ctx, r.cfg.Every, r.log, "rewards round", r.Round)
}

// Round advances the ended epochs, reads what the chain recorded since the last round, folds
// every advanced epoch into the totals and submits the totals the chain lacks. Before the
// economy is initialized it does nothing.
func (r *Rewarder) Round(ctx context.Context) error {
	ec, err := r.net.Economy.FetchConfig(ctx, r.net.Client)
	if errors.Is(err, chain.ErrAccountNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read economy config: %w", err)
	}
	if err := r.advance(ctx, ec); err != nil {
		return err
	}
	// the economy first: an epoch advanced by now ended before every transaction read after
	// it, so once its EpochAdvanced is read the registry's read below holds all its proofs
	if err := r.readEconomy(ctx); err != nil {
		return err
	}
	if err := r.readRegistry(ctx, &ec.Params); err != nil {
		return err
	}
	rc, err := r.net.Registry.FetchConfig(ctx, r.net.Client)
	if err != nil {
		return fmt.Errorf("read registry config: %w", err)
	}
	if err := r.fold(ctx, &rc.Params); err != nil {
		return err
	}
	return r.submit(ctx, &rc.Params)
}

// advance sends advance_epoch when the next epoch has ended by this oracle's clock; another
// oracle doing it first (EpochNotDue) is no failure.
func (r *Rewarder) advance(ctx context.Context, ec *economy.Config) error {
	end, err := protocol.EpochEnd(&ec.Params, ec.NextEpoch)
	if err != nil || end > uint64(r.now().Unix()) {
		return err
	}
	ix, err := r.net.Economy.AdvanceEpoch(economy.MaxEpochsPerCall)
	if err != nil {
		return err
	}
	_, err = r.net.Client.Send(ctx, []solana.Instruction{ix}, r.key)
	switch {
	case errors.Is(err, economy.ErrEpochNotDue):
		r.sent.WithLabelValues("advance", "not_due").Inc()
		return nil
	case err != nil:
		r.sent.WithLabelValues("advance", "failed").Inc()
		return fmt.Errorf("advance epoch %d: %w", ec.NextEpoch, err)
	}
	r.sent.WithLabelValues("advance", "landed").Inc()
	return nil
}

// events reads program's events in the transactions that mention it after *cursor, in chain
// order, and moves the cursor; failed transactions changed nothing and are skipped. parse
// decodes one event into what applies it (nil: none); a transaction's events apply only once
// all of them decoded, so a failure leaves none of them counted.
func (r *Rewarder) events(ctx context.Context, program solana.PublicKey, cursor *solana.Signature, parse func(ev chain.Event, data []byte) (func(), error)) error {
	return r.net.Client.History(ctx, program, *cursor, func(_ context.Context, ev chain.Event) error {
		var apply []func()
		if ev.Err == nil {
			data, err := chain.EventData(ev.Logs, program)
			if err != nil {
				return err
			}
			for _, d := range data {
				f, err := parse(ev, d)
				if err != nil {
					return fmt.Errorf("transaction %s: %w", ev.Signature, err)
				}
				if f != nil {
					apply = append(apply, f)
				}
			}
		}
		for _, f := range apply {
			f()
		}
		*cursor = ev.Signature
		return nil
	})
}

func (r *Rewarder) readEconomy(ctx context.Context) error {
	return r.events(ctx, r.net.Economy.ID, &r.economyCursor, func(_ chain.Event, data []byte) (func(), error) {
		if !bytes.HasPrefix(data, economy.Event_EpochAdvanced[:]) {
			return nil, nil
		}
		ev, err := economy.ParseEvent_EpochAdvanced(data)
		if err != nil {
			return nil, err
		}
		return func() { r.pools[ev.Epoch] = ev.Provider }, nil
	})
}

// readRegistry credits each ProofCounted event to the economy epoch its block time lies in.
func (r *Rewarder) readRegistry(ctx context.Context, params *economy.ConfigParams) error {
	return r.events(ctx, r.net.Registry.ID, &r.registryCursor, func(tx chain.Event, data []byte) (func(), error) {
		if !bytes.HasPrefix(data, registry.Event_ProofCounted[:]) {
			return nil, nil
		}
		ev, err := registry.ParseEvent_ProofCounted(data)
		if err != nil || tx.BlockTime < params.GenesisTime || ev.UptimeSecs == 0 {
			return nil, err
		}
		epoch := uint64(tx.BlockTime-params.GenesisTime) / uint64(params.EpochSecs)
		if epoch < r.folded {
			// cannot happen: the epoch was advanced after this transaction
			r.log.Error("a proof counted in a folded epoch is left out", "device", ev.Device, "epoch", epoch, "tx", tx.Signature)
			return nil, nil
		}
		return func() { r.credit(epoch, ev) }, nil
	})
}

// credit adds a ProofCounted event to its device's proofs of epoch.
func (r *Rewarder) credit(epoch uint64, ev *registry.ProofCounted) {
	devices := r.proofs[epoch]
	if devices == nil {
		devices = map[solana.PublicKey]*proved{}
		r.proofs[epoch] = devices
	}
	p := devices[ev.Device]
	if p == nil {
		p = &proved{}
		devices[ev.Device] = p
	}
	p.uptime += ev.UptimeSecs
	p.reputation = ev.Reputation
}

// fold adds every advanced epoch, in order, to the totals: protocol.EpochRewards over its
// pool and its devices' proofs, each weighted by its class's live multiplier.
func (r *Rewarder) fold(ctx context.Context, params *registry.ConfigParams) error {
	for {
		pool, ok := r.pools[r.folded]
		if !ok {
			return nil
		}
		proofs := r.proofs[r.folded]
		if err := r.readModels(ctx, proofs); err != nil {
			return err
		}
		devices := make([]solana.PublicKey, 0, len(proofs))
		weights := make([]protocol.DeviceEpoch, 0, len(proofs))
		for d, p := range proofs {
			devices = append(devices, d)
			weights = append(weights, protocol.DeviceEpoch{UptimeSecs: p.uptime, Reputation: p.reputation,
				MultiplierBps: protocol.ClassMultiplier(params, r.models[d])})
		}
		for i, reward := range protocol.EpochRewards(pool, weights) {
			r.totals[devices[i]] += reward
		}
		r.log.Debug("epoch folded", "epoch", r.folded, "pool", pool, "devices", len(devices))
		delete(r.pools, r.folded)
		delete(r.proofs, r.folded)
		r.folded++
	}
}

// readModels reads the hardware model of the devices not read yet.
func (r *Rewarder) readModels(ctx context.Context, proofs map[solana.PublicKey]*proved) error {
	var missing []solana.PublicKey
	for d := range proofs {
		if _, ok := r.models[d]; !ok {
			missing = append(missing, d)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	accounts, err := r.net.Client.Accounts(ctx, missing)
	if err != nil {
		return fmt.Errorf("read devices: %w", err)
	}
	for i, a := range accounts {
		if a == nil || a.Owner != r.net.Registry.ID {
			return fmt.Errorf("device %s: %w", missing[i], chain.ErrAccountNotFound)
		}
		d, err := registry.ParseAccount_Device(a.Data)
		if err != nil {
			return fmt.Errorf("device %s: %w", missing[i], err)
		}
		r.models[missing[i]] = d.Spec.HardwareModel
	}
	return nil
}

// submit sends this oracle's total of every device whose RewardRecord holds less from it
// (under the live oracle set), several devices a transaction.
func (r *Rewarder) submit(ctx context.Context, params *registry.ConfigParams) error {
	slot := -1
	for i, o := range params.Oracles[:min(int(params.OracleCount), len(params.Oracles))] {
		if o == r.key.PublicKey() {
			slot = i
		}
	}
	if slot < 0 || len(r.totals) == 0 {
		return nil
	}
	devices := make([]solana.PublicKey, 0, len(r.totals))
	records := make([]solana.PublicKey, 0, len(r.totals))
	for d, total := range r.totals {
		if total > 0 {
			devices = append(devices, d)
			records = append(records, r.net.Economy.RewardsAddress(d))
		}
	}
	accounts, err := r.net.Client.Accounts(ctx, records)
	if err != nil {
		return fmt.Errorf("read reward records: %w", err)
	}
	set := protocol.OracleSetFingerprint(params)
	var batch []solana.Instruction
	var errs []error
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if _, err := r.net.Client.Send(ctx, batch, r.key); err != nil {
			r.sent.WithLabelValues("rewards", "failed").Inc()
			errs = append(errs, fmt.Errorf("submit rewards: %w", err))
		} else {
			r.sent.WithLabelValues("rewards", "landed").Inc()
		}
		batch = batch[:0]
	}
	for i, d := range devices {
		var onChain uint64
		if a := accounts[i]; a != nil {
			rec, err := economy.ParseAccount_RewardRecord(a.Data)
			if err != nil {
				return fmt.Errorf("reward record of %s: %w", d, err)
			}
			if rec.OracleSet == set {
				onChain = rec.Values[slot]
			}
		}
		if r.totals[d] <= onChain {
			continue
		}
		ix, err := r.net.Economy.SubmitRewards(r.key.PublicKey(), d, r.totals[d])
		if err != nil {
			return err
		}
		if batch = append(batch, ix); len(batch) == submitsPerTx {
			flush()
		}
	}
	flush()
	return errors.Join(errs...)
}
