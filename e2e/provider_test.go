package e2e

import (
	"context"
	"errors"
	"net/http"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/localnet"
	"github.com/gpunet/gpunet/internal/pg"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/internal/wire"
)

// cpu is the device the workers register: a host without an NVIDIA driver.
var cpu = registry.DeviceSpec{HardwareModel: registry.ModelCPU}

// fastRegistry: 1 s heartbeats, 3 s windows counted 3 s after their end, probation of three
// windows.
func fastRegistry(p *registry.ConfigParams) {
	p.HeartbeatIntervalSecs = 1
	p.ProofWindowSecs = 3
	p.VoteDeadlineSecs = 3
	p.ProbationSecs = 9
}

// TestNetwork runs the provider loop's scenarios side by side on one localnet and one registry
// (each has its own oracle processes, the localnet's oracle keys with a database each, and
// devices, so one scenario's faults are its own), then the renter loop on the same network,
// its workers on hosts of their own (network namespaces: the test needs root, as CI has); an
// indexer follows it all and must mirror the chain at the end.
func TestNetwork(t *testing.T) {
	lan := harness.NewLAN(t, 4) // the renter loop's hosts
	machine = lan.Addr()
	e := chaintest.New(t, localnet.WithHost(machine))
	fixture := e.SetUpEscrow(t, fastRegistry)
	fixture.Params.AcceptanceWindowSecs = 120 // workers on a loaded machine accept within it
	require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, chaintest.Must(e.Network.Escrow.InitializeConfig(e.Admin.PublicKey(), fixture.Params, fixture.Limits))))
	config, err := e.Registry.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	params := config.Params
	ix := startIndexer(t, e)
	t.Run("provider loop", func(t *testing.T) {
		for _, s := range []struct {
			name string
			run  func(*testing.T, *chaintest.Env, *registry.ConfigParams)
		}{
			{"honest device becomes Active", honest},
			{"flaky device proves what the oracles saw", flaky},
			{"oracle killed mid-window", killedOracle},
			{"lying oracle", lyingOracle},
			{"postgres outage under one oracle", postgresOutage},
		} {
			t.Run(s.name, func(t *testing.T) {
				t.Parallel()
				s.run(t, e, &params)
			})
		}
	})
	t.Run("renter loop", func(t *testing.T) { renterLoop(t, e, fixture, lan) })
	t.Run("indexer mirrors the chain", func(t *testing.T) { ix.mirrorsTheChain(t, e) })
}

// waitCounted waits until p's device has a counted window past after.
func waitCounted(t *testing.T, e *chaintest.Env, p chaintest.Provider, after uint64) *registry.Device {
	var d *registry.Device
	require.Eventually(t, func() bool { d = e.Device(t, p); return d.LastProofWindow > after }, 90*time.Second, 100*time.Millisecond)
	return d
}

// windowAt is the proof window holding at.
func windowAt(params *registry.ConfigParams, at time.Time) uint64 {
	return uint64(at.Unix()) / uint64(params.ProofWindowSecs)
}

// requireWhole asserts that every count after the first covers its whole span: the device was
// up throughout, so nothing it proved was lost.
func requireWhole(t *testing.T, params *registry.ConfigParams, l ledger) {
	require.NotEmpty(t, l.counts)
	for _, c := range l.counts[1:] {
		require.Equal(t, (c.window-c.base)*uint64(params.ProofWindowSecs), c.uptime, "window %d (base %d) counted whole", c.window, c.base)
	}
}

