package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/pg"
	"github.com/gpunet/gpunet/internal/pg/pgtest"
)

// indexer is a gpunet-indexer that follows TestNetwork from its start, at confirmed commitment.
type indexer struct {
	proc *proc
	api  string
	db   *pgxpool.Pool
}

func startIndexer(t *testing.T, e *chaintest.Env) *indexer {
	ctx := context.Background()
	name, err := pgtest.Server().NewDatabase(ctx)
	require.NoError(t, err)
	db, err := pg.Open(ctx, pgtest.Server().DSN(name))
	require.NoError(t, err)
	t.Cleanup(db.Close)
	dir := t.TempDir()
	ops, api := fmt.Sprintf("127.0.0.1:%d", harness.Port(t)), fmt.Sprintf("127.0.0.1:%d", harness.Port(t))
	p := launch(t, "gpunet-indexer", filepath.Join(dir, "indexer.log"), "-listen", ops, "-api-listen", api, "-url", e.Node.RPCURL, "-ws-url", e.Node.WSURL,
		"-database-url", pgtest.Server().DSN(name), "-commitment", "confirmed")
	waitHealthy(t, p, "http://"+ops)
	return &indexer{proc: p, api: "http://" + api, db: db}
}

// programSignatures are the signatures of every transaction that mentions one of the programs.
func programSignatures(t *testing.T, e *chaintest.Env) map[solana.Signature]bool {
	client := rpc.New(e.Node.RPCURL)
	all := map[solana.Signature]bool{}
	for _, program := range []solana.PublicKey{e.Network.IDs.Registry, e.Network.IDs.Escrow, e.Network.IDs.Economy} {
		limit := 1000
		opts := rpc.GetSignaturesForAddressOpts{Limit: &limit, Commitment: rpc.CommitmentConfirmed}
		for {
			page, err := client.GetSignaturesForAddressWithOpts(e.Ctx, program, &opts)
			require.NoError(t, err)
			for _, s := range page {
				all[s.Signature] = true
			}
			if len(page) < limit {
				break
			}
			opts.Before = page[len(page)-1].Signature
		}
	}
	return all
}

// mirrorsTheChain checks, once the network is quiet, that the indexer stored every transaction
// of the three programs exactly once, decoded everything, and that its typed copies and its
// explorer API say what the chain's accounts say.
func (ix *indexer) mirrorsTheChain(t *testing.T, e *chaintest.Env) {
	ctx := context.Background()
	sigs := programSignatures(t, e)
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, ix.db.QueryRow(ctx, `SELECT count(*) FROM transactions`).Scan(&n))
		return n >= len(sigs)
	}, time.Minute, 100*time.Millisecond, "the indexer has not stored the %d transactions", len(sigs))
	var stored []string
	rows, err := ix.db.Query(ctx, `SELECT signature FROM transactions`)
	require.NoError(t, err)
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		stored = append(stored, s)
	}
	require.NoError(t, rows.Err())
	want := make([]string, 0, len(sigs))
	for s := range sigs {
		want = append(want, s.String())
	}
	require.ElementsMatch(t, want, stored, "every transaction of the programs, once")
	var undecoded int
	require.NoError(t, ix.db.QueryRow(ctx, `SELECT count(*) FROM undecoded`).Scan(&undecoded))
	require.Zero(t, undecoded)

	kinds := map[string]int{}
	rows, err = ix.db.Query(ctx, `SELECT program || '.' || name, count(*) FROM instructions GROUP BY 1`)
	require.NoError(t, err)
	for rows.Next() {
		var k string
		var n int
		require.NoError(t, rows.Scan(&k, &n))
		kinds[k] = n
	}
	require.NoError(t, rows.Err())
	t.Logf("indexed %d transactions; instructions by kind: %v", len(stored), kinds)
	for _, k := range networkInstructions {
		require.Positive(t, kinds[k], "%s indexed", k)
	}

	// Every Device account's typed row equals the account.
	devices, err := e.Registry.Devices(ctx, e.Client)
	require.NoError(t, err)
	for _, d := range devices {
		var status, reputation int
		var stake, proven uint64
		var job *string
		require.NoError(t, ix.db.QueryRow(ctx, `SELECT status, reputation, stake, proven_uptime_secs, current_job FROM devices WHERE address = $1`, d.Address.String()).
			Scan(&status, &reputation, &stake, &proven, &job), d.Address)
		require.Equal(t, []any{int(d.Device.Status), int(d.Device.Reputation), d.Device.Stake, d.Device.ProvenUptimeSecs},
			[]any{status, reputation, stake, proven}, d.Address)
		require.Equal(t, d.Device.CurrentJob.IsZero(), job == nil, d.Address)
	}
	// The jobs table holds exactly the Job accounts still open (a closed job's row is gone with
	// its account), and each one's money equals its row and the explorer API's answer.
	jobs, err := e.Client.ProgramAccounts(ctx, e.Network.IDs.Escrow, chain.Memcmp(0, escrow.Account_Job[:]))
	require.NoError(t, err)
	var onChain, jobRows []string
	for _, a := range jobs {
		onChain = append(onChain, a.Address.String())
	}
	rows, err = ix.db.Query(ctx, `SELECT address FROM jobs`)
	require.NoError(t, err)
	for rows.Next() {
		var a string
		require.NoError(t, rows.Scan(&a))
		jobRows = append(jobRows, a)
	}
	require.NoError(t, rows.Err())
	require.ElementsMatch(t, onChain, jobRows)
	for _, a := range jobs {
		j, err := escrow.ParseAccount_Job(a.Data)
		require.NoError(t, err)
		var paid, refunded, treasury, burned uint64
		var state int
		require.NoError(t, ix.db.QueryRow(ctx, `SELECT paid_out, refunded, fees_treasury, fees_burned, state FROM jobs WHERE address = $1`, a.Address.String()).
			Scan(&paid, &refunded, &treasury, &burned, &state), a.Address)
		require.Equal(t, []uint64{j.PaidOut, j.Refunded, j.FeesTreasury, j.FeesBurned, uint64(j.State)}, []uint64{paid, refunded, treasury, burned, uint64(state)}, a.Address)
		var answer struct {
			PaidOut  string `json:"paid_out"`
			Refunded string `json:"refunded"`
		}
		getJSON(t, ix.api+"/v1/jobs/"+a.Address.String(), &answer)
		require.Equal(t, []string{fmt.Sprint(j.PaidOut), fmt.Sprint(j.Refunded)}, []string{answer.PaidOut, answer.Refunded}, a.Address)
	}
	var stats struct {
		Devices map[string]int64 `json:"devices"`
	}
	getJSON(t, ix.api+"/v1/stats", &stats)
	require.Equal(t, int64(len(devices)), stats.Devices["total"])
}

// networkInstructions are the instruction kinds TestNetwork's provider and renter loops send
// (the indexer's own test drives the configuration, staking and admin kinds).
var networkInstructions = []string{
	"registry.submit_proof", "registry.count_proof", "registry.slash", "registry.finalize_slash", "registry.set_device_job",
	"escrow.create_job", "escrow.assign_devices", "escrow.accept_job", "escrow.record_usage", "escrow.settle",
	"escrow.replace_device", "escrow.cancel_job", "escrow.close_job", "economy.advance_epoch", "economy.submit_rewards", "economy.burn_fee",
}

// getJSON decodes a 200 answer of url into out.
func getJSON(t *testing.T, url string, out any) {
	code, body := get(url)
	require.Equal(t, http.StatusOK, code, "%s: %s", url, body)
	require.NoError(t, json.Unmarshal(body, out), "%s: %s", url, body)
}
