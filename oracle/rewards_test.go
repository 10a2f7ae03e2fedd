package oracle_test

import (
	"bytes"
	"context"
	"log/slog"
	"math/big"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/oracle/rewards"
	"github.com/gpunet/gpunet/oracle/store"
)

// ledger is the test's own reading of the chain, for the formula of oracle/README.md written
// out here: each advanced epoch's provider pool, and per epoch and device the ProofCounted
// uptime (by block time) and the last reputation.
type ledger struct {
	economyCursor, registryCursor solana.Signature
	pools                         map[uint64]uint64
	uptime                        map[uint64]map[solana.PublicKey]uint64
	reputation                    map[uint64]map[solana.PublicKey]uint64
	// updates are the registry's ConfigUpdated events: their block time and each model's
	// multiplier after them
	updates []classUpdate
}

type classUpdate struct {
	at         int64
	multiplier map[uint32]uint64
}

// multipliers is each hardware model's multiplier in params.
func multipliers(params *registry.ConfigParams) map[uint32]uint64 {
	out := map[uint32]uint64{}
	for _, c := range params.HardwareClasses[:params.HardwareClassCount] {
		out[c.Model] = uint64(c.MultiplierBps)
	}
	return out
}

func (l *ledger) read(t *testing.T, e *chaintest.Env, genesis, epochSecs int64) {
	each := func(program solana.PublicKey, cursor *solana.Signature, handle func(chain.Event, []byte)) {
		require.NoError(t, e.Client.History(e.Ctx, program, *cursor, func(_ context.Context, ev chain.Event) error {
			*cursor = ev.Signature
			if ev.Err != nil {
				return nil
			}
			data, err := chain.EventData(ev.Logs, program)
			for _, d := range data {
				handle(ev, d)
			}
			return err
		}))
	}
	each(e.Economy.ID, &l.economyCursor, func(_ chain.Event, d []byte) {
		if bytes.HasPrefix(d, economy.Event_EpochAdvanced[:]) {
			ev, err := economy.ParseEvent_EpochAdvanced(d)
			require.NoError(t, err)
			l.pools[ev.Epoch] = ev.Provider
		}
	})
	each(e.Registry.ID, &l.registryCursor, func(tx chain.Event, d []byte) {
		if bytes.HasPrefix(d, registry.Event_ConfigUpdated[:]) {
			ev, err := registry.ParseEvent_ConfigUpdated(d)
			require.NoError(t, err)
			l.updates = append(l.updates, classUpdate{at: tx.BlockTime, multiplier: multipliers(&ev.Params)})
			return
		}
		if !bytes.HasPrefix(d, registry.Event_ProofCounted[:]) {
			return
		}
		ev, err := registry.ParseEvent_ProofCounted(d)
		require.NoError(t, err)
		require.NotZero(t, tx.BlockTime)
		if tx.BlockTime < genesis {
			return
		}
		epoch := uint64((tx.BlockTime - genesis) / epochSecs)
		if l.uptime[epoch] == nil {
			l.uptime[epoch], l.reputation[epoch] = map[solana.PublicKey]uint64{}, map[solana.PublicKey]uint64{}
		}
		l.uptime[epoch][ev.Device] += ev.UptimeSecs
		if ev.UptimeSecs > 0 {
			l.reputation[epoch][ev.Device] = uint64(ev.Reputation)
		}
	})
}

// rewards is each device's reward over the advanced epochs: per epoch, pool x w / W rounded
// down, w = uptime x class multiplier x reputation, the multiplier of the configuration in
// force at the epoch's end (initial, then the last update before the end). It checks each
// epoch's sum is within its pool.
func (l *ledger) rewards(t *testing.T, initial map[uint32]uint64, model map[solana.PublicKey]uint32, genesis, epochSecs int64) map[solana.PublicKey]uint64 {
	out := map[solana.PublicKey]uint64{}
	for epoch, pool := range l.pools {
		inForce := initial
		for _, u := range l.updates {
			if u.at < genesis+int64(epoch+1)*epochSecs {
				inForce = u.multiplier
			}
		}
		weights := map[solana.PublicKey]*big.Int{}
		total := new(big.Int)
		for d, up := range l.uptime[epoch] {
			w := new(big.Int).SetUint64(up)
			w.Mul(w, new(big.Int).SetUint64(inForce[model[d]]))
			w.Mul(w, new(big.Int).SetUint64(l.reputation[epoch][d]))
			weights[d] = w
			total.Add(total, w)
		}
		var sum uint64
		for d, w := range weights {
			if total.Sign() > 0 {
				share := new(big.Int).Mul(w, new(big.Int).SetUint64(pool))
				r := share.Quo(share, total).Uint64()
				out[d] += r
				sum += r
			}
		}
		require.LessOrEqual(t, sum, pool, "epoch %d", epoch)
	}
	return out
}

