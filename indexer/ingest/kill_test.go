package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/indexer/store"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/localnet"
	"github.com/gpunet/gpunet/internal/pg"
	"github.com/gpunet/gpunet/internal/pg/pgtest"
)

// contentColumns are each table's columns that a clean run and a restarted one must agree on:
// all but serial ids.
var contentColumns = map[string]string{
	"ingest_cursors": "program, signature, slot",
	"transactions":   "signature, slot, block_time, fee_payer, err, instructions",
	"instructions":   "signature, position, program, name, accounts, args",
	"events":         "signature, position, slot, block_time, program, name, data",
	"undecoded":      "kind, program, signature, position, address, slot, data, reason",
	"accounts":       "address, program, kind, data, raw, slot",
	"providers":      "address, owner, total_stake, device_count, metadata_uri, created_at, slot",
	"devices":        "address, device_key, provider, owner, status, hardware_model, gpu_count, vram_gib, region, stake, reputation, benchmark_score, proven_uptime_secs, challenges_passed, challenges_failed, slash_count, current_job, registered_at, slot",
	"clusters":       "address, renter, cluster_id, open_jobs, total_jobs, slot",
	"jobs":           "address, renter, cluster, mint, job_id, state, device_count, price_per_hour, duration_secs, deposited, paid_out, fees_treasury, fees_burned, refunded, created_at, started_at, ended_at, slot",
	"job_slots":      "job, slot_index, device, payout, state, joined_at, left_at, verified_secs, paid_secs",
}

// checksums are each table's row count and the MD5 of its sorted rows over contentColumns.
func checksums(t *testing.T, db *pgxpool.Pool) map[string]string {
	out := map[string]string{}
	for table, cols := range contentColumns {
		var n int
		var sum string
		require.NoError(t, db.QueryRow(context.Background(), fmt.Sprintf(
			`SELECT count(*), md5(coalesce(string_agg(r, E'\n' ORDER BY r), '')) FROM (SELECT row(%s)::text AS r FROM %s) x`, cols, table)).Scan(&n, &sum))
		out[table] = fmt.Sprintf("%d rows %s", n, sum)
	}
	return out
}

// indexer is a gpunet-indexer child process.
type indexer struct {
	cmd  *exec.Cmd
	logs *harness.Buffer
}

func launch(t *testing.T, bin string, e *chaintest.Env, dsn string, extra ...string) *indexer {
	logs := &harness.Buffer{}
	cmd := exec.Command(bin, append([]string{"-listen", "127.0.0.1:0", "-api-listen", "127.0.0.1:0", "-url", e.Node.RPCURL, "-ws-url", e.Node.WSURL, "-database-url", dsn, "-log-level", "warn"}, extra...)...)
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start())
	ix := &indexer{cmd: cmd, logs: logs}
	t.Cleanup(func() { ix.kill() })
	return ix
}

// kill is kill -9.
func (ix *indexer) kill() {
	if ix.cmd.ProcessState == nil {
		_ = ix.cmd.Process.Signal(syscall.SIGKILL)
		_ = ix.cmd.Wait()
	}
}

// stop is a clean stop (SIGTERM), which must succeed.
func (ix *indexer) stop(t *testing.T) {
	require.NoError(t, ix.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, ix.cmd.Wait(), "%s", ix.logs)
}

func stored(t *testing.T, db *pgxpool.Pool) int {
	var n int
	require.NoError(t, db.QueryRow(context.Background(), `SELECT count(*) FROM transactions`).Scan(&n))
	return n
}

// waitFor polls until cond, for at most two minutes.
func waitFor(t *testing.T, what string, cond func() bool) {
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "waiting for %s", what)
		time.Sleep(20 * time.Millisecond)
	}
}

