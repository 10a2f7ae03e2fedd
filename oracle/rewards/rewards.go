// Package rewards advances the economy's ended epochs and submits each device's cumulative
// reward, computed only from the chain (oracle/README.md, Rewards): each advanced epoch's
// provider pool from its EpochAdvanced event, each device's proven uptime and reputation from
// its ProofCounted events by their block time, its class multiplier from the registry
// configuration in force at the epoch's end (protocol.ConfigInForce).
//
// What it read and folded is saved in the oracle's database once a round, in one transaction
// with the history cursors, so a restart resumes after them and counts every event once; a
// submission is sent only when the chain's RewardRecord holds less from this oracle.
package rewards

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	bin "github.com/gagliardetto/binary"
	"github.com/gagliardetto/solana-go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/daemon"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/oracle/store"
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
	net     *network.Network
	key     chain.Signer
	store   *store.Store
	log     *slog.Logger
	sent    *prometheus.CounterVec // by kind and state
	history *prometheus.CounterVec // transactions read from the history, by program
	cfg     Config
	now     func() time.Time

	// the chain read so far, saved each round (store.RewardProgress)
	loaded                        bool
	economyCursor, registryCursor solana.Signature
	pools                         map[uint64]uint64                       // advanced epoch -> its provider pool, not folded yet
	proofs                        map[uint64]map[solana.PublicKey]*proved // epoch -> device -> its proofs
	models                        map[solana.PublicKey]uint32             // device -> hardware model (fixed at registration)
	totals                        map[solana.PublicKey]uint64             // device -> rewards of the folded epochs
	changed                       map[solana.PublicKey]bool               // totals not saved yet
	folded                        uint64                                  // epochs before it are in totals
	configs                       []protocol.ConfigChange                 // the registry's, in chain order
}

// New is the rewarder of the oracle signing (and paying) with key, saving its progress in st;
// sent counts its transactions by kind (advance, rewards) and outcome, history the
// transactions it read by program (economy, registry).
func New(cfg Config, n *network.Network, key chain.Signer, st *store.Store, log *slog.Logger, sent, history *prometheus.CounterVec) *Rewarder {
	return &Rewarder{net: n, key: key, store: st, log: log, sent: sent, history: history, cfg: cfg, now: time.Now,
		pools: map[uint64]uint64{}, proofs: map[uint64]map[solana.PublicKey]*proved{},
		models: map[solana.PublicKey]uint32{}, totals: map[solana.PublicKey]uint64{}, changed: map[solana.PublicKey]bool{}}
}

// Run works every cfg.Every until ctx ends; a failed round is logged and retried.
func (r *Rewarder) Run(ctx context.Context) error {
	return daemon.Every(ctx, r.cfg.Every, r.log, "rewards round", r.Round)
}

