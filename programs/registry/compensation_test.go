package registry_test

import (
	"path/filepath"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/localnet"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
	onregistry "github.com/gpunet/gpunet/onchain/registry"
)

// slashJobPrice is the test jobs' price per device-hour in IOSD base units.
const slashJobPrice = 3_600_000 // 3.6 IOSD per device-hour

// runningJob is renter's IOSD job 1 on the devices ps, every one accepted (slot i: ps[i]),
// paid from renterIOSD: it is Running.
func (e *env) runningJob(t testing.TB, renter solana.PrivateKey, renterIOSD solana.PublicKey, ps ...chaintest.Provider) solana.PublicKey {
	esc := e.Network.Escrow
	job := esc.JobAddress(renter.PublicKey(), 1)
	devices := make([]solana.PublicKey, len(ps))
	for i, p := range ps {
		devices[i] = p.Device
	}
	require.NoError(t, e.Send([]solana.PrivateKey{renter},
		chaintest.Must(esc.CreateJob(renter.PublicKey(), renterIOSD, e.IOSDMint, onescrow.Terms{JobID: 1, PricePerHour: slashJobPrice, DurationSecs: 600, DeviceCount: uint8(len(ps)), Requirements: [32]byte{1}})),
		chaintest.Must(esc.AssignDevices(renter.PublicKey(), job, devices...))))
	for slot, p := range ps {
		payout := e.TokenAccount(t, e.IOSDMint, p.Owner.PublicKey(), 0)
		require.NoError(t, e.Send([]solana.PrivateKey{renter, p.DeviceKey}, chaintest.Must(esc.AcceptJob(job, p.DeviceKey.PublicKey(), payout, uint8(slot)))))
	}
	j, err := esc.FetchJob(e.Ctx, e.Client, job)
	require.NoError(t, err)
	require.Equal(t, escrow.JobRunning, j.State)
	return job
}

