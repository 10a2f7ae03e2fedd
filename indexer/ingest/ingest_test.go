package ingest_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/indexer/decode"
	"github.com/gpunet/gpunet/indexer/ingest"
	"github.com/gpunet/gpunet/indexer/store"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/pg/pgtest"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
)

const (
	price  = 3_600_000 // IOSD base units per device-hour: 1,000 per second
	perSec = price / 3600
	iosd   = 1_000_000
)

// scenario is what drive did, for the assertions.
type scenario struct {
	provider chaintest.Provider
	job      solana.PublicKey
	cluster  solana.PublicKey
	admin    solana.PrivateKey  // the registry's admin after the handover
	other    chaintest.Provider // in probation, 500 IO of its 3,000 unstaking
	escrow   chaintest.Escrow
}

// drive sends one of each instruction kind the chaintest fixtures reach across the three
// programs: the configs, a provider and its device staked and proven Active, a second device
// unstaking, two clusters (one closed), a job in the first one assigned, accepted, topped up,
// its usage voted and counted, settled (the fee's burn through the economy), and a settle
// that fails (NothingToSettle).
func drive(t *testing.T, e *chaintest.Env) scenario {
	s := e.InitEscrow(t)
	prog := e.Network.Escrow
	p := e.ActiveProvider(t, e.Funded(t))
	other := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 3_000*chaintest.IO)
	require.NoError(t, e.Send([]solana.PrivateKey{other.Owner}, chaintest.Must(e.Registry.RequestUnstake(other.Owner.PublicKey(), other.DeviceKey.PublicKey(), 500*chaintest.IO))))

	require.NoError(t, e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(e.Registry.SetAsks(p.Owner.PublicKey(), p.DeviceKey.PublicKey(), 100, 100))))
	for _, paused := range []bool{true, false} {
		require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, chaintest.Must(e.Registry.SetPause(e.Admin.PublicKey(), paused))))
		require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, chaintest.Must(prog.SetPause(e.Admin.PublicKey(), paused))))
	}

	renter := e.Funded(t)
	token := e.TokenAccount(t, e.IOSDMint, renter.PublicKey(), 100*iosd)
	// A job cancelled while open: its deposit refunded.
	require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(prog.CreateJob(renter.PublicKey(), token, e.IOSDMint,
		onescrow.Terms{JobID: 2, PricePerHour: price, DurationSecs: 10, DeviceCount: 1, Requirements: [32]byte{2}}))))
	require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(prog.CancelJob(renter.PublicKey(), prog.JobAddress(renter.PublicKey(), 2), token, nil))))
	cluster := prog.ClusterAddress(renter.PublicKey(), 7)
	require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(prog.CreateCluster(renter.PublicKey(), 7, [32]byte{7}))))
	require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(prog.CreateCluster(renter.PublicKey(), 8, [32]byte{8}))))
	require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(prog.CloseCluster(renter.PublicKey(), 8))))
	terms := onescrow.Terms{JobID: 1, PricePerHour: price, DurationSecs: 10, DeviceCount: 1, Requirements: [32]byte{1}, Cluster: cluster}
	job := prog.JobAddress(renter.PublicKey(), 1)
	require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(prog.CreateJob(renter.PublicKey(), token, e.IOSDMint, terms))))
	payout := e.TokenAccount(t, e.IOSDMint, p.Owner.PublicKey(), 0)
	require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(prog.AssignDevices(renter.PublicKey(), job, p.Device))))
	require.NoError(t, e.Send([]solana.PrivateKey{renter, p.DeviceKey}, chaintest.Must(prog.AcceptJob(job, p.DeviceKey.PublicKey(), payout, 0))))
	require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(prog.TopUp(renter.PublicKey(), job, token, 5))))

	started, err := prog.FetchJob(e.Ctx, e.Client, job)
	require.NoError(t, err)
	w := uint64(started.StartedAt / s.Params.UsageWindowSecs)
	end := int64(w+1) * s.Params.UsageWindowSecs
	time.Sleep(time.Until(time.Unix(end+1, 0)))
	secs := uint32(end - started.StartedAt)
	for i := range 2 {
		r := escrow.UsageReport{Window: w}
		r.Secs[0] = secs
		require.NoError(t, e.Send([]solana.PrivateKey{renter, e.Oracles[i]}, chaintest.Must(prog.RecordUsage(e.Oracles[i].PublicKey(), job, r))))
	}
	to := onescrow.Payee{Payout: payout, Device: p.Device, Owner: p.Owner.PublicKey()}
	require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(prog.Settle(renter.PublicKey(), job, 0, to, s.TreasuryIOSD, e.IOSDMint))))
	landFailed(t, e, e.Keeper, chaintest.Must(prog.Settle(e.Keeper.PublicKey(), job, 0, to, s.TreasuryIOSD, e.IOSDMint)))
	// The registry's admin hands over (last: the fixtures' admin signs nothing after).
	admin := e.Funded(t)
	require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, chaintest.Must(e.Registry.TransferAdmin(e.Admin.PublicKey(), admin.PublicKey()))))
	require.NoError(t, e.Send([]solana.PrivateKey{admin}, chaintest.Must(e.Registry.AcceptAdmin(admin.PublicKey()))))
	return scenario{provider: p, job: job, cluster: cluster, admin: admin, other: other, escrow: s}
}

