package oracle_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/keyfile"
	"github.com/gpunet/gpunet/internal/pg"
	"github.com/gpunet/gpunet/internal/pg/pgtest"
	"github.com/gpunet/gpunet/internal/wire"
	"github.com/gpunet/gpunet/oracle"
	"github.com/gpunet/gpunet/oracle/store"
)

// get is the status code and body of a GET on the oracle's /healthz and /metrics listener.
func get(t *testing.T, o *running, path string) (int, string) {
	resp, err := http.Get(o.health + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// metric is the value of one sample line of /metrics (0 when absent).
func metric(t *testing.T, o *running, sample string) float64 {
	_, body := get(t, o, "/metrics")
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sample) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	return v
}

// PostgreSQL down at start, then stopped and started again on the same data directory while the
// oracle runs: the oracle waits for it, then while it is down answers heartbeats and status
// with 503 unavailable and Retry-After, reports degraded on /healthz and database_up 0, and
// sends nothing on-chain; once it is back everything resumes without a restart. Every
// heartbeat acknowledged is one row, every refused one none, and every vote lands once.
func TestPostgresOutage(t *testing.T) {
	ctx := context.Background()
	e := chaintest.New(t)
	e.InitRegistry(t, solana.NewWallet().PublicKey(), fastRegistry)
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO)

	dir, err := os.MkdirTemp("", "oracle-pg-") // not t.TempDir: its parent is closed to the server's user
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	srv, err := pg.Start(ctx, pg.Options{Dir: dir})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Stop(ctx) }) // after the oracle's stop
	name, err := srv.NewDatabase(ctx)
	require.NoError(t, err)
	require.NoError(t, srv.Stop(ctx))

	o := launch(t, e, e.Oracles[0], srv.DSN(name), "-rate-every", "10ms")
	require.Eventually(t, func() bool { return logLine(o.logs, "waiting for postgres") != nil }, time.Minute, 10*time.Millisecond, "%s", o.logs)
	require.Nil(t, logLine(o.logs, "started"))
	srv, err = pg.Start(ctx, pg.Options{Dir: dir})
	require.NoError(t, err)
	o.ready(t)
	code, body := get(t, o, "/healthz")
	require.Equal(t, http.StatusOK, code, body)
	require.Equal(t, 1.0, metric(t, o, "gpunet_oracle_database_up"))

	dev, me := p.DeviceKey, o.key.PublicKey()
	var seq uint64
	var acked []int64
	beat := func() answer {
		seq++
		a := post(t, o, dev, heartbeat(dev.PublicKey(), me, seq, time.Now()))
		if a.status == http.StatusOK {
			acked = append(acked, int64(seq))
		}
		return a
	}
	for range 4 {
		beat().ack(t)
		time.Sleep(500 * time.Millisecond)
	}

	require.NoError(t, srv.Stop(ctx))
	for range 3 {
		a := beat()
		require.Equal(t, http.StatusServiceUnavailable, a.status, string(a.body))
		require.Equal(t, wire.Problem{Reason: wire.ReasonUnavailable, Message: "cannot store the heartbeat now"}, a.problem(t))
		require.Equal(t, "1", a.retryAfter)
		time.Sleep(500 * time.Millisecond)
	}
	a, _ := status(t, o, dev.PublicKey().String())
	require.Equal(t, http.StatusServiceUnavailable, a.status)
	require.Equal(t, wire.ReasonUnavailable, a.problem(t).Reason)
	require.Equal(t, "1", a.retryAfter)
	require.Eventually(t, func() bool { code, body = get(t, o, "/healthz"); return code != http.StatusOK }, 10*time.Second, 50*time.Millisecond)
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Regexp(t, `^degraded: postgres: `, body)
	require.Equal(t, 0.0, metric(t, o, "gpunet_oracle_database_up"))
	require.Eventually(t, func() bool { return logLine(o.logs, "prove round") != nil }, 10*time.Second, 50*time.Millisecond)
	require.Regexp(t, `^paused: postgres: `, logLine(o.logs, "prove round")["err"])
	sentBefore := metric(t, o, `gpunet_oracle_transactions_total{kind="vote",state="landed"}`)
	time.Sleep(time.Second) // rounds that would vote, were the database up
	require.Equal(t, sentBefore, metric(t, o, `gpunet_oracle_transactions_total{kind="vote",state="landed"}`), "nothing sent while down")

	srv, err = pg.Start(ctx, pg.Options{Dir: dir})
	require.NoError(t, err)
	require.Eventually(t, func() bool { code, _ = get(t, o, "/healthz"); return code == http.StatusOK }, 10*time.Second, 50*time.Millisecond)
	require.Equal(t, 1.0, metric(t, o, "gpunet_oracle_database_up"))
	require.NotNil(t, logLine(o.logs, "postgres back"))
	back := uint64(time.Now().Unix()) / 3 // windows are 3 s
	db := openDB(t, srv.DSN(name))
	landedAfter := func() bool {
		var n int
		require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM actions WHERE kind = 'vote' AND state = 'landed' AND window_id > $1`, int64(back)).Scan(&n))
		return n > 0
	}
	for !landedAfter() {
		beat().ack(t) // every heartbeat after the outage is taken
		require.Less(t, seq, uint64(200), "no vote landed after the outage")
		time.Sleep(500 * time.Millisecond)
	}

	var stored []int64
	rows, err := db.Query(ctx, `SELECT sequence FROM heartbeats ORDER BY sequence`)
	require.NoError(t, err)
	for rows.Next() {
		var s int64
		require.NoError(t, rows.Scan(&s))
		stored = append(stored, s)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, acked, stored, "every acknowledged heartbeat stored once, no refused one")
	var votes, clean int
	require.NoError(t, db.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE state = 'landed' AND error = '') FROM actions WHERE kind = 'vote'`).Scan(&votes, &clean))
	require.Positive(t, votes)
	require.Equal(t, votes, clean, "every vote landed, and once (no DuplicateVote, no AlreadyProcessed)")
}