// firstHeard is when o first received a heartbeat of device (unix ms on its clock).
func firstHeard(t *testing.T, o *oracle, device solana.PublicKey) int64 {
	pool, err := pg.Open(context.Background(), o.dsn)
	require.NoError(t, err)
	defer pool.Close()
	var at int64
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT min(received_ms) FROM heartbeats WHERE device = $1`, device.String()).Scan(&at))
	return at
}

// An honest worker leaves probation and becomes Active; its proven uptime is exactly what the
// oracles credited live (each vote recomputed from the oracle's database, each count the
// registry's rule on the recorded votes), and it is the time the worker ran, to the second.
func honest(t *testing.T, e *chaintest.Env, params *registry.ConfigParams) {
	oracles := trio(t, e, 0, 1, 2)
	w := newWorker(t, e, oracles)
	require.Eventually(t, func() bool { return e.Device(t, w.p).Status == registry.StatusActive }, 90*time.Second, 100*time.Millisecond)

	l, d := checkLedger(t, e, params, w.p)
	require.GreaterOrEqual(t, d.ProvenUptimeSecs, uint64(params.ProbationSecs))
	first, last := int64(1<<62), int64(0)
	for _, o := range oracles {
		checkObserved(t, e, params, o, d, l)
		at := firstHeard(t, o, w.p.DeviceKey.PublicKey())
		first, last = min(first, at), max(last, at)
	}
	requireWhole(t, params, l)
	end := int64(d.LastProofWindow+1) * int64(params.ProofWindowSecs) * 1000
	require.LessOrEqual(t, int64(d.ProvenUptimeSecs)*1000, end-first, "no more than the time since the first heartbeat")
	require.Greater(t, int64(d.ProvenUptimeSecs)*1000, end-last-1000, "the time since the last oracle's first heartbeat, less one second's rounding")
}

// A flaky worker (stopped with SIGSTOP for 5 s) has exactly the proven uptime the oracles
// observed live: no oracle received a heartbeat during the gap, every vote is what its oracle
// credited, and the counts leave the gap out (less the last heartbeat's credit).
func flaky(t *testing.T, e *chaintest.Env, params *registry.ConfigParams) {
	oracles := trio(t, e, 0, 1, 2)
	w := newWorker(t, e, oracles)
	from := waitCounted(t, e, w.p, 0)

	w.proc.signal(syscall.SIGSTOP)
	// kill returns before every thread of the worker has stopped: a goroutine may still make a
	// heartbeat. The stop is when the kernel shows every thread stopped.
	require.Eventually(t, w.proc.stopped, 5*time.Second, time.Millisecond)
	stopped := time.Now()
	time.Sleep(5 * time.Second)
	// resumed is taken before SIGCONT: the worker may send a heartbeat the moment it runs again,
	// and that one must not count as sent during the gap.
	resumed := time.Now()
	w.proc.signal(syscall.SIGCONT)
	end := waitCounted(t, e, w.p, windowAt(params, resumed)+1)

	l, d := checkLedger(t, e, params, w.p)
	for _, o := range oracles {
		checkObserved(t, e, params, o, d, l)
		pool, err := pg.Open(context.Background(), o.dsn)
		require.NoError(t, err)
		var during int
		// Received during the gap and made during it (the worker's own timestamp, same machine's
		// clock): a heartbeat already on the wire when the worker stopped may land later, by more
		// than half a second under CI load, and is rightly live.
		require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM heartbeats WHERE device = $1 AND received_ms > $2 AND received_ms < $3 AND worker_ms > $2`,
			w.p.DeviceKey.PublicKey().String(), stopped.UnixMilli(), resumed.UnixMilli()).Scan(&during))
		pool.Close()
		require.Zero(t, during, "oracle %d received heartbeats while the worker was stopped", o.slot+1)
		s := o.status(t, w.p.DeviceKey.PublicKey())
		require.NotNil(t, s.LastHeartbeat)
		require.GreaterOrEqual(t, s.LastHeartbeat.ReceivedAt, resumed.UnixMilli(), "oracle %d hears the worker again", o.slot+1)
	}
	credit := time.Duration(params.HeartbeatIntervalSecs)*time.Second + time.Second
	elapsed := (end.LastProofWindow - from.LastProofWindow) * uint64(params.ProofWindowSecs)
	missed := uint64((resumed.Sub(stopped) - credit) / time.Second)
	require.LessOrEqual(t, d.ProvenUptimeSecs-from.ProvenUptimeSecs, elapsed-missed, "windows %d-%d: the gap is not counted", from.LastProofWindow+1, end.LastProofWindow)
}