// landFailed lands a transaction that fails (no preflight), so the chain records it with its
// error.
func landFailed(t *testing.T, e *chaintest.Env, payer solana.PrivateKey, ix solana.Instruction) {
	tx, err := e.Client.Build(e.Ctx, []solana.Instruction{ix}, payer.PublicKey())
	require.NoError(t, err)
	_, err = chain.Sign(tx, payer)
	require.NoError(t, err)
	raw := rpc.New(e.Node.RPCURL)
	sig, err := raw.SendTransactionWithOpts(e.Ctx, tx, rpc.TransactionOpts{SkipPreflight: true})
	require.NoError(t, err)
	for {
		st, err := raw.GetSignatureStatuses(e.Ctx, false, sig)
		require.NoError(t, err)
		if v := st.Value[0]; v != nil && v.ConfirmationStatus != rpc.ConfirmationStatusProcessed {
			require.NotNil(t, v.Err)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// signatures lists every transaction of the three programs the chain has.
func signatures(t *testing.T, e *chaintest.Env) map[string]bool {
	all := map[string]bool{}
	for _, id := range []solana.PublicKey{e.Network.IDs.Registry, e.Network.IDs.Escrow, e.Network.IDs.Economy} {
		require.NoError(t, e.Client.History(e.Ctx, id, solana.Signature{}, func(_ context.Context, ev chain.Event) error {
			all[ev.Signature.String()] = true
			return nil
		}))
	}
	return all
}

// waitStored waits until the store holds every one of want's transactions.
func waitStored(t *testing.T, db *pgxpool.Pool, want int) {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var n int
		require.NoError(t, db.QueryRow(context.Background(), `SELECT count(*) FROM transactions`).Scan(&n))
		if n >= want {
			require.Equal(t, want, n)
			return
		}
		require.True(t, time.Now().Before(deadline), "stored %d of %d transactions", n, want)
		time.Sleep(100 * time.Millisecond)
	}
}

func counts(t *testing.T, db *pgxpool.Pool, query string) map[string]int {
	rows, err := db.Query(context.Background(), query)
	require.NoError(t, err)
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		require.NoError(t, rows.Scan(&k, &n))
		out[k] = n
	}
	require.NoError(t, rows.Err())
	return out
}

func ids(e *chaintest.Env) decode.Programs {
	return decode.Programs{Registry: e.Network.IDs.Registry, Escrow: e.Network.IDs.Escrow, Economy: e.Network.IDs.Economy}
}

// startIngester runs an ingester at confirmed commitment until the test ends.
func startIngester(t *testing.T, e *chaintest.Env, db *pgxpool.Pool) {
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.New(ctx, db)
	require.NoError(t, err)
	done := startIngesterB(t, e, st, ctx)
	t.Cleanup(func() {
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
	})
}

// startIngesterB runs an ingester at confirmed commitment until ctx ends, which done reports.
func startIngesterB(t harness.TB, e *chaintest.Env, st *store.Store, ctx context.Context) <-chan error {
	c := chain.New(e.Node.RPCURL, chain.WithWebsocket(e.Node.WSURL), chain.WithCommitment(rpc.CommitmentConfirmed))
	in, err := ingest.New(ingest.DefaultConfig(), ingest.ChainSource{Client: c, Poll: 100 * time.Millisecond},
		st, ids(e), slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), nil)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	return done
}

