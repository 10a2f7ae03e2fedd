package registry_test

import (
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	onregistry "github.com/gpunet/gpunet/onchain/registry"
)

// BenchmarkComputeUnits sends every registry instruction once on the localnet, through a
// whole lifecycle, and reports its compute units: the total, and the program's own share
// (the total less the invoked programs' consumption and the 946-CU base of each CPI). A
// plain SPL Token transfer measured in the same run is the reference point.
func BenchmarkComputeUnits(b *testing.B) {
	e := newEnv(b)
	measure := chaintest.NewCUTable(e.Env, b).Measure
	params := e.params()
	admin, owner := e.Admin, e.Funded(b)
	measure("initialize_config", []solana.PrivateKey{admin}, chaintest.Must(e.Registry.InitializeConfig(admin.PublicKey(), e.IOMint, e.IOSDMint, params, chaintest.RegistryLimits())))
	measure("update_config (at once)", []solana.PrivateKey{admin}, chaintest.Must(e.Registry.UpdateConfig(admin.PublicKey(), params)))
	measure("transfer_admin", []solana.PrivateKey{admin}, chaintest.Must(e.Registry.TransferAdmin(admin.PublicKey(), admin.PublicKey())))
	measure("accept_admin", []solana.PrivateKey{admin}, chaintest.Must(e.Registry.AcceptAdmin(admin.PublicKey())))
	measure("set_pause", []solana.PrivateKey{admin}, chaintest.Must(e.Registry.SetPause(admin.PublicKey(), false)))

	p := chaintest.Provider{Owner: owner, DeviceKey: solana.NewWallet().PrivateKey}
	p.Token = e.TokenAccount(b, e.IOMint, owner.PublicKey(), 10_000*chaintest.IO)
	p.Device = e.Registry.DeviceAddress(p.DeviceKey.PublicKey())
	o, k := owner.PublicKey(), p.DeviceKey.PublicKey()
	measure("register_provider", []solana.PrivateKey{owner}, chaintest.Must(e.Registry.RegisterProvider(o, "https://provider.example/meta.json")))
	measure("register_device", []solana.PrivateKey{owner, p.DeviceKey}, chaintest.Must(e.Registry.RegisterDevice(o, k, e.IOMint, chaintest.H100)))
	measure("stake", []solana.PrivateKey{owner}, chaintest.Must(e.Registry.Stake(o, k, p.Token, 3_000*chaintest.IO)))
	measure("set_asks", []solana.PrivateKey{owner}, chaintest.Must(e.Registry.SetAsks(o, k, 450, 1_200_000)))

	oracle := func(i int, window uint64, uptime uint32, payer int) solana.Instruction {
		return chaintest.Must(e.Registry.SubmitProof(e.Oracles[i].PublicKey(), k, report(window, uptime, 500, registry.ChallengePassed), e.Oracles[payer].PublicKey()))
	}
	// a short deadline, so a window that never agrees can be counted by count_proof: a delayed
	// change, proposed and applied
	deadline := params
	deadline.VoteDeadlineSecs = 6
	measure("update_config (proposed)", []solana.PrivateKey{admin}, chaintest.Must(e.Registry.UpdateConfig(admin.PublicKey(), deadline)))
	rc, err := e.Registry.FetchConfig(e.Ctx, e.Client)
	require.NoError(b, err)
	e.WaitChainTime(b, rc.PendingAppliesAt)
	measure("apply_config", []solana.PrivateKey{owner}, chaintest.Must(e.Registry.ApplyConfig()))
	disputed := chaintest.PastWindow(0)
	require.NoError(b, e.Send([]solana.PrivateKey{e.Oracles[2]}, oracle(2, disputed, 0, 2)))
	require.NoError(b, e.Send([]solana.PrivateKey{e.Oracles[0]}, oracle(0, disputed, 2, 2))) // disagrees: waits for the deadline
	time.Sleep(time.Until(time.Unix(int64(disputed+1)*params.ProofWindowSecs+deadline.VoteDeadlineSecs+1, 0)))
	measure("count_proof (undecided)", []solana.PrivateKey{owner}, chaintest.Must(e.Registry.CountProof(k, disputed, e.Oracles[2].PublicKey())))
	e.UpdateRegistry(b, params)

	lonely, counted := chaintest.PastWindow(4), chaintest.PastWindow(3)
	require.NoError(b, e.Send([]solana.PrivateKey{e.Oracles[2]}, oracle(2, lonely, 2, 2))) // never reaches its quorum
	measure("submit_proof (first vote)", []solana.PrivateKey{e.Oracles[0]}, oracle(0, counted, 2, 0))
	measure("submit_proof (counting)", []solana.PrivateKey{e.Oracles[1]}, oracle(1, counted, 2, 0))
	measure("submit_proof (late report)", []solana.PrivateKey{e.Oracles[2]}, oracle(2, counted, 2, 0))
	measure("close_stale_proof", []solana.PrivateKey{owner}, chaintest.Must(e.Registry.CloseStaleProof(k, lonely, e.Oracles[2].PublicKey())))
	e.ProveUptime(b, owner, p, chaintest.PastWindow(2), 2) // 4 s proven: out of probation
	job := solana.NewWallet().PublicKey()
	measure("set_device_job (hire)", []solana.PrivateKey{e.escrow}, chaintest.Must(e.Registry.HireDevice(e.escrow.PublicKey(), k, job)))
	measure("set_device_job (release)", []solana.PrivateKey{e.escrow}, chaintest.Must(e.Registry.ReleaseDevice(e.escrow.PublicKey(), k, job)))

	measure("request_unstake (new)", []solana.PrivateKey{owner}, chaintest.Must(e.Registry.RequestUnstake(o, k, 100*chaintest.IO)))
	measure("request_unstake (add)", []solana.PrivateKey{owner}, chaintest.Must(e.Registry.RequestUnstake(o, k, 101*chaintest.IO)))
	time.Sleep(time.Duration(params.UnstakeCooldownSecs)*time.Second + 500*time.Millisecond)
	measure("withdraw_unstaked", []solana.PrivateKey{owner}, chaintest.Must(e.Registry.WithdrawUnstaked(o, k, p.Token)))

	first, second := evidenceOf("bench 1"), evidenceOf("bench 2")
	keeper := e.Keeper.PublicKey()
	_, bump, err := solana.FindProgramAddress([][]byte{[]byte("slash"), p.Device[:], first[:]}, e.Registry.ID)
	require.NoError(b, err)
	b.Logf("slash: %d bump tries at 1,500 CU", 256-int(bump))
	measure("slash", e.slashSigners(), e.oracleSlashIx(p, registry.OffenceDowntime, first))
	measure("resolve_appeal", []solana.PrivateKey{admin}, chaintest.Must(e.Registry.ResolveAppeal(admin.PublicKey(), o, k, first, keeper)))
	require.NoError(b, e.Send(e.slashSigners(), e.oracleSlashIx(p, registry.OffenceFailedChallenge, second)))
	time.Sleep(time.Duration(params.AppealWindowSecs)*time.Second + 500*time.Millisecond)
	measure("finalize_slash", []solana.PrivateKey{owner}, chaintest.Must(e.Registry.FinalizeSlash(k, second, e.IOMint, e.Treasury, e.Pool, keeper)))

	d := e.Device(b, p)
	require.NoError(b, e.Send([]solana.PrivateKey{owner}, chaintest.Must(e.Registry.RequestUnstake(o, k, d.Stake))))
	time.Sleep(time.Duration(params.UnstakeCooldownSecs)*time.Second + 500*time.Millisecond)
	require.NoError(b, e.Send([]solana.PrivateKey{owner}, chaintest.Must(e.Registry.WithdrawUnstaked(o, k, p.Token))))
	measure("deregister_device", []solana.PrivateKey{owner}, chaintest.Must(e.Registry.DeregisterDevice(o, k, p.Token)))

	measure("spl_token_transfer", []solana.PrivateKey{owner}, token.NewTransferInstruction(1, p.Token, e.Treasury, o, nil).Build())
}