// One oracle killed with SIGKILL in the middle of a window and restarted on its database loses
// no proof (every window counts whole: the device never stopped) and submits nothing twice: no
// oracle has two votes on a window on chain, the restarted one recorded no DuplicateVote (in
// its database or its log) and left nothing pending, and each vote it stored as landed is on
// chain once, with the same uptime.
func killedOracle(t *testing.T, e *chaintest.Env, params *registry.ConfigParams) {
	oracles := trio(t, e, 0, 1, 2)
	w := newWorker(t, e, oracles)
	first := waitCounted(t, e, w.p, 0)
	victim := oracles[1]
	n := time.Duration(params.ProofWindowSecs) * time.Second
	time.Sleep(time.Until(time.Now().Truncate(n).Add(n + n/2))) // the middle of the next window
	victim.proc.kill9()
	// the votes the kill left pending: the restarted oracle settles them from the chain
	// (counted in its metrics only when it has to send one again)
	pending := func() (sigs []string) {
		pool, err := pg.Open(e.Ctx, victim.dsn)
		require.NoError(t, err)
		defer pool.Close()
		rows, err := pool.Query(e.Ctx, `SELECT signature FROM actions WHERE kind = 'vote' AND state = 'pending'`)
		require.NoError(t, err)
		sigs, err = pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		return append([]string{}, sigs...)
	}()
	restarted := time.Now()
	victim.start()
	end := waitCounted(t, e, w.p, max(first.LastProofWindow, windowAt(params, time.Now()))+2)

	l, d := checkLedger(t, e, params, w.p)
	for _, o := range oracles {
		checkObserved(t, e, params, o, d, l)
	}
	requireWhole(t, params, l)

	pool, err := pg.Open(e.Ctx, victim.dsn)
	require.NoError(t, err)
	defer pool.Close()
	rows, err := pool.Query(e.Ctx, `SELECT window_id, base, uptime_secs, state, error FROM actions WHERE kind = 'vote' AND device = $1`, w.p.DeviceKey.PublicKey().String())
	require.NoError(t, err)
	defer rows.Close() // a failed assertion must not leave the pool waiting on it
	onChain := map[vote]int{}
	for _, v := range l.votes {
		if v.oracle == victim.key.PublicKey() && v.window < end.LastProofWindow { // newer: may be in flight
			onChain[vote{window: v.window, base: v.base, uptime: v.uptime}]++
		}
	}
	// a vote the restarted oracle sent after the other two counted its window lands as a late
	// report (no uptime recorded)
	late := map[uint64]int{}
	for _, v := range l.late {
		if v.oracle == victim.key.PublicKey() && v.window < end.LastProofWindow {
			late[v.window]++
		}
	}
	landed := 0
	for rows.Next() {
		var window, base, secs int64
		var state, failure string
		require.NoError(t, rows.Scan(&window, &base, &secs, &state, &failure))
		require.NotContains(t, failure, "DuplicateVote", "window %d", window)
		require.False(t, state == "pending" && uint64(window) < end.LastProofWindow, "window %d left pending", window)
		if state == "landed" && uint64(window) < end.LastProofWindow {
			landed++
			require.Equal(t, 1, onChain[vote{window: uint64(window), base: uint64(base), uptime: uint32(secs)}]+late[uint64(window)],
				"landed vote on window %d is on chain once, as a vote or a late report", window)
		}
	}
	require.NoError(t, rows.Err())
	require.Equal(t, len(onChain)+len(late), landed, "every vote of the oracle on chain is one it stored as landed")
	logs, err := os.ReadFile(victim.log)
	require.NoError(t, err)
	require.NotContains(t, string(logs), "DuplicateVote")
	// the oracle keeps voting: compare a snapshot the database shows unchanged around the scrape.
	// Its metric counts what it sent: every vote it made since the restart, and of the votes the
	// kill left pending (t.Logf), those it had to send again rather than found on chain.
	t.Logf("votes pending at the kill: %d", len(pending))
	for _, state := range []string{"landed", "failed"} {
		count := func() (made, settled int) {
			require.NoError(t, pool.QueryRow(e.Ctx, `SELECT count(*) FILTER (WHERE signature <> ALL($3)), count(*) FILTER (WHERE signature = ANY($3))
				FROM actions WHERE kind = 'vote' AND state = $1 AND updated_at >= $2`, state, restarted, pending).Scan(&made, &settled))
			return made, settled
		}
		require.Eventually(t, func() bool {
			made, settled := count()
			m := victim.metric(t, `gpunet_oracle_transactions_total{kind="vote",state="`+state+`"}`)
			madeAfter, settledAfter := count()
			return made == madeAfter && settled == settledAfter && float64(made) <= m && m <= float64(made+settled)
		}, 10*time.Second, 50*time.Millisecond, "the restarted oracle's %s votes: its metrics and its database agree", state)
	}
}

