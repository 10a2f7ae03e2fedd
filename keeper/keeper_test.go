package keeper_test

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/localnet"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/keeper"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
)

// price is the test jobs' price: 3.6 IOSD per device-hour, 1,000 base units per device-second.
const (
	price  = 3_600_000
	perSec = price / 3600
	iosd   = 1_000_000
)

type fixture struct {
	*chaintest.Env
	esc  chaintest.Escrow
	prog onescrow.Program
}

func newFixture(t *testing.T, opts ...localnet.Option) *fixture {
	e := chaintest.New(t, opts...)
	return &fixture{Env: e, esc: e.InitEscrow(t), prog: e.Network.Escrow}
}

// job is a job under test: its renter (holding its deposit and 1 IOSD more at creation) and
// its providers in slot order with their IOSD payout accounts.
type job struct {
	addr        solana.PublicKey
	renter      solana.PrivateKey
	renterToken solana.PublicKey
	providers   []chaintest.Provider
	payouts     []solana.PublicKey
	deposit     uint64
}

// newJob creates an IOSD job on `devices` new Active devices for duration seconds each,
// proposes them all, and has the first `accept` of them accept.
func (f *fixture) newJob(t *testing.T, devices, accept int, duration uint32) job {
	renter := f.Funded(t)
	j := job{renter: renter, addr: f.prog.JobAddress(renter.PublicKey(), 1), deposit: uint64(devices) * uint64(duration) * perSec}
	j.renterToken = f.TokenAccount(t, f.IOSDMint, renter.PublicKey(), j.deposit+iosd)
	terms := onescrow.Terms{JobID: 1, PricePerHour: price, DurationSecs: duration, DeviceCount: uint8(devices)}
	require.NoError(t, f.Send([]solana.PrivateKey{renter}, chaintest.Must(f.prog.CreateJob(renter.PublicKey(), j.renterToken, f.IOSDMint, terms))))
	var addrs []solana.PublicKey
	for range devices {
		p := f.ActiveProvider(t, renter)
		j.providers = append(j.providers, p)
		j.payouts = append(j.payouts, f.TokenAccount(t, f.IOSDMint, p.Owner.PublicKey(), 0))
		addrs = append(addrs, p.Device)
	}
	require.NoError(t, f.Send([]solana.PrivateKey{renter}, chaintest.Must(f.prog.AssignDevices(renter.PublicKey(), j.addr, addrs...))))
	for i := range accept {
		p := j.providers[i]
		require.NoError(t, f.Send([]solana.PrivateKey{renter, p.DeviceKey}, chaintest.Must(f.prog.AcceptJob(j.addr, p.DeviceKey.PublicKey(), j.payouts[i], uint8(i)))))
	}
	return j
}

func (f *fixture) fetch(t *testing.T, j job) *escrow.Job {
	got, err := f.prog.FetchJob(f.Ctx, f.Client, j.addr)
	require.NoError(t, err)
	return got
}

// closed reports whether j's account is gone.
func (f *fixture) closed(t *testing.T, j job) bool {
	_, err := f.prog.FetchJob(f.Ctx, f.Client, j.addr)
	if err == nil {
		return false
	}
	require.ErrorIs(t, err, chain.ErrAccountNotFound)
	return true
}

// vote is oracle i's usage report on j for window: cumulative seconds per slot.
func (f *fixture) vote(t *testing.T, j job, i int, window uint64, secs ...uint32) {
	r := escrow.UsageReport{Window: window}
	copy(r.Secs[:], secs)
	require.NoError(t, f.Send([]solana.PrivateKey{f.Oracles[i]}, chaintest.Must(f.prog.RecordUsage(f.Oracles[i].PublicKey(), j.addr, r))))
}

// endedWindow waits until the usage window holding chain time at has ended on chain and
// returns it.
func (f *fixture) endedWindow(t *testing.T, at int64) uint64 {
	w := uint64(at / f.esc.Params.UsageWindowSecs)
	f.WaitChainTime(t, int64(w+1)*f.esc.Params.UsageWindowSecs)
	return w
}

// running is a keeper running in the background until the test ends (or stop).
type running struct {
	k       *keeper.Keeper
	reg     *prometheus.Registry
	metrics *keeper.Metrics
	stop    func()
}