// A crash between storing a signed vote and sending it: at the restart the prover reads the
// chain first and sends the stored transaction, as it is, once; a stored vote that did land
// before the crash is recorded as landed and not sent again.
func TestPendingVoteResentAfterCrash(t *testing.T) {
	ctx := context.Background()
	e := chaintest.New(t)
	e.InitRegistry(t, solana.NewWallet().PublicKey(), func(p *registry.ConfigParams) {
		fastRegistry(p)
		p.VoteDeadlineSecs = 120 // the windows stay open while the test runs
	})
	unsent := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO)
	sent := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO)
	key := e.Oracles[0]
	window := uint64(e.ChainNow(t))/3 - 1 // ended on chain

	dsn := database(t)
	st, err := store.New(ctx, openDB(t, dsn))
	require.NoError(t, err)
	// what Prover.send stores before it sends: the signed transaction, pending
	stage := func(p chaintest.Provider) (store.Action, *solana.Transaction) {
		ix, err := e.Registry.SubmitProof(key.PublicKey(), p.DeviceKey.PublicKey(), registry.ProofReport{Window: window, UptimeSecs: 1, Challenge: registry.ChallengeNone}, key.PublicKey())
		require.NoError(t, err)
		tx, err := e.Client.Build(ctx, []solana.Instruction{ix}, key.PublicKey())
		require.NoError(t, err)
		_, err = chain.Sign(tx, key)
		require.NoError(t, err)
		raw, err := tx.MarshalBinary()
		require.NoError(t, err)
		a := store.Action{Kind: store.Vote, Device: p.DeviceKey.PublicKey().String(), Window: window, Base: 0, UptimeSecs: 1,
			Signature: tx.Signatures[0].String(), Tx: raw, State: store.Pending}
		require.NoError(t, st.Put(ctx, a))
		return a, tx
	}
	unsentVote, _ := stage(unsent)
	sentVote, tx := stage(sent)
	_, err = e.Client.SendSigned(ctx, tx) // landed; the crash came before its outcome was recorded
	require.NoError(t, err)
	proof := func(p chaintest.Provider) *registry.ProofWindow {
		data, err := e.Client.AccountData(ctx, e.Registry.ProofAddress(e.Registry.DeviceAddress(p.DeviceKey.PublicKey()), window))
		require.NoError(t, err)
		w, err := registry.ParseAccount_ProofWindow(data)
		require.NoError(t, err)
		return w
	}
	require.Equal(t, uint16(1), proof(sent).VotedMask&1)
	_, err = e.Client.AccountData(ctx, e.Registry.ProofAddress(e.Registry.DeviceAddress(unsent.DeviceKey.PublicKey()), window))
	require.ErrorIs(t, err, chain.ErrAccountNotFound, "the unsent vote is not on chain")

	o := start(t, e, key, dsn)
	settled := func(a store.Action) *store.Action {
		var got *store.Action
		require.Eventually(t, func() bool {
			got, err = st.Action(ctx, a.Kind, a.Device, a.Window, a.Base)
			require.NoError(t, err)
			return got.State != store.Pending
		}, 30*time.Second, 50*time.Millisecond)
		return got
	}
	for _, a := range []store.Action{unsentVote, sentVote} {
		got := settled(a)
		require.Equal(t, store.Landed, got.State)
		require.Equal(t, a.Signature, got.Signature, "the stored transaction, not a new one")
		require.Empty(t, got.Error, "sent once: no AlreadyProcessed, no DuplicateVote")
	}
	require.Equal(t, uint16(1), proof(unsent).VotedMask&1)
	sig := solana.MustSignatureFromBase58(unsentVote.Signature)
	require.Nil(t, e.Tx(t, sig).Meta.Err)
	require.Equal(t, 1.0, metric(t, o, `gpunet_oracle_transactions_total{kind="vote",state="landed"}`), "one send (the unsent vote); the landed one only recorded")
}