// One oracle of the set lies (the test holds its key and votes zero, or the whole span while the
// worker is stopped, as soon as each window ends) while two honest oracles run: every count is
// protocol.DecideVotes on the recorded votes, and it agrees within the band with the honest
// votes' own decision; a lie beyond the span is refused outright.
func lyingOracle(t *testing.T, e *chaintest.Env, params *registry.ConfigParams) {
	oracles := trio(t, e, 0, 1)
	w := newWorker(t, e, oracles)
	liar := e.Oracles[2]
	waitCounted(t, e, w.p, 0)
	n := uint64(params.ProofWindowSecs)
	lies := map[bool]int{} // landed lies: zero (false) or the whole span (true)
	last := windowAt(params, time.Now())
	for k := 0; k < 6; k++ {
		window := last + uint64(k)
		time.Sleep(time.Until(time.Unix(int64((window+1)*n), 400e6))) // just after its end: before the honest oracles
		switch k {
		case 2:
			w.proc.signal(syscall.SIGSTOP)
		case 4:
			w.proc.signal(syscall.SIGCONT)
		}
		for {
			d := e.Device(t, w.p)
			if window <= d.LastProofWindow {
				break // counted before the lie
			}
			span := chaintest.Must(protocol.ProofSpan(params, d, window))
			whole := k%2 == 1
			secs := uint32(0)
			if whole {
				secs = uint32(span.Span)
			}
			send := func(secs uint32) error {
				ix := chaintest.Must(e.Registry.SubmitProof(liar.PublicKey(), w.p.DeviceKey.PublicKey(),
					registry.ProofReport{Window: window, UptimeSecs: secs, Challenge: registry.ChallengeNone}, e.ProofPayer(w.p, window, liar.PublicKey())))
				_, err := e.Client.Send(e.Ctx, []solana.Instruction{ix}, liar)
				return err
			}
			if k == 0 {
				require.ErrorIs(t, send(2*uint32(span.End-span.Start)+1), registry.ErrInvalidProof, "more than the span")
			}
			err := send(secs)
			if errors.Is(err, registry.ErrProofWindowNotClosed) {
				time.Sleep(100 * time.Millisecond) // the chain's clock trails
				continue
			}
			if err == nil {
				lies[whole]++
			} else {
				require.ErrorIs(t, err, registry.ErrStaleProof)
			}
			break
		}
	}
	waitCounted(t, e, w.p, last+5)

	l, d := checkLedger(t, e, params, w.p)
	for _, o := range oracles {
		checkObserved(t, e, params, o, d, l)
	}
	require.Positive(t, lies[false], "a zero lie landed")
	require.Positive(t, lies[true], "a whole-span lie landed")
	rule := protocol.RegistryVoteRule(params)
	lied := 0
	for _, c := range l.counts {
		var honestVotes []uint64
		for _, v := range c.votes {
			if v.oracle == liar.PublicKey() {
				lied++
				continue
			}
			honestVotes = append(honestVotes, uint64(v.uptime))
		}
		// the counted value is the low end of a quorum with an honest vote in it (the liar's
		// vote only counts where it agrees with the truth), and the honest votes' own decision
		// where they make one
		require.True(t, slices.ContainsFunc(honestVotes, func(h uint64) bool { return protocol.VotesAgree(c.uptime, h, params.VoteBandBps) }),
			"window %d: counted %d, honest votes %v", c.window, c.uptime, honestVotes)
		if h, outcome := protocol.DecideVotes(rule, honestVotes, true); outcome == protocol.VotesDecided {
			require.True(t, protocol.VotesAgree(c.uptime, h.Lo, params.VoteBandBps), "window %d: counted %d, honest %d", c.window, c.uptime, h.Lo)
		}
	}
	require.Positive(t, lied, "the liar's votes were among the counted windows' votes")
	require.Greater(t, d.ProvenUptimeSecs, uint64(0))
}