// config is the tests' keeper config: a pass every 200 ms, slots of running jobs settled
// from 1 s of unpaid time, backoff to 1 s.
func config() keeper.Config {
	cfg := keeper.DefaultConfig()
	cfg.Every, cfg.SettleAfter, cfg.ProofGrace, cfg.MaxBackoff = 200*time.Millisecond, time.Second, 0, time.Second
	return cfg
}

// newKeeper is a keeper paying with payer, its log in the test's (shown when it fails).
func (f *fixture) newKeeper(t *testing.T, payer solana.PrivateKey) *running {
	return f.newKeeperWith(t, payer, config())
}

// newKeeperWith is newKeeper with cfg.
func (f *fixture) newKeeperWith(t *testing.T, payer solana.PrivateKey, cfg keeper.Config) *running {
	reg := prometheus.NewRegistry()
	m := keeper.NewMetrics(promauto.With(reg))
	log := slog.New(slog.NewTextHandler(testWriter{t}, nil)).With("payer", payer.PublicKey().String()[:8])
	return &running{k: keeper.New(cfg, f.Network, payer, log, m), reg: reg, metrics: m}
}

// testWriter writes to the test's log, until the test ends.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	if w.t.Context().Err() == nil {
		w.t.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

// start runs the keeper until the test ends.
func (r *running) start(t *testing.T) *running {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.k.Run(ctx) }()
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			cancel()
			require.ErrorIs(t, <-done, context.Canceled)
		})
	}
	t.Cleanup(r.stop)
	return r
}

// cranks is how many cranks of kind ended with outcome.
func (r *running) cranks(kind, outcome string) int {
	return int(testutil.ToFloat64(r.metrics.Cranks.WithLabelValues(kind, outcome)))
}

// counted waits until the keeper has counted its cranks of each kind in want as landed (the
// chain shows a crank's effect a moment before the keeper's confirmation returns).
func (r *running) counted(t *testing.T, want map[string]int) {
	require.Eventually(t, func() bool {
		for kind, n := range want {
			if r.cranks(kind, keeper.Landed) < n {
				return false
			}
		}
		return true
	}, 10*time.Second, 20*time.Millisecond)
}

// landed sums, over keepers, the cranks of kind that landed.
func landed(kind string, keepers ...*running) int {
	n := 0
	for _, k := range keepers {
		n += k.cranks(kind, keeper.Landed)
	}
	return n
}

// pay is what paying secs of a slot moves at the test terms.
func pay(secs uint64) protocol.Split {
	return chaintest.Must(protocol.Pay(&escrow.Job{PricePerHour: price, FeeBps: 500, FeeBurnBps: 5_000}, 0, secs))
}

// A job nobody accepted expires once the acceptance window is over, with a full refund, and
// closes: the renter holds exactly what it held before it booked, the proposed device was never
// hired, and the keeper sent each crank once.
func TestExpiresAnUnacceptedJob(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	j := f.newJob(t, 2, 1, 60) // one of the two accepted: not running
	require.Equal(t, escrow.JobAssigned, f.fetch(t, j).State)
	require.Equal(t, iosd, int(f.TokenBalance(t, j.renterToken)))
	created := f.fetch(t, j).CreatedAt
	// A proof window one oracle voted on and the others left: the keeper counts it after its
	// deadline (one vote: undecided, closed) and its rent goes back to the oracle.
	p := j.providers[1]
	window := uint64(f.ChainNow(t))/2 - 1
	oracle := f.Lamports(t, f.Oracles[0].PublicKey())
	_, err := f.Vote(f.Funded(t), 0, p, registry.ProofReport{Window: window, UptimeSecs: 1, Challenge: registry.ChallengeNone})
	require.NoError(t, err)
	proof := f.Registry.ProofAddress(p.Device, window)
	require.NotZero(t, f.Lamports(t, proof))
	k := f.newKeeper(t, f.Keeper).start(t)

	require.Eventually(t, func() bool { return f.closed(t, j) && f.Lamports(t, proof) == 0 }, 30*time.Second, 100*time.Millisecond)
	require.Equal(t, oracle, f.Lamports(t, f.Oracles[0].PublicKey()))
	require.GreaterOrEqual(t, f.ChainNow(t), created+f.esc.Params.AcceptanceWindowSecs)
	require.Equal(t, j.deposit+iosd, f.TokenBalance(t, j.renterToken))
	for _, p := range j.providers {
		require.Zero(t, f.Device(t, p).CurrentJob, "released")
	}
	k.counted(t, map[string]int{keeper.KindExpire: 1, keeper.KindClose: 1, keeper.KindCountProof: 1})
	k.stop()
	require.Equal(t, 1, k.cranks(keeper.KindExpire, keeper.Landed))
	require.Equal(t, 1, k.cranks(keeper.KindClose, keeper.Landed))
	require.Equal(t, 1, k.cranks(keeper.KindCountProof, keeper.Landed))
	require.Zero(t, k.cranks(keeper.KindSettle, keeper.Landed))
	// The economy's 2 s epochs: every ended one advanced, but for one that may have ended since
	// the last pass.
	ec, err := f.Economy.FetchConfig(f.Ctx, f.Client)
	require.NoError(t, err)
	require.Positive(t, k.cranks(keeper.KindAdvance, keeper.Landed))
	end := chaintest.Must(protocol.EpochEnd(&ec.Params, ec.NextEpoch))
	require.Greater(t, int64(end)+ec.Params.EpochSecs, f.ChainNow(t))
	require.Zero(t, testutil.CollectAndCount(k.metrics.Errors))
	require.Positive(t, testutil.ToFloat64(k.metrics.LastPass))
}

