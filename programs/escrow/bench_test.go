package escrow_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// BenchmarkComputeUnits sends every escrow instruction once on the localnet, through the
// lifecycles of a 4-device job (completed) and a 1-device job (cancelled after a replacement),
// and reports its compute units: the total, and the program's own share (the total less the
// invoked programs' consumption and the 946-CU base of each CPI).
func BenchmarkComputeUnits(b *testing.B) {
	e := newUninitializedEnv(b)
	measure := chaintest.NewCUTable(e.Env, b).Measure
	admin := e.Admin
	measure("initialize_config", []solana.PrivateKey{admin}, e.initialize())
	measure("update_config (at once)", []solana.PrivateKey{admin}, chaintest.Must(e.prog.UpdateConfig(admin.PublicKey(), e.params)))
	raised := e.edited(func(p *escrow.ConfigParams) { p.FeeBps = e.limits.MaxFeeBps })
	measure("update_config (proposes)", []solana.PrivateKey{admin}, chaintest.Must(e.prog.UpdateConfig(admin.PublicKey(), raised)))
	measure("set_pause", []solana.PrivateKey{admin}, chaintest.Must(e.prog.SetPause(admin.PublicKey(), false)))

	r := e.newRenter(b, 1_000*iosd)
	rk := r.key.PublicKey()
	measure("create_cluster", []solana.PrivateKey{r.key}, chaintest.Must(e.prog.CreateCluster(rk, 1, [32]byte{1})))
	big := terms(1, 4, 8)
	big.Cluster = e.prog.ClusterAddress(rk, 1)
	measure("create_job (4 devices, cluster)", []solana.PrivateKey{r.key}, chaintest.Must(e.prog.CreateJob(rk, r.token, e.IOSDMint, big)))
	j := job{addr: e.prog.JobAddress(rk, 1), id: 1, renter: r}
	measure("top_up", []solana.PrivateKey{r.key}, chaintest.Must(e.prog.TopUp(rk, j.addr, r.token, 4)))
	devices := make([]solana.PublicKey, 4)
	for i := range devices {
		p := e.ActiveProvider(b, r.key)
		j.providers = append(j.providers, p)
		j.payouts = append(j.payouts, e.TokenAccount(b, e.IOSDMint, p.Owner.PublicKey(), 0))
		devices[i] = p.Device
	}
	measure("assign_devices (4)", []solana.PrivateKey{r.key}, chaintest.Must(e.prog.AssignDevices(rk, j.addr, devices...)))
	accept := func(i int) solana.Instruction {
		return chaintest.Must(e.prog.AcceptJob(j.addr, j.providers[i].DeviceKey.PublicKey(), j.payouts[i], uint8(i)))
	}
	for i := 0; i < 3; i++ {
		require.NoError(b, e.Send([]solana.PrivateKey{r.key, j.providers[i].DeviceKey}, accept(i)))
	}
	measure("accept_job (starts the job)", []solana.PrivateKey{r.key, j.providers[3].DeviceKey}, accept(3))

	started := e.job(b, j)
	w := e.endedWindow(started.StartedAt)
	secs := capAt(started, started.Slots[0], e.windowEnd(w))
	report := escrow.UsageReport{Window: w}
	for i := 0; i < 4; i++ {
		report.Secs[i] = secs
	}
	vote := func(i int) solana.Instruction {
		return chaintest.Must(e.prog.RecordUsage(e.Oracles[i].PublicKey(), j.addr, report))
	}
	measure("record_usage (first vote)", []solana.PrivateKey{r.key, e.Oracles[0]}, vote(0))
	measure("record_usage (counting, 4)", []solana.PrivateKey{r.key, e.Oracles[1]}, vote(1))
	measure("settle", []solana.PrivateKey{e.Keeper}, e.settleIx(e.Keeper.PublicKey(), j.addr, 0, j.payouts[0], e.treasuryIOSD, e.IOSDMint))
	// Providers 1 and 2 closed their payout accounts: their pay waits in Unclaimed records.
	for i := 1; i < 3; i++ {
		owner := j.providers[i].Owner
		require.NoError(b, e.Send([]solana.PrivateKey{owner}, token.NewCloseAccountInstruction(j.payouts[i], owner.PublicKey(), owner.PublicKey(), nil).Build()))
	}
	measure("settle (unclaimed: new record and vault)", []solana.PrivateKey{e.Keeper}, e.settleIx(e.Keeper.PublicKey(), j.addr, 1, j.payouts[1], e.treasuryIOSD, e.IOSDMint))
	measure("settle (unclaimed: new record)", []solana.PrivateKey{e.Keeper}, e.settleIx(e.Keeper.PublicKey(), j.addr, 2, j.payouts[2], e.treasuryIOSD, e.IOSDMint))
	_, err := e.settle(j, 3, j.payouts[3])
	require.NoError(b, err)
	p1 := j.providers[1].Owner
	measure("collect_unclaimed", []solana.PrivateKey{p1}, chaintest.Must(e.prog.CollectUnclaimed(p1.PublicKey(), e.IOSDMint, e.freshTokenAccount(b, p1), e.Keeper.PublicKey())))
	for i := 1; i < 3; i++ { // their payout accounts again, for the next job
		require.Equal(b, j.payouts[i], e.TokenAccount(b, e.IOSDMint, j.providers[i].Owner.PublicKey(), 0))
	}
	owner := j.providers[0].Owner
	measure("set_payout", []solana.PrivateKey{owner}, chaintest.Must(e.prog.SetPayout(owner.PublicKey(), j.addr, devices[0], j.payouts[0], 0)))
	waitUntil(started.StartedAt + started.DurationSecs)
	measure("apply_config", []solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.ApplyConfig())) // its delay (2 s) is over
	measure("expire_job (completes, 4)", []solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.ExpireJob(j.addr, r.token, e.hired(b, j))))
	// One vote for the last window, counted as it is after its deadline.
	last := e.endedWindow(e.job(b, j).EndedAt - 1)
	_, err = e.vote(j, 0, last, secs)
	require.NoError(b, err)
	waitUntil(e.windowEnd(last) + voteDeadline)
	measure("count_usage (4)", []solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.CountUsage(j.addr)))
	waitUntil(e.job(b, j).EndedAt + e.params.UsageGraceSecs)
	measure("close_job (cluster)", []solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.CloseJob(j.addr, rk, r.token, big.Cluster)))
	measure("close_cluster", []solana.PrivateKey{r.key}, chaintest.Must(e.prog.CloseCluster(rk, 1)))

	// A 1-device job: a replacement, a quit, a cancel.
	small := e.createJob(b, 1, 60)
	small.providers, small.payouts = j.providers[:2], j.payouts[:2]
	sk := small.renter.key.PublicKey()
	require.NoError(b, e.Send([]solana.PrivateKey{small.renter.key}, chaintest.Must(e.prog.AssignDevices(sk, small.addr, devices[0]))))
	_, err = e.accept(small, 0, 0)
	require.NoError(b, err)
	measure("replace_device", []solana.PrivateKey{small.renter.key}, chaintest.Must(e.prog.ReplaceDevice(sk, small.addr, 0, devices[0], devices[1])))
	_, err = e.accept(small, 1, 1)
	require.NoError(b, err)
	measure("quit_job", []solana.PrivateKey{small.renter.key, small.providers[1].DeviceKey},
		chaintest.Must(e.prog.QuitJob(small.addr, small.providers[1].DeviceKey.PublicKey(), 1)))
	require.NoError(b, e.Send([]solana.PrivateKey{small.renter.key}, chaintest.Must(e.prog.AssignDevices(sk, small.addr, devices[2]))))
	small.providers, small.payouts = j.providers[:3], j.payouts[:3]
	_, err = e.accept(small, 2, 2)
	require.NoError(b, err)
	measure("cancel_job (1)", []solana.PrivateKey{small.renter.key}, chaintest.Must(e.prog.CancelJob(sk, small.addr, small.renter.token, e.hired(b, small))))
}