// A flood of heartbeats from random keys (each signed by its key, as cheap as keys are) costs
// the RPC at most the lookup budget's reads, counted by registry_reads_total: past it they get
// 429 rate_limited while a device already cached is still taken; the public status endpoint
// is limited per client address.
func TestAbuseLimits(t *testing.T) {
	e := chaintest.New(t)
	e.InitRegistry(t, solana.NewWallet().PublicKey(), fastRegistry)
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO)
	o := start(t, e, e.Oracles[0], database(t), "-registry-cache", "1h", "-lookup-burst", "5", "-lookup-every", "1h",
		"-status-burst", "3", "-status-every", "1h", "-rate-every", "1ms")
	dev, me := p.DeviceKey, o.key.PublicKey()
	post(t, o, dev, heartbeat(dev.PublicKey(), me, 1, time.Now())).ack(t) // cached: 1 of the 5 reads

	refused := map[wire.Problem]int{}
	for range 40 {
		k := solana.NewWallet().PrivateKey
		a := post(t, o, k, heartbeat(k.PublicKey(), me, 1, time.Now()))
		if a.status == http.StatusTooManyRequests {
			require.Equal(t, "1", a.retryAfter)
		}
		pr := a.problem(t)
		if pr.Reason == wire.ReasonUnknownDevice {
			pr.Message = ""
		}
		refused[pr]++
		require.Contains(t, []int{http.StatusNotFound, http.StatusTooManyRequests}, a.status)
	}
	require.Equal(t, 4, refused[wire.Problem{Reason: wire.ReasonUnknownDevice}], refused)
	require.Equal(t, 36, refused[wire.Problem{Reason: wire.ReasonRateLimited, Message: "too many registry lookups of new device keys; retry later"}], refused)
	require.Equal(t, 5.0, metric(t, o, `gpunet_oracle_registry_reads_total{account="device"}`))
	post(t, o, dev, heartbeat(dev.PublicKey(), me, 2, time.Now())).ack(t)
	require.Equal(t, 5.0, metric(t, o, `gpunet_oracle_registry_reads_total{account="device"}`))

	for range 3 {
		a, _ := status(t, o, dev.PublicKey().String())
		require.Equal(t, http.StatusOK, a.status)
	}
	a, _ := status(t, o, solana.NewWallet().PublicKey().String())
	require.Equal(t, http.StatusTooManyRequests, a.status)
	require.Equal(t, "1", a.retryAfter)
	require.Equal(t, wire.Problem{Reason: wire.ReasonRateLimited, Message: "too many status requests from this address"}, a.problem(t))
}

// What waiting cannot fix ends the start at once with PostgreSQL's answer: here a database that
// does not exist (a bad migration or password would be the same).
func TestStartRefusesAMissingDatabase(t *testing.T) {
	e := chaintest.New(t)
	e.InitRegistry(t, solana.NewWallet().PublicKey(), fastRegistry)
	path := filepath.Join(t.TempDir(), "oracle.json")
	require.NoError(t, keyfile.Save(path, e.Oracles[0]))
	logs := &harness.Buffer{}
	err := oracle.Run(e.Ctx, []string{"-listen", "127.0.0.1:0", "-api-listen", "127.0.0.1:0", "-url", e.Node.RPCURL,
		"-keypair", path, "-database-url", pgtest.Server().DSN("no_such_database")}, logs)
	require.ErrorContains(t, err, `database "no_such_database" does not exist`)
	require.Nil(t, logLine(logs, "waiting for postgres"), "%s", logs)
}