// A running job on two devices, with two keepers passing at the same moments over it and a
// third killed mid-pass again and again: a usage collection that stays undecided on one slot is counted at its
// deadline, the decided slot is settled while the job runs, the job completes at its end, the
// last usage is settled and the job closes. Every payment is made once: the providers, the
// treasury, the burn and the renter's refund are exact to the base unit, and over all keepers
// each state change landed once.
func TestSettlesCompletesAndClosesARunningJob(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const duration = 14
	j := f.newJob(t, 2, 2, duration)
	g := f.fetch(t, j)
	require.Equal(t, escrow.JobRunning, g.State)
	start := g.StartedAt
	treasury, supply := f.TokenBalance(t, f.esc.TreasuryIOSD), f.Supply(t, f.IOSDMint)
	a, b, killed := f.newKeeper(t, f.Keeper), f.newKeeper(t, f.Funded(t)), f.newKeeper(t, f.Funded(t))
	racing, stopRacing := context.WithCancel(context.Background())
	defer stopRacing()
	raced := make(chan struct{})
	go func() {
		defer close(raced)
		for racing.Err() == nil {
			// kill -9 semantics: a pass cut off at a random point, maybe with a crank in flight
			ctx, cancel := context.WithTimeout(racing, time.Duration(rand.IntN(100))*time.Millisecond)
			_ = killed.k.Pass(ctx)
			cancel()
			// two keepers on two hosts, passing at the same moment: both see the same work due
			var wg sync.WaitGroup
			for _, k := range []*running{a, b} {
				wg.Go(func() { _ = k.k.Pass(racing) })
			}
			wg.Wait()
			time.Sleep(100 * time.Millisecond)
		}
	}()

	// Slot 0's votes agree, slot 1's do not (10x apart): the collection waits for its deadline.
	w := f.endedWindow(t, start+2)
	upTo := uint32(int64(w+1)*f.esc.Params.UsageWindowSecs - start)
	f.vote(t, j, 0, w, upTo, upTo)
	f.vote(t, j, 1, w, upTo, upTo/10+1)
	require.Eventually(t, func() bool { return f.fetch(t, j).Slots[0].PaidSecs == uint64(upTo) }, 30*time.Second, 100*time.Millisecond)
	g = f.fetch(t, j)
	require.Equal(t, escrow.JobRunning, g.State, "settled while running")
	require.Zero(t, g.PendingVotes)
	require.Equal(t, uint64(upTo), g.Slots[0].VerifiedSecs)
	require.Zero(t, g.Slots[1].VerifiedSecs)
	require.Equal(t, pay(uint64(upTo)).Payout, f.TokenBalance(t, j.payouts[0]))

	// The job completes at its end; its last window's usage comes in and is paid; it closes.
	require.Eventually(t, func() bool { return f.fetch(t, j).State == escrow.JobCompleted }, 30*time.Second, 100*time.Millisecond)
	require.Equal(t, start+duration, f.fetch(t, j).EndedAt)
	last := f.endedWindow(t, start+duration-1)
	f.vote(t, j, 0, last, duration, duration-2)
	f.vote(t, j, 1, last, duration, duration-2)
	require.Eventually(t, func() bool { return f.closed(t, j) }, 30*time.Second, 100*time.Millisecond)
	stopRacing()
	<-raced

	p0, p1 := pay(duration), pay(duration-2)
	require.Equal(t, p0.Payout, f.TokenBalance(t, j.payouts[0]))
	require.Equal(t, p1.Payout, f.TokenBalance(t, j.payouts[1]))
	require.Equal(t, treasury+p0.FeeTreasury+p1.FeeTreasury, f.TokenBalance(t, f.esc.TreasuryIOSD))
	require.Equal(t, supply-p0.FeeBurned-p1.FeeBurned, f.Supply(t, f.IOSDMint))
	require.Equal(t, iosd+j.deposit-p0.Gross-p1.Gross, f.TokenBalance(t, j.renterToken))
	require.Equal(t, uint64(iosd+2_000), f.TokenBalance(t, j.renterToken)) // 2 s of slot 1 unused
	for _, p := range j.providers {
		require.Zero(t, f.Device(t, p).CurrentJob, "released")
	}
	keepers := []*running{a, b, killed}
	// Each change landed once; one the killed keeper sent may have landed unseen (cut off while
	// it waited for the confirmation), so the counts are at most that.
	for i, k := range keepers {
		t.Logf("keeper %d: settle landed %d done %d, expire landed %d done %d, close landed %d done %d", i,
			k.cranks(keeper.KindSettle, keeper.Landed), k.cranks(keeper.KindSettle, keeper.Done), k.cranks(keeper.KindExpire, keeper.Landed),
			k.cranks(keeper.KindExpire, keeper.Done), k.cranks(keeper.KindClose, keeper.Landed), k.cranks(keeper.KindClose, keeper.Done))
	}
	for kind, most := range map[string]int{keeper.KindCountUsage: 1, keeper.KindExpire: 1, keeper.KindClose: 1, keeper.KindSettle: 3} {
		require.LessOrEqual(t, landed(kind, keepers...), most, kind)
	}
}