// PostgreSQL stopped under one oracle (its own server, stopped and started on the same data
// directory): the oracle, still the same process, refuses heartbeats with 503 unavailable and
// reports unhealthy on /healthz, then recovers without a restart; the device loses no proof.
func postgresOutage(t *testing.T, e *chaintest.Env, params *registry.ConfigParams) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "gpunet-e2e-pg-") // under /tmp: the server's user must reach it
	require.NoError(t, err)
	srv, err := pg.Start(ctx, pg.Options{Dir: dir})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Stop(ctx); _ = os.RemoveAll(dir) })
	oracles := []*oracle{newOracle(t, e, 0, database(t)), newOracle(t, e, 1, database(t)), newOracle(t, e, 2, databaseOn(t, srv))}
	w := newWorker(t, e, oracles)
	probe := e.NewProvider(t, cpu, 1_000*chaintest.IO, 200*chaintest.IO) // heartbeats sent by the test
	o := oracles[2]
	seq := uint64(1)
	code, _ := beat(t, o, probe.DeviceKey, seq)
	require.Equal(t, http.StatusOK, code)
	waitCounted(t, e, w.p, 0)

	require.NoError(t, srv.Stop(ctx))
	seq++
	code, problem := beat(t, o, probe.DeviceKey, seq)
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, wire.ReasonUnavailable, problem.Reason)
	require.Eventually(t, func() bool { code, _ := get(o.ops + "/healthz"); return code != http.StatusOK && code != 0 }, 30*time.Second, 100*time.Millisecond,
		"/healthz reports the database down")
	time.Sleep(time.Duration(params.ProofWindowSecs) * time.Second)

	srv, err = pg.Start(ctx, pg.Options{Dir: dir})
	require.NoError(t, err)
	require.Eventually(t, func() bool { code, _ := get(o.ops + "/healthz"); return code == http.StatusOK }, 30*time.Second, 100*time.Millisecond)
	require.Eventually(t, func() bool { seq++; code, _ := beat(t, o, probe.DeviceKey, seq); return code == http.StatusOK }, 30*time.Second, 100*time.Millisecond)
	recovered := time.Now()
	require.True(t, o.proc.running(), "the oracle recovered without a restart")
	end := waitCounted(t, e, w.p, windowAt(params, recovered)+1)

	l, d := checkLedger(t, e, params, w.p)
	for _, o := range oracles {
		checkObserved(t, e, params, o, d, l)
	}
	requireWhole(t, params, l)
	require.Greater(t, end.LastProofWindow, windowAt(params, recovered))
	s := o.status(t, w.p.DeviceKey.PublicKey())
	require.NotNil(t, s.LastHeartbeat)
	require.GreaterOrEqual(t, s.LastHeartbeat.ReceivedAt, recovered.UnixMilli(), "the worker's heartbeats are stored again")
}