// The indexer killed with SIGKILL in the middle of its backfill, and again while it follows
// live transactions, then restarted: every table equals a clean run's, by the checksums of
// their content columns. The runs index at the default commitment (finalized).
func TestKillAndRestartEqualsCleanRun(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "gpunet-indexer")
	build := exec.Command("go", "build", "-o", bin, "github.com/gpunet/gpunet/cmd/gpunet-indexer")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	e := chaintest.New(t, localnet.WithSlotMs(50))
	sc := drive(t, e)
	// More history, so that the backfill takes many batches.
	staked := uint64(0)
	stake := func(n int) {
		for range n {
			staked++ // a new amount each time: the same transaction twice would be one
			require.NoError(t, e.Send([]solana.PrivateKey{sc.provider.Owner},
				chaintest.Must(e.Registry.Stake(sc.provider.Owner.PublicKey(), sc.provider.DeviceKey.PublicKey(), sc.provider.Token, staked))))
		}
	}
	stake(40)
	backfill := len(signatures(t, e))

	dsn, db := database(t)
	slow := []string{"-batch-size", "2", "-batch-wait", "1ms", "-fetchers", "1"}
	ix := launch(t, bin, e, dsn, slow...)
	waitFor(t, "the first batch", func() bool { return stored(t, db) > 0 })
	ix.kill()
	killedAt := stored(t, db)
	t.Logf("killed during the backfill at %d of %d transactions", killedAt, backfill)

	ix = launch(t, bin, e, dsn, slow...)
	waitFor(t, "the backfill", func() bool { return stored(t, db) >= backfill })
	live := make(chan struct{})
	go func() {
		defer close(live)
		stake(30)
	}()
	waitFor(t, "live transactions", func() bool { return stored(t, db) >= backfill+5 })
	ix.kill()
	t.Logf("killed while following at %d transactions", stored(t, db))
	ix = launch(t, bin, e, dsn, slow...)
	<-live
	total := len(signatures(t, e))
	waitFor(t, "every transaction", func() bool { return stored(t, db) >= total })
	ix.stop(t)
	require.Equal(t, total, stored(t, db))

	cleanDSN, clean := database(t)
	api := fmt.Sprintf("127.0.0.1:%d", harness.Port(t))
	ix = launch(t, bin, e, cleanDSN, "-api-listen", api)
	waitFor(t, "the clean run", func() bool { return stored(t, clean) >= total })
	checkPublicListener(t, "http://"+api, clean, sc.provider)
	ix.stop(t)

	got, want := checksums(t, db), checksums(t, clean)
	for _, table := range slices.Sorted(maps.Keys(want)) {
		t.Logf("%-14s %s", table, want[table])
	}
	require.Equal(t, want, got)
	require.True(t, strings.HasPrefix(want["transactions"], fmt.Sprint(total, " rows")))
}

// database is a fresh database's connection string and a pool on it.
func database(t *testing.T) (string, *pgxpool.Pool) {
	ctx := context.Background()
	name, err := pgtest.Server().NewDatabase(ctx)
	require.NoError(t, err)
	pool, err := pg.Open(ctx, pgtest.Server().DSN(name))
	require.NoError(t, err)
	_, err = store.Migrate(ctx, pool) // the indexer finds it migrated, as after any first start
	require.NoError(t, err)
	t.Cleanup(func() {
		pool.Close()
		_ = pgtest.Server().DropDatabase(ctx, name)
	})
	return pgtest.Server().DSN(name), pool
}

// checkPublicListener checks that the daemon serves, on its one public listener, the explorer
// API over its database and, mounted beside it, the Solana Actions (on the chain's own mints:
// p's stake is drawn from its IO account) and the alerts' webhooks.
func checkPublicListener(t *testing.T, base string, db *pgxpool.Pool, p chaintest.Provider) {
	get := func(path string, wantStatus int, out any) http.Header {
		resp, err := http.Get(base + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, wantStatus, resp.StatusCode, "%s: %s", path, body)
		require.NoError(t, json.Unmarshal(body, out), "%s: %s", path, body)
		return resp.Header
	}
	var devices int64
	require.NoError(t, db.QueryRow(context.Background(), `SELECT count(*) FROM devices`).Scan(&devices))
	var stats struct {
		Devices map[string]int64 `json:"devices"`
	}
	get("/v1/stats", http.StatusOK, &stats)
	require.Equal(t, devices, stats.Devices["total"])
	var rules struct {
		Rules []struct{ PathPattern string } `json:"rules"`
	}
	h := get("/actions.json", http.StatusOK, &rules)
	require.NotEmpty(t, rules.Rules)
	require.Equal(t, "*", h.Get("Access-Control-Allow-Origin"))
	resp, err := http.Post(base+"/actions/stake/"+p.Device.String()+"?amount=0.000001", "application/json",
		strings.NewReader(`{"account":"`+p.Owner.PublicKey().String()+`"}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	var staked struct{ Type, Transaction, Message string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&staked))
	require.Equal(t, http.StatusOK, resp.StatusCode, staked.Message)
	require.Equal(t, "transaction", staked.Type)
	require.NotEmpty(t, staked.Transaction)
	var problem struct{ Status int }
	get("/v1/alerts/webhooks", http.StatusBadRequest, &problem)
	require.Equal(t, http.StatusBadRequest, problem.Status)
}