// Round advances the ended epochs, reads what the chain recorded since the last round, folds
// every advanced epoch into the totals and submits the totals the chain lacks. Before the
// economy is initialized it does nothing.
func (r *Rewarder) Round(ctx context.Context) error {
	if !r.loaded {
		if err := r.load(ctx); err != nil {
			return err
		}
	}
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
	if err := r.fold(ctx, &ec.Params); err != nil {
		return err
	}
	if err := r.save(ctx); err != nil {
		return err
	}
	rc, err := r.net.Registry.FetchConfig(ctx, r.net.Client) // the live oracle set, for submit
	if err != nil {
		return fmt.Errorf("read registry config: %w", err)
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
func (r *Rewarder) events(ctx context.Context, name string, program solana.PublicKey, cursor *solana.Signature, parse func(ev chain.Event, data []byte) (func(), error)) error {
	return r.net.Client.History(ctx, program, *cursor, func(_ context.Context, ev chain.Event) error {
		r.history.WithLabelValues(name).Inc()
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
	return r.events(ctx, "economy", r.net.Economy.ID, &r.economyCursor, func(_ chain.Event, data []byte) (func(), error) {
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

// readRegistry credits each ProofCounted event to the economy epoch its block time lies in,
// and keeps every configuration made live with its block time: initialize_config's (its
// event carries no parameters: they are read from the instruction) and each ConfigUpdated's.
func (r *Rewarder) readRegistry(ctx context.Context, params *economy.ConfigParams) error {
	return r.events(ctx, "registry", r.net.Registry.ID, &r.registryCursor, func(tx chain.Event, data []byte) (func(), error) {
		var config *registry.ConfigParams
		switch {
		case bytes.HasPrefix(data, registry.Event_ConfigInitialized[:]):
			p, err := r.initialConfig(ctx, tx.Signature)
			if err != nil {
				return nil, err
			}
			config = p
		case bytes.HasPrefix(data, registry.Event_ConfigUpdated[:]):
			ev, err := registry.ParseEvent_ConfigUpdated(data)
			if err != nil {
				return nil, err
			}
			config = &ev.Params
		}
		if config != nil {
			return func() { r.configs = append(r.configs, protocol.ConfigChange{BlockTime: tx.BlockTime, Params: config}) }, nil
		}
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

// initialConfig is the parameters of the initialize_config instruction in transaction sig.
func (r *Rewarder) initialConfig(ctx context.Context, sig solana.Signature) (*registry.ConfigParams, error) {
	res, err := r.net.Client.Transaction(ctx, sig)
	if err != nil {
		return nil, err
	}
	tx, err := res.Transaction.GetTransaction()
	if err != nil {
		return nil, fmt.Errorf("transaction %s: %w", sig, err)
	}
	for _, ix := range tx.Message.Instructions {
		program, err := tx.Message.Program(ix.ProgramIDIndex)
		if err != nil || program != r.net.Registry.ID || !bytes.HasPrefix(ix.Data, registry.Instruction_InitializeConfig[:]) {
			continue
		}
		var p registry.ConfigParams
		if err := bin.NewBorshDecoder(ix.Data[len(registry.Instruction_InitializeConfig):]).Decode(&p); err != nil {
			return nil, fmt.Errorf("initialize_config in %s: %w", sig, err)
		}
		return &p, nil
	}
	return nil, fmt.Errorf("transaction %s: ConfigInitialized without initialize_config", sig)
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
// pool and its devices' proofs, each weighted by its class's multiplier in the registry
// configuration in force at the epoch's end.
func (r *Rewarder) fold(ctx context.Context, ec *economy.ConfigParams) error {
	for {
		pool, ok := r.pools[r.folded]
		if !ok {
			return nil
		}
		end, err := protocol.EpochEnd(ec, r.folded)
		if err != nil {
			return err
		}
		params := protocol.ConfigInForce(r.configs, int64(end))
		if params == nil {
			return fmt.Errorf("epoch %d: no registry configuration before its end", r.folded)
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
			r.changed[devices[i]] = true
		}
		r.log.Debug("epoch folded", "epoch", r.folded, "pool", pool, "devices", len(devices))
		delete(r.pools, r.folded)
		delete(r.proofs, r.folded)
		r.folded++
	}
}

// load resumes from the saved progress.
func (r *Rewarder) load(ctx context.Context) error {
	p, err := r.store.LoadRewards(ctx)
	if err != nil {
		return err
	}
	r.economyCursor, r.registryCursor, r.folded, r.totals, r.pools = p.EconomyCursor, p.RegistryCursor, p.Folded, p.Totals, p.Pools
	for _, pr := range p.Proofs {
		r.credit(pr.Epoch, &registry.ProofCounted{Device: pr.Device, UptimeSecs: pr.Uptime, Reputation: pr.Reputation})
	}
	for _, c := range p.Configs {
		var params registry.ConfigParams
		if err := bin.NewBorshDecoder(c.Params).Decode(&params); err != nil {
			return fmt.Errorf("saved registry config: %w", err)
		}
		r.configs = append(r.configs, protocol.ConfigChange{BlockTime: c.BlockTime, Params: &params})
	}
	r.loaded = true
	r.log.Info("rewards resumed", "folded", r.folded, "devices", len(r.totals), "pending_epochs", len(r.pools))
	return nil
}

// save writes what was read up to the cursors and the totals changed since the last save, in
// one database transaction.
func (r *Rewarder) save(ctx context.Context) error {
	p := &store.RewardProgress{EconomyCursor: r.economyCursor, RegistryCursor: r.registryCursor, Folded: r.folded,
		Totals: map[solana.PublicKey]uint64{}, Pools: r.pools}
	for d := range r.changed {
		p.Totals[d] = r.totals[d]
	}
	for epoch, devices := range r.proofs {
		for d, pr := range devices {
			p.Proofs = append(p.Proofs, store.RewardProof{Epoch: epoch, Device: d, Uptime: pr.uptime, Reputation: pr.reputation})
		}
	}
	for _, c := range r.configs {
		b, err := bin.MarshalBorsh(c.Params)
		if err != nil {
			return err
		}
		p.Configs = append(p.Configs, store.RewardConfig{BlockTime: c.BlockTime, Params: b})
	}
	if err := r.store.SaveRewards(ctx, p); err != nil {
		return err
	}
	clear(r.changed)
	return nil
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
	for i, o := range protocol.LiveOracles(params) {
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