// BenchmarkComputeUnitsJobSlash measures slash naming the escrow Job the device is hired on
// (the job's escrow proven by its authority PDA, its slots scanned) and finalize_slash paying
// the job's renter, on a localnet whose registry trusts the real escrow (chaintest.InitEscrow).
func BenchmarkComputeUnitsJobSlash(b *testing.B) {
	e := &env{Env: chaintest.New(b)}
	e.InitEscrow(b)
	measure := chaintest.NewCUTable(e.Env, b).Measure
	renter := e.Funded(b)
	p := e.ActiveProvider(b, renter)
	job := e.runningJob(b, renter, e.TokenAccount(b, e.IOSDMint, renter.PublicKey(), 100_000_000), p)
	renterIO := e.TokenAccount(b, e.IOMint, renter.PublicKey(), 0)
	ev, plain := evidenceOf("bench: job abandoned"), evidenceOf("bench: downtime")
	// the record's canonical bump costs 1,500 CU a try, and the tries differ by address: log
	// them, so the two slashes compare net of the search
	for name, evidence := range map[string][32]byte{"with a job": ev, "no job": plain} {
		_, bump, err := solana.FindProgramAddress([][]byte{[]byte("slash"), p.Device[:], evidence[:]}, e.Registry.ID)
		require.NoError(b, err)
		b.Logf("slash (%s): %d bump tries", name, 256-int(bump))
	}
	measure("slash (with a job)", e.slashSigners(), chaintest.Must(e.Registry.SlashJob(e.Keeper.PublicKey(), p.Owner.PublicKey(), p.DeviceKey.PublicKey(), e.IOMint,
		onregistry.AbandonedJob{Job: job, Escrow: e.Network.Escrow.ID}, registry.OffenceJobAbandonment, ev, e.Oracles[0].PublicKey(), e.Oracles[1].PublicKey())))
	measure("slash (no job, same device)", e.slashSigners(), e.oracleSlashIx(p, registry.OffenceDowntime, plain))
	e.WaitChainTime(b, e.slashRecord(b, p, ev).AppealDeadline)
	measure("finalize_slash (to the renter)", []solana.PrivateKey{renter}, chaintest.Must(e.Registry.FinalizeSlash(p.DeviceKey.PublicKey(), ev, e.IOMint, e.Treasury, renterIO, e.Keeper.PublicKey())))
}