// Three oracles advance the epochs and reward two honest devices of different classes from
// the chain alone: every oracle's value is exactly the test's own calculation, the owner
// claims exactly that, and a lying oracle's value alone pays nothing more.
func TestRewardsFromTheChainAreClaimed(t *testing.T) {
	e := chaintest.New(t)
	rp := e.InitRegistry(t, solana.NewWallet().PublicKey(), fastRegistry)
	params := e.EconomyParams(t)
	e.InitEconomy(t, e.Network.IDs.Escrow, params)
	h100 := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO)
	rtx := e.NewProvider(t, registry.DeviceSpec{HardwareModel: registry.ModelRTX4090, VramGib: 24, GpuCount: 1}, 1_000*chaintest.IO, 250*chaintest.IO)
	initial := multipliers(&rp)
	require.Equal(t, [2]uint64{100_000, 12_500}, [2]uint64{initial[registry.ModelH100], initial[registry.ModelRTX4090]})
	model := map[solana.PublicKey]uint32{h100.Device: registry.ModelH100, rtx.Device: registry.ModelRTX4090}

	oracles := make([]*running, 3)
	for i := range oracles {
		oracles[i] = start(t, e, e.Oracles[i], database(t), "-rate-every", "100ms", "-reward-every", "300ms")
	}
	ctx, stop := context.WithCancel(e.Ctx)
	defer stop()
	var workers []*worker
	for _, p := range []chaintest.Provider{h100, rtx} {
		w := &worker{key: p.DeviceKey, oracles: oracles, seq: make([]uint64, 3)}
		workers = append(workers, w)
		go w.run(ctx)
	}
	first := waitCounted(t, e, h100, 0)
	waitCounted(t, e, h100, first.LastProofWindow+3)

	// mid-run the RTX 4090's multiplier doubles: each epoch is rewarded under the
	// configuration in force at its end, by every oracle alike
	doubled := rp
	for i := range doubled.HardwareClasses[:doubled.HardwareClassCount] {
		if doubled.HardwareClasses[i].Model == registry.ModelRTX4090 {
			doubled.HardwareClasses[i].MultiplierBps *= 2
		}
	}
	require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, chaintest.Must(e.Registry.UpdateConfig(e.Admin.PublicKey(), doubled))))
	if c, err := e.Registry.FetchConfig(e.Ctx, e.Client); err == nil && c.PendingAppliesAt != 0 {
		e.WaitChainTime(t, c.PendingAppliesAt)
		require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, chaintest.Must(e.Registry.ApplyConfig())))
	}
	c, err := e.Registry.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	require.Equal(t, uint64(25_000), multipliers(&c.Params)[registry.ModelRTX4090])

	// oracle 3 is cancelled wherever its round is and started again on its database: it
	// resumes from its saved progress, and its values below are still exactly everyone's
	require.NoError(t, oracles[2].stop())
	restarted := start(t, e, e.Oracles[2], oracles[2].dsn, "-rate-every", "100ms", "-reward-every", "300ms")
	for _, w := range workers {
		w.mu.Lock() // the workers read the slice
	}
	oracles[2] = restarted
	for _, w := range workers {
		w.mu.Unlock()
	}
	require.Eventually(t, func() bool { return logLine(restarted.logs, "rewards resumed") != nil }, time.Minute, 10*time.Millisecond)
	require.NotZero(t, logLine(restarted.logs, "rewards resumed")["folded"], "it had folded epochs before the stop")

	waitCounted(t, e, h100, first.LastProofWindow+6)
	waitCounted(t, e, rtx, first.LastProofWindow+6)
	stop() // the devices go down: their last credit (2 s) ends in a window that ends within 3 s,
	// is voted 1 s later and counted by its deadline (3 s): after that no count adds uptime
	e.WaitChainTime(t, time.Now().Unix()+2+3+1+3+2)

	l := &ledger{pools: map[uint64]uint64{}, uptime: map[uint64]map[solana.PublicKey]uint64{}, reputation: map[uint64]map[solana.PublicKey]uint64{}}
	var want map[solana.PublicKey]uint64
	converged := func() bool {
		l.read(t, e, params.GenesisTime, params.EpochSecs)
		want = l.rewards(t, initial, model, params.GenesisTime, params.EpochSecs)
		for _, p := range []chaintest.Provider{h100, rtx} {
			rec, err := e.Economy.FetchRewards(e.Ctx, e.Client, p.Device)
			if err != nil || want[p.Device] == 0 || rec.Values != [16]uint64{want[p.Device], want[p.Device], want[p.Device]} {
				return false
			}
		}
		return true
	}
	require.Eventually(t, converged, 2*time.Minute, time.Second, "want %v", want)
	ec, err := e.Economy.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	require.LessOrEqual(t, want[h100.Device]+want[rtx.Device], ec.ProviderPoolTotal)
	require.Greater(t, want[h100.Device], want[rtx.Device], "10x beats 1.25x (then 2.5x) over the same uptime")
	require.Len(t, l.updates, 1, "one configuration change")
	var before, after int
	for epoch := range l.pools {
		if l.uptime[epoch][rtx.Device] > 0 {
			if params.GenesisTime+int64(epoch+1)*params.EpochSecs <= l.updates[0].at {
				before++
			} else {
				after++
			}
		}
	}
	require.True(t, before > 0 && after > 0, "epochs rewarded under each multiplier: %d before the change, %d after", before, after)
	t.Logf("rewards over %d epochs (pool %d): H100 %d, RTX 4090 %d", len(l.pools), ec.ProviderPoolTotal, want[h100.Device], want[rtx.Device])

	claim := func(p chaintest.Provider) uint64 {
		before := e.TokenBalance(t, p.Token)
		require.NoError(t, e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(e.Economy.ClaimRewards(p.Device, p.Token))))
		return e.TokenBalance(t, p.Token) - before
	}
	require.Equal(t, want[h100.Device], claim(h100))

	// oracle 3 lies for the RTX 4090: its value alone is left out, the claim pays the quorum's
	lie := chaintest.Must(e.Economy.SubmitRewards(e.Oracles[2].PublicKey(), rtx.Device, want[rtx.Device]+1_000*chaintest.IO))
	require.NoError(t, e.Send([]solana.PrivateKey{e.Oracles[2]}, lie))
	require.Equal(t, want[rtx.Device], claim(rtx))
	again := chaintest.Must(e.Economy.ClaimRewards(rtx.Device, rtx.Token))
	require.ErrorIs(t, e.Send([]solana.PrivateKey{e.Node.Key("faucet")}, again), economy.ErrNothingToClaim, "anyone may send a claim; it pays only the attested value")

	// with every oracle stopped, oracle 3's rewarder resumed on its database reads only the
	// history after its saved cursors; one on an empty database reads all of it; both end
	// with the same totals, exactly the test's
	for _, o := range oracles {
		require.NoError(t, o.stop())
	}
	count := func(program solana.PublicKey, after solana.Signature) float64 {
		n := 0
		require.NoError(t, e.Client.History(e.Ctx, program, after, func(context.Context, chain.Event) error { n++; return nil }))
		return float64(n)
	}
	for _, dsn := range []string{oracles[2].dsn, database(t)} {
		pool, err := pgxpool.New(e.Ctx, dsn)
		require.NoError(t, err)
		defer pool.Close()
		st, err := store.New(e.Ctx, pool)
		require.NoError(t, err)
		before, err := st.LoadRewards(e.Ctx)
		require.NoError(t, err)
		sent := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sent"}, []string{"kind", "state"})
		history := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "history"}, []string{"program"})
		r := rewards.New(rewards.Config{}, e.Network, e.Oracles[2], st, slog.New(slog.DiscardHandler), sent, history)
		require.NoError(t, r.Round(e.Ctx))
		economyRead, registryRead := testutil.ToFloat64(history.WithLabelValues("economy")), testutil.ToFloat64(history.WithLabelValues("registry"))
		require.Equal(t, count(e.Economy.ID, before.EconomyCursor), economyRead)
		require.Equal(t, count(e.Registry.ID, before.RegistryCursor), registryRead)
		after, err := st.LoadRewards(e.Ctx)
		require.NoError(t, err)
		require.Equal(t, want, after.Totals)
		require.Zero(t, testutil.ToFloat64(sent.WithLabelValues("rewards", "landed")), "the chain holds every value already")
		t.Logf("resumed from cursor %v: read %v economy and %v registry transactions", before.RegistryCursor != solana.Signature{}, economyRead, registryRead)
	}
}