// The localnet stops while the keeper runs (same state and ports when it comes back, as a
// restarted RPC node): passes fail and back off, /healthz reports it, and once the chain is
// back the keeper completes, settles and closes the job, paying exactly once.
func TestSurvivesAnRPCOutage(t *testing.T) {
	t.Parallel()
	opts := []localnet.Option{localnet.WithStateDir(t.TempDir()), localnet.WithKeysDir(t.TempDir()),
		localnet.WithPorts(harness.Port(t), harness.Port(t))}
	f := newFixture(t, opts...)
	const duration = 20 // it ends after the outage: a job ended longer than its grace closes without waiting for usage
	j := f.newJob(t, 1, 1, duration)
	start := f.fetch(t, j).StartedAt
	treasury := f.TokenBalance(t, f.esc.TreasuryIOSD)
	k := f.newKeeper(t, f.Keeper).start(t)
	require.Eventually(t, func() bool { return testutil.ToFloat64(k.metrics.LastPass) > 0 }, 30*time.Second, 50*time.Millisecond)

	require.NoError(t, f.Node.Close())
	require.Eventually(t, func() bool { return k.k.Health() != nil }, 30*time.Second, 50*time.Millisecond)
	require.Eventually(t, func() bool { return testutil.ToFloat64(k.metrics.Errors.WithLabelValues("clock")) >= 1 }, 30*time.Second, 50*time.Millisecond)
	localnet.Start(t, opts...)

	require.Eventually(t, func() bool { return f.fetch(t, j).State == escrow.JobCompleted }, 30*time.Second, 100*time.Millisecond)
	require.NoError(t, k.k.Health())
	last := f.endedWindow(t, start+duration-1)
	f.vote(t, j, 0, last, duration)
	f.vote(t, j, 1, last, duration)
	require.Eventually(t, func() bool { return f.closed(t, j) }, 30*time.Second, 100*time.Millisecond)
	k.counted(t, map[string]int{keeper.KindSettle: 1, keeper.KindClose: 1})
	k.stop()
	p := pay(duration)
	require.Equal(t, p.Payout, f.TokenBalance(t, j.payouts[0]))
	require.Equal(t, treasury+p.FeeTreasury, f.TokenBalance(t, f.esc.TreasuryIOSD))
	require.Equal(t, uint64(iosd), f.TokenBalance(t, j.renterToken))
	require.Equal(t, 1, k.cranks(keeper.KindSettle, keeper.Landed))
	require.Equal(t, 1, k.cranks(keeper.KindClose, keeper.Landed))
}