// A device that abandoned an escrow job is slashed naming the job: the record's beneficiary is
// the job's renter, and finalization pays the renter's IO account exactly the compensation share
// (amount - burn - treasury, to the base unit). The job must be the configured escrow's (a copy
// of the escrow deployed elsewhere, whose Job carries the same discriminator, is refused; so are
// other accounts, and a wrong authority bump) and must list the device hired or left; and the
// compensation goes nowhere else (the pool, a stranger's account, another mint).
func TestSlashCompensatesTheAbandonedRenter(t *testing.T) {
	root, err := localnet.RepoRoot()
	require.NoError(t, err)
	ce := chaintest.New(t, localnet.WithProgram("rogue", filepath.Join(root, "target", "deploy", "escrow.so")))
	s := ce.InitEscrow(t)
	e := &env{Env: ce}
	esc := ce.Network.Escrow
	oracle0, oracle1 := e.Oracles[0].PublicKey(), e.Oracles[1].PublicKey()

	// the renter's IOSD job on two devices: a (slot 0) is replaced by c, which is only proposed
	// (slot 2), so a has left; b (slot 1) stays hired. d is on no job.
	renter := e.Funded(t)
	renterIOSD := e.TokenAccount(t, e.IOSDMint, renter.PublicKey(), 100_000_000)
	a, b, c, d := e.ActiveProvider(t, renter), e.ActiveProvider(t, renter), e.ActiveProvider(t, renter), e.ActiveProvider(t, renter)
	job := e.runningJob(t, renter, renterIOSD, a, b)
	require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(esc.ReplaceDevice(renter.PublicKey(), job, 0, a.Device, c.Device))))
	j, err := esc.FetchJob(e.Ctx, e.Client, job)
	require.NoError(t, err)
	require.Equal(t, []uint8{escrow.SlotLeft, escrow.SlotHired, escrow.SlotProposed}, []uint8{j.Slots[0].State, j.Slots[1].State, j.Slots[2].State})
	require.Equal(t, registry.StatusActive, e.Device(t, a).Status) // released by the replacement

	// a copy of the escrow deployed at another address, configured against the same registry:
	// its Job has the escrow's discriminator and size, but its authority is not the registry's
	rogue := onescrow.New(e.Node.Key("rogue-program").PublicKey(), e.Registry, e.Economy)
	require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, chaintest.Must(rogue.InitializeConfig(e.Admin.PublicKey(), s.Params, s.Limits))))
	rogueJob := rogue.JobAddress(renter.PublicKey(), 1)
	require.NoError(t, e.Send([]solana.PrivateKey{renter},
		chaintest.Must(rogue.CreateJob(renter.PublicKey(), renterIOSD, e.IOSDMint, onescrow.Terms{JobID: 1, PricePerHour: slashJobPrice, DurationSecs: 60, DeviceCount: 1, Requirements: [32]byte{1}})),
		chaintest.Must(rogue.AssignDevices(renter.PublicKey(), rogueJob, a.Device))))
	fake, err := rogue.FetchJob(e.Ctx, e.Client, rogueJob) // parses: the Job discriminator and size
	require.NoError(t, err)
	require.Equal(t, a.Device, fake.Slots[0].Device)

	quorum := []solana.PrivateKey{e.Keeper, e.Oracles[0], e.Oracles[1]}
	slashJob := func(p chaintest.Provider, on onregistry.AbandonedJob, evidence [32]byte) solana.Instruction {
		return chaintest.Must(e.Registry.SlashJob(e.Keeper.PublicKey(), p.Owner.PublicKey(), p.DeviceKey.PublicKey(), e.IOMint, on,
			registry.OffenceJobAbandonment, evidence, oracle0, oracle1))
	}
	onJob := onregistry.AbandonedJob{Job: job, Escrow: esc.ID}
	fresh := evidenceOf("refused")
	withJob := func(account solana.PublicKey) func() solana.Instruction {
		return func() solana.Instruction {
			return chaintest.WithAccount(slashJob(a, onJob, fresh), registry.SlashAccountJob, account)
		}
	}
	cases := []struct {
		name string
		ix   func() solana.Instruction
		err  error
	}{
		{"a device the job does not list", func() solana.Instruction { return slashJob(d, onJob, fresh) }, registry.ErrDeviceNotOnJob},
		{"a device only proposed", func() solana.Instruction { return slashJob(c, onJob, fresh) }, registry.ErrDeviceNotOnJob},
		{"a Job of another escrow program", func() solana.Instruction {
			return slashJob(a, onregistry.AbandonedJob{Job: rogueJob, Escrow: rogue.ID}, fresh)
		}, registry.ErrNotEscrowJob},
		{"another escrow's Job with the real escrow's bump", withJob(rogueJob), registry.ErrNotEscrowJob},
		{"the escrow's Config", withJob(esc.ConfigAddress()), registry.ErrNotEscrowJob},
		{"a registry Device", withJob(a.Device), registry.ErrNotEscrowJob},
		{"a wallet", withJob(renter.PublicKey()), registry.ErrNotEscrowJob},
		{"a wrong authority bump", func() solana.Instruction {
			ix := slashJob(a, onJob, fresh)
			data, err := ix.Data()
			require.NoError(t, err)
			data[len(data)-1]-- // the canonical bump less one: another address (or none)
			return chaintest.WithData(ix, data)
		}, registry.ErrNotEscrowJob},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, e.Send(quorum, tc.ix()), tc.err)
		})
	}
	require.False(t, e.exists(t, e.Registry.SlashAddress(a.Device, fresh)))

	// a left the job, b is still on it: both slashes name the renter
	evA, evB := evidenceOf("a abandoned job 1"), evidenceOf("b abandoned job 1")
	stakeA := e.Device(t, a).Stake
	sig, err := e.SendSig(quorum, slashJob(a, onJob, evA))
	require.NoError(t, err)
	require.NoError(t, e.Send(quorum, slashJob(b, onJob, evB)))
	rA := e.slashRecord(t, a, evA)
	require.Equal(t, renter.PublicKey(), rA.Beneficiary)
	require.Equal(t, job, rA.Job)
	require.Equal(t, stakeA/20, rA.Amount) // 5%
	require.Equal(t, renter.PublicKey(), e.slashRecord(t, b, evB).Beneficiary)
	require.Equal(t, uint64(slashRecordRent), e.Lamports(t, e.Registry.SlashAddress(a.Device, evA)))
	events := e.eventsOf(t, sig)
	slashed := events[len(events)-1].(*registry.DeviceSlashed)
	require.Equal(t, renter.PublicKey(), slashed.Beneficiary)
	require.Equal(t, job, slashed.Job)

	e.waitPast(t, max(rA.AppealDeadline, e.slashRecord(t, b, evB).AppealDeadline))

	renterIO, _, err := solana.FindAssociatedTokenAddress(renter.PublicKey(), e.IOMint)
	require.NoError(t, err)
	finalize := func(p chaintest.Provider, ev [32]byte, to solana.PublicKey) solana.Instruction {
		return chaintest.Must(e.Registry.FinalizeSlash(p.DeviceKey.PublicKey(), ev, e.IOMint, e.Treasury, to, e.Keeper.PublicKey()))
	}
	stranger := e.Funded(t)
	finalizeCases := []struct {
		name string
		to   solana.PublicKey
		err  error
	}{
		{"to the pool", e.Pool, registry.ErrWrongOwner},
		{"to a stranger's IO account", e.TokenAccount(t, e.IOMint, stranger.PublicKey(), 0), registry.ErrWrongOwner},
		{"to the renter's IOSD account", renterIOSD, registry.ErrInvalidMint},
		{"to the renter's IO account before it exists", renterIO, registry.ErrInvalidAccountOwner},
	}
	for _, tc := range finalizeCases {
		t.Run("finalize "+tc.name, func(t *testing.T) {
			require.ErrorIs(t, e.Send([]solana.PrivateKey{stranger}, finalize(a, evA, tc.to)), tc.err)
		})
	}

	// FinalizeSlashFor creates the renter's IO account (the cranker pays) and pays it
	ixs, err := e.Registry.FinalizeSlashFor(e.Ctx, e.Client, stranger.PublicKey(), a.DeviceKey.PublicKey(), evA, e.IOMint, e.Treasury, e.Pool)
	require.NoError(t, err)
	require.Len(t, ixs, 2)
	supply, treasury, pool := e.Supply(t, e.IOMint), e.TokenBalance(t, e.Treasury), e.TokenBalance(t, e.Pool)
	sig, err = e.SendSig([]solana.PrivateKey{stranger}, ixs...)
	require.NoError(t, err)
	burned := rA.Amount * uint64(rA.BurnBps) / uint64(registry.Bps)
	toTreasury := rA.Amount * uint64(rA.TreasuryBps) / uint64(registry.Bps)
	toRenter := rA.Amount - burned - toTreasury
	require.Equal(t, toRenter, e.TokenBalance(t, renterIO))
	require.Equal(t, supply-burned, e.Supply(t, e.IOMint))
	require.Equal(t, treasury+toTreasury, e.TokenBalance(t, e.Treasury))
	require.Equal(t, pool, e.TokenBalance(t, e.Pool))
	events = e.eventsOf(t, sig)
	require.Equal(t, &registry.SlashFinalized{Device: a.Device, SlashRecord: e.Registry.SlashAddress(a.Device, evA),
		Burned: burned, ToTreasury: toTreasury, ToCompensation: toRenter, Beneficiary: renter.PublicKey(), Compensation: renterIO}, events[len(events)-1])

	// the second slash pays the same account (its creation, idempotent, does nothing now)
	rB := e.slashRecord(t, b, evB)
	ixs, err = e.Registry.FinalizeSlashFor(e.Ctx, e.Client, stranger.PublicKey(), b.DeviceKey.PublicKey(), evB, e.IOMint, e.Treasury, e.Pool)
	require.NoError(t, err)
	require.NoError(t, e.Send([]solana.PrivateKey{stranger}, ixs...))
	require.Equal(t, toRenter+rB.Amount-rB.Amount*uint64(rB.BurnBps)/uint64(registry.Bps)-rB.Amount*uint64(rB.TreasuryBps)/uint64(registry.Bps), e.TokenBalance(t, renterIO))
	require.Equal(t, pool, e.TokenBalance(t, e.Pool))
}