// Every instruction kind the fixtures reach, then the indexer: each transaction stored once
// with its instructions, events and the accounts it wrote, exactly.
func TestIngestEveryInstruction(t *testing.T) {
	e := chaintest.New(t)
	db := pgtest.DB(t)
	sc := drive(t, e)
	want := signatures(t, e)
	startIngester(t, e, db)
	waitStored(t, db, len(want))
	ctx := context.Background()

	ixs := counts(t, db, `SELECT program || '.' || name, count(*) FROM instructions GROUP BY 1`)
	evs := counts(t, db, `SELECT program || '.' || name, count(*) FROM events GROUP BY 1`)
	require.Equal(t, map[string]int{
		"registry.initialize_config": 1, "registry.register_provider": 2, "registry.register_device": 2, "registry.stake": 2,
		"registry.submit_proof": 4, "registry.request_unstake": 1, "registry.set_device_job": 1, // set_device_job: the escrow's CPI
		"registry.set_asks": 1, "registry.set_pause": 2, "registry.transfer_admin": 1, "registry.accept_admin": 1,
		"economy.initialize": 1, "economy.burn_fee": 1, // burn_fee: the escrow's CPI in settle
		"escrow.initialize_config": 1, "escrow.create_cluster": 2, "escrow.close_cluster": 1, "escrow.create_job": 2,
		"escrow.cancel_job": 1, "escrow.set_pause": 2, "escrow.assign_devices": 1, "escrow.accept_job": 1, "escrow.top_up": 1, "escrow.record_usage": 2,
		"escrow.settle": 2, // one failed
	}, ixs)
	require.Equal(t, map[string]int{
		"registry.ConfigInitialized": 1, "registry.ProviderRegistered": 2, "registry.DeviceRegistered": 2, "registry.Staked": 2,
		"registry.ProofRecorded": 4, "registry.ProofCounted": 2, "registry.DeviceStatusChanged": 2, "registry.UnstakeRequested": 1,
		"registry.DeviceJobSet": 1, "registry.AsksSet": 1, "registry.PauseSet": 2, "registry.AdminTransferStarted": 1, "registry.AdminTransferred": 1,
		"economy.ConfigInitialized": 1, "economy.FeeBurned": 1,
		"escrow.ConfigInitialized": 1, "escrow.ClusterCreated": 2, "escrow.ClusterClosed": 1, "escrow.JobCreated": 2,
		"escrow.JobEnded": 1, "escrow.PauseSet": 2,
		"escrow.DeviceAssigned": 1, "escrow.DeviceAccepted": 1, "escrow.JobStarted": 1, "escrow.JobToppedUp": 1,
		"escrow.UsageVoted": 2, "escrow.UsageCounted": 1, "escrow.Settled": 1,
	}, evs)
	require.Equal(t, map[string]int{}, counts(t, db, `SELECT kind || ' ' || reason, count(*) FROM undecoded GROUP BY 1`))

	// An instruction's arguments and named accounts; a spec with its padding dropped.
	var args, accounts string
	require.NoError(t, db.QueryRow(ctx, `SELECT args::text, accounts::text FROM instructions WHERE name = 'register_device' AND accounts->>'device' = $1`,
		sc.provider.Device.String()).Scan(&args, &accounts))
	require.JSONEq(t, `{"spec": {"hardwareModel": 3, "vramGib": 80, "gpuCount": 1, "region": 276, "bandwidthTier": 1}, "vaultBump": `+
		fmt.Sprint(vaultBump(e, sc.provider.Device))+`}`, args)
	t.Logf("register_device accounts %s", accounts)

	// The failed settle: stored with its error, its instruction, no event.
	var failed int
	require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM transactions WHERE err IS NOT NULL AND instructions = '{escrow.settle}'`).Scan(&failed))
	require.Equal(t, 1, failed)
	require.Equal(t, map[string]int{}, counts(t, db, `SELECT e.name, count(*) FROM events e JOIN transactions t USING (signature) WHERE t.err IS NOT NULL GROUP BY 1`))

	// The device's typed row equals the chain's account.
	d := e.Device(t, sc.provider)
	var status, model, gpus, region, reputation int
	var stake, owner, job string
	require.NoError(t, db.QueryRow(ctx, `SELECT status, hardware_model, gpu_count, region, reputation, stake::text, owner, coalesce(current_job, '')
		FROM devices WHERE address = $1`, sc.provider.Device.String()).Scan(&status, &model, &gpus, &region, &reputation, &stake, &owner, &job))
	require.Equal(t, []any{int(d.Status), int(d.Spec.HardwareModel), int(d.Spec.GpuCount), int(d.Spec.Region), int(d.Reputation), u(2000 * chaintest.IO), sc.provider.Owner.PublicKey().String(), sc.job.String()},
		[]any{status, model, gpus, region, reputation, stake, owner, job})

	// The job's amounts equal the chain's.
	j, err := e.Network.Escrow.FetchJob(e.Ctx, e.Client, sc.job)
	require.NoError(t, err)
	var deposited, paid, feeT, feeB, refunded, cluster string
	require.NoError(t, db.QueryRow(ctx, `SELECT deposited::text, paid_out::text, fees_treasury::text, fees_burned::text, refunded::text, cluster FROM jobs WHERE address = $1`,
		sc.job.String()).Scan(&deposited, &paid, &feeT, &feeB, &refunded, &cluster))
	require.Equal(t, uint64(15*perSec), j.Deposited)
	require.NotZero(t, j.FeesBurned)
	require.Equal(t, []string{"15000", u(j.PaidOut), u(j.FeesTreasury), u(j.FeesBurned), "0", sc.cluster.String()}, []string{deposited, paid, feeT, feeB, refunded, cluster})
	var slotDevice, verified string
	require.NoError(t, db.QueryRow(ctx, `SELECT device, verified_secs::text FROM job_slots WHERE job = $1 AND slot_index = 0`, sc.job.String()).Scan(&slotDevice, &verified))
	require.Equal(t, []string{sc.provider.Device.String(), u(j.Slots[0].VerifiedSecs)}, []string{slotDevice, verified})

	// The burn: the economy's FeeBurned event with the job's burned fee.
	var burned string
	require.NoError(t, db.QueryRow(ctx, `SELECT data->>'amount' FROM events WHERE program = 'economy' AND name = 'FeeBurned'`).Scan(&burned))
	require.Equal(t, u(j.FeesBurned), burned)

	// The closed cluster has no row; the open one counts its job.
	require.Equal(t, map[string]int{sc.cluster.String(): 1}, counts(t, db, `SELECT address, total_jobs FROM clusters`))
}

func vaultBump(e *chaintest.Env, device solana.PublicKey) uint8 {
	_, bump, err := registry.FindVaultAddress(e.Network.IDs.Registry, device)
	if err != nil {
		panic(err)
	}
	return bump
}

func u(v uint64) string { return strconvU(v) }

func strconvU(v uint64) string { return fmt.Sprint(v) }
