package escrow_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
)

// negCase is one instruction the program must reject with exactly want, leaving every account
// in watch (job, vault, token accounts, registry devices) byte for byte as it was.
type negCase struct {
	name    string
	signers []solana.PrivateKey // the first pays
	ix      solana.Instruction
	want    error
	watch   []solana.PublicKey
}

// negRun runs each case as a subtest.
func (e *env) negRun(t *testing.T, cases ...negCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { e.negRejects(t, c) })
	}
}

func (e *env) negRejects(t *testing.T, c negCase) {
	t.Helper()
	before := e.negSnapshot(t, c.watch)
	_, err := e.SendSig(c.signers, chaintest.Copy(c.ix)) // a copy: see chaintest/tamper.go
	require.ErrorIs(t, err, c.want)
	chaintest.RequireAnchorError(t, err, c.want)
	require.Equal(t, before, e.negSnapshot(t, c.watch), "a rejected instruction changed an account")
}

// negSnapshot is the data of each account (nil for none).
func (e *env) negSnapshot(t testing.TB, addrs []solana.PublicKey) [][]byte {
	out := make([][]byte, len(addrs))
	for i, a := range addrs {
		data, err := e.Client.AccountData(e.Ctx, a)
		if errors.Is(err, chain.ErrAccountNotFound) {
			continue
		}
		require.NoError(t, err)
		out[i] = data
	}
	return out
}

// negMint creates a mint that is neither IO nor IOSD.
func (e *env) negMint(t testing.TB) solana.PublicKey {
	mint := solana.NewWallet().PrivateKey
	rent, err := e.Client.RentExempt(e.Ctx, 82)
	require.NoError(t, err)
	payer := e.Keeper.PublicKey()
	require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper, mint},
		system.NewCreateAccountInstruction(rent, 82, solana.TokenProgramID, payer, mint.PublicKey()).Build(),
		token.NewInitializeMint2Instruction(6, payer, payer, mint.PublicKey()).Build()))
	return mint.PublicKey()
}

// negVote is oracle i's report for j (its signers: the keeper pays, the oracle signs).
func (e *env) negVote(j job, i int, window uint64, secs ...uint32) ([]solana.PrivateKey, solana.Instruction) {
	r := escrow.UsageReport{Window: window}
	copy(r.Secs[:], secs)
	return []solana.PrivateKey{e.Keeper, e.Oracles[i]}, chaintest.Must(e.prog.RecordUsage(e.Oracles[i].PublicKey(), j.addr, r))
}

// voteCase is a negCase for oracle i's report.
func (e *env) voteCase(name string, want error, j job, i int, window uint64, secs ...uint32) negCase {
	signers, ix := e.negVote(j, i, window, secs...)
	return negCase{name, signers, ix, want, []solana.PublicKey{j.addr}}
}

// The negative matrix: for every instruction, the account checks (signer, writable, count,
// program ids), the spoofed accounts (owner, PDA, token accounts, mints), the wrong signers,
// the bad parameters and the state rules that need no waiting, each with its exact error and
// no account changed. The rules that need the clock are in TestNegativeUsageAndTime, the
// pause in TestNegativePaused.
func TestNegativeMatrix(t *testing.T) {
	e := newEnv(t)
	stranger := e.newRenter(t, 100*iosd) // a funded wallet with IOSD that is party to nothing
	sk := stranger.key.PublicKey()
	pA := e.ActiveProvider(t, e.Keeper)
	pB := e.ActiveProvider(t, e.Keeper)
	pNew := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO) // in probation
	require.NotEqual(t, registry.StatusActive, e.Device(t, pNew).Status)
	payoutA := e.TokenAccount(t, e.IOSDMint, pA.Owner.PublicKey(), 0)
	payoutB := e.TokenAccount(t, e.IOSDMint, pB.Owner.PublicKey(), 0)
	escrowConfig := e.prog.ConfigAddress()

	// other: a running 1-device job on pA. asg: a 2-place job where pA was proposed too, before
	// other hired it.
	other := e.createJob(t, 1, 600)
	asg := e.createJob(t, 2, 600)
	ak := asg.renter.key
	for _, j := range []job{other, asg} {
		require.NoError(t, e.Send([]solana.PrivateKey{j.renter.key}, chaintest.Must(e.prog.AssignDevices(j.renter.key.PublicKey(), j.addr, pA.Device))))
	}
	other.providers, other.payouts = []chaintest.Provider{pA}, []solana.PublicKey{payoutA}
	_, err := e.accept(other, 0, 0)
	require.NoError(t, err)
	require.Equal(t, escrow.JobRunning, e.job(t, other).State)

	acceptA := chaintest.Must(e.prog.AcceptJob(asg.addr, pA.DeviceKey.PublicKey(), payoutA, 0))
	kA := []solana.PrivateKey{e.Keeper, pA.DeviceKey}
	kB := []solana.PrivateKey{e.Keeper, pB.DeviceKey}
	watchAsg := []solana.PublicKey{asg.addr, pA.Device, pB.Device}
	t.Run("accept_job in the acceptance window", func(t *testing.T) {
		// These fail on checks made after the window's: they must run inside it.
		require.Less(t, time.Now().Unix()+1, e.job(t, asg).CreatedAt+e.params.AcceptanceWindowSecs, "setup outlasted the acceptance window")
		e.negRun(t,
			// The registry would refuse too, but the program names the error first.
			negCase{"device hired by another job", kA, acceptA, escrow.ErrDeviceNotHireable, watchAsg},
			negCase{"payout owned by someone else", kA, chaintest.Must(e.prog.AcceptJob(asg.addr, pA.DeviceKey.PublicKey(), stranger.token, 0)),
				escrow.ErrWrongTokenAccount, watchAsg},
			negCase{"payout of another mint", kA, chaintest.Must(e.prog.AcceptJob(asg.addr, pA.DeviceKey.PublicKey(), pA.Token, 0)),
				escrow.ErrInvalidMint, watchAsg},
		)
	})

	// Jobs for the rest: run is running on two devices for an hour, open is open, ended was
	// cancelled before any device.
	run := e.runningJob(t, 2, 3600)
	runJob := e.job(t, run)
	rr := run.renter
	rk := rr.key.PublicKey()
	runVault := e.prog.VaultAddress(run.addr)
	p0, p1 := run.providers[0], run.providers[1]
	hired := []solana.PublicKey{p0.Device, p1.Device}
	watchRun := []solana.PublicKey{run.addr, runVault, rr.token, p0.Device, p1.Device}
	open := e.createJob(t, 1, 600)
	ok := open.renter.key
	ended := e.createJob(t, 1, 600)
	ek := ended.renter.key
	require.NoError(t, e.Send([]solana.PrivateKey{ek}, chaintest.Must(e.prog.CancelJob(ek.PublicKey(), ended.addr, ended.renter.token, nil))))
	require.Equal(t, escrow.JobCancelled, e.job(t, ended).State)
	watchEnded := []solana.PublicKey{ended.addr, e.prog.VaultAddress(ended.addr), ended.renter.token}
	keeper := []solana.PrivateKey{e.Keeper}

	t.Run("create_job", func(t *testing.T) {
		cr := e.newRenter(t, 10*iosd)
		crk := cr.key.PublicKey()
		require.NoError(t, e.Send([]solana.PrivateKey{cr.key}, chaintest.Must(e.prog.CreateJob(crk, cr.token, e.IOSDMint, terms(1, 1, 600)))))
		create := func(f func(*onescrow.Terms)) solana.Instruction {
			tm := terms(2, 1, 600)
			f(&tm)
			return chaintest.Must(e.prog.CreateJob(crk, cr.token, e.IOSDMint, tm))
		}
		good := create(func(*onescrow.Terms) {})
		job2 := e.prog.JobAddress(crk, 2)
		watch := []solana.PublicKey{job2, e.prog.VaultAddress(job2), cr.token}
		sig := []solana.PrivateKey{cr.key}
		unrelated := e.negMint(t)
		e.negRun(t,
			negCase{"renter did not sign", keeper, chaintest.Unsigned(good, 3), escrow.ErrMissingSigner, watch},
			negCase{"job read-only", sig, chaintest.ReadOnly(good, 1), escrow.ErrAccountNotWritable, watch},
			negCase{"renter token read-only", sig, chaintest.ReadOnly(good, 4), escrow.ErrAccountNotWritable, watch},
			negCase{"seven accounts", sig, chaintest.Truncated(good, 7), escrow.ErrNotEnoughAccounts, watch},
			negCase{"token program is the registry", sig, chaintest.WithAccount(good, 6, e.Registry.ID), escrow.ErrInvalidProgramId, watch},
			negCase{"system program is the token program", sig, chaintest.WithAccount(good, 7, solana.TokenProgramID), escrow.ErrInvalidProgramId, watch},
			negCase{"a mint neither IO nor IOSD", sig, chaintest.Must(e.prog.CreateJob(crk, cr.token, unrelated, terms(2, 1, 600))), escrow.ErrInvalidMint, watch},
			negCase{"an IO job paid from an IOSD account", sig, chaintest.Must(e.prog.CreateJob(crk, cr.token, e.IOMint, terms(2, 1, 600))), escrow.ErrInvalidMint, watch},
			negCase{"price 0", sig, create(func(tm *onescrow.Terms) { tm.PricePerHour = 0 }), escrow.ErrInvalidJobParams, watch},
			negCase{"duration 0", sig, create(func(tm *onescrow.Terms) { tm.DurationSecs = 0 }), escrow.ErrInvalidJobParams, watch},
			negCase{"duration over 366 days", sig, create(func(tm *onescrow.Terms) { tm.DurationSecs = 366*24*3600 + 1 }), escrow.ErrInvalidJobParams, watch},
			negCase{"0 devices", sig, create(func(tm *onescrow.Terms) { tm.DeviceCount = 0 }), escrow.ErrInvalidJobParams, watch},
			negCase{"17 devices", sig, create(func(tm *onescrow.Terms) { tm.DeviceCount = 17 }), escrow.ErrInvalidJobParams, watch},
			negCase{"deposit rounds to 0", sig, create(func(tm *onescrow.Terms) { tm.PricePerHour, tm.DurationSecs = 1, 1 }), escrow.ErrInvalidJobParams, watch},
			negCase{"more than the renter holds", sig, create(func(tm *onescrow.Terms) { tm.DeviceCount, tm.DurationSecs = 16, 3600 }), escrow.ErrInsufficientFunds, watch},
			negCase{"the deposit overflows", sig, create(func(tm *onescrow.Terms) { tm.PricePerHour, tm.DeviceCount = math.MaxUint64, 16 }), escrow.ErrArithmeticOverflow, watch},
			negCase{"job id already used", []solana.PrivateKey{e.Keeper, cr.key}, chaintest.Must(e.prog.CreateJob(crk, cr.token, e.IOSDMint, terms(1, 1, 600))),
				escrow.ErrAccountAlreadyInitialized, []solana.PublicKey{e.prog.JobAddress(crk, 1), e.prog.VaultAddress(e.prog.JobAddress(crk, 1)), cr.token}},
			negCase{"job address of another id", sig, chaintest.WithAccount(good, 1, e.prog.JobAddress(crk, 3)), escrow.ErrInvalidPda, watch},
			negCase{"job address of another renter", sig, chaintest.WithAccount(good, 1, e.prog.JobAddress(sk, 2)), escrow.ErrInvalidPda, watch},
			negCase{"vault of another job", sig, chaintest.WithAccount(good, 2, e.prog.VaultAddress(e.prog.JobAddress(crk, 1))), escrow.ErrInvalidPda, watch},
		)
		t.Run("control: the unmodified instruction succeeds", func(t *testing.T) {
			require.NoError(t, e.Send(sig, good))
			require.Equal(t, escrow.JobOpen, e.job(t, job{addr: job2}).State)
		})
	})

	t.Run("top_up", func(t *testing.T) {
		topUp := func(extra uint32) solana.Instruction {
			return chaintest.Must(e.prog.TopUp(rk, run.addr, rr.token, extra))
		}
		good := topUp(10)
		renterIO := e.TokenAccount(t, e.IOMint, rk, 0)
		sig := []solana.PrivateKey{rr.key}
		e.negRun(t,
			negCase{"by a stranger", []solana.PrivateKey{stranger.key}, chaintest.Must(e.prog.TopUp(sk, run.addr, stranger.token, 10)),
				escrow.ErrNotRenter, append(watchRun, stranger.token)},
			negCase{"renter did not sign", keeper, chaintest.Unsigned(good, 3), escrow.ErrMissingSigner, watchRun},
			negCase{"job read-only", sig, chaintest.ReadOnly(good, 1), escrow.ErrAccountNotWritable, watchRun},
			negCase{"vault read-only", sig, chaintest.ReadOnly(good, 2), escrow.ErrAccountNotWritable, watchRun},
			negCase{"five accounts", sig, chaintest.Truncated(good, 5), escrow.ErrNotEnoughAccounts, watchRun},
			negCase{"token program is the registry", sig, chaintest.WithAccount(good, 5, e.Registry.ID), escrow.ErrInvalidProgramId, watchRun},
			negCase{"a registry Device as the job", sig, chaintest.WithAccount(good, 1, pB.Device), escrow.ErrInvalidAccountOwner, watchRun},
			negCase{"the escrow Config as the job", sig, chaintest.WithAccount(good, 1, escrowConfig), escrow.ErrInvalidAccountData, watchRun},
			negCase{"vault of another job", sig, chaintest.WithAccount(good, 2, e.prog.VaultAddress(other.addr)), escrow.ErrInvalidPda,
				append(watchRun, e.prog.VaultAddress(other.addr))},
			negCase{"0 seconds", sig, topUp(0), escrow.ErrInvalidJobParams, watchRun},
			negCase{"paid from an IO account", sig, chaintest.Must(e.prog.TopUp(rk, run.addr, renterIO, 10)), escrow.ErrInvalidMint, append(watchRun, renterIO)},
			// 2 devices x 1,000 s costs 2 IOSD; the renter holds 1.
			negCase{"more than the renter holds", sig, topUp(1000), escrow.ErrInsufficientFunds, watchRun},
			negCase{"an ended job", []solana.PrivateKey{ek}, chaintest.Must(e.prog.TopUp(ek.PublicKey(), ended.addr, ended.renter.token, 10)),
				escrow.ErrInvalidJobState, watchEnded},
		)
	})

	t.Run("assign_devices", func(t *testing.T) {
		okk := ok.PublicKey()
		assign := func(devices ...solana.PublicKey) solana.Instruction {
			return chaintest.Must(e.prog.AssignDevices(okk, open.addr, devices...))
		}
		good := assign(pB.Device)
		sig := []solana.PrivateKey{ok}
		watch := []solana.PublicKey{open.addr, pB.Device}
		e.negRun(t,
			negCase{"by a stranger", []solana.PrivateKey{stranger.key}, chaintest.Must(e.prog.AssignDevices(sk, open.addr, pB.Device)),
				escrow.ErrNotRenterOrScheduler, watch},
			negCase{"authority did not sign", keeper, chaintest.Unsigned(good, 2), escrow.ErrMissingSigner, watch},
			negCase{"job read-only", sig, chaintest.ReadOnly(good, 1), escrow.ErrAccountNotWritable, watch},
			negCase{"three accounts", sig, chaintest.Truncated(good, 3), escrow.ErrNotEnoughAccounts, watch},
			negCase{"no device", sig, assign(), escrow.ErrNotEnoughAccounts, watch},
			negCase{"registry config is the escrow's Config", sig, chaintest.WithAccount(good, 3, escrowConfig), escrow.ErrInvalidPda, watch},
			negCase{"a registry Device as the job", sig, chaintest.WithAccount(good, 1, pB.Device), escrow.ErrInvalidAccountOwner, watch},
			negCase{"an escrow Job as the device", sig, assign(run.addr), escrow.ErrInvalidAccountOwner, append(watch, run.addr)},
			negCase{"the registry Config as the device", sig, assign(e.Registry.ConfigAddress()), escrow.ErrInvalidAccountData, watch},
			negCase{"a device in probation", sig, assign(pNew.Device), escrow.ErrDeviceNotHireable, append(watch, pNew.Device)},
			negCase{"a device hired by another job", sig, assign(p0.Device), escrow.ErrDeviceNotHireable, append(watch, p0.Device)},
			negCase{"the same device twice", sig, assign(pB.Device, pB.Device), escrow.ErrDeviceAlreadyOnJob, watch},
			negCase{"more devices than places", []solana.PrivateKey{other.renter.key},
				chaintest.Must(e.prog.AssignDevices(other.renter.key.PublicKey(), other.addr, pB.Device)), escrow.ErrTooManyDevices,
				[]solana.PublicKey{other.addr, pB.Device}},
			negCase{"an ended job", []solana.PrivateKey{ek}, chaintest.Must(e.prog.AssignDevices(ek.PublicKey(), ended.addr, pB.Device)),
				escrow.ErrInvalidJobState, watchEnded},
		)
		t.Run("the scheduler may assign", func(t *testing.T) {
			sig, err := e.SendSig([]solana.PrivateKey{e.scheduler}, chaintest.Must(e.prog.AssignDevices(e.scheduler.PublicKey(), asg.addr, pB.Device)))
			require.NoError(t, err)
			require.Equal(t, []any{&escrow.DeviceAssigned{Job: asg.addr, Device: pB.Device, Slot: 1}}, e.eventsOf(t, sig))
			got := e.job(t, asg)
			require.Equal(t, escrow.JobAssigned, got.State)
			require.Equal(t, escrow.SlotProposed, got.Slots[1].State)
		})
		e.negRun(t, negCase{"a device already proposed", []solana.PrivateKey{ak},
			chaintest.Must(e.prog.AssignDevices(ak.PublicKey(), asg.addr, pB.Device)), escrow.ErrDeviceAlreadyOnJob, watchAsg})
	})

	t.Run("accept_job", func(t *testing.T) {
		data, err := acceptA.Data()
		require.NoError(t, err)
		e.negRun(t,
			negCase{"device key did not sign", keeper, chaintest.Unsigned(acceptA, 3), escrow.ErrMissingSigner, watchAsg},
			negCase{"job read-only", kA, chaintest.ReadOnly(acceptA, 1), escrow.ErrAccountNotWritable, watchAsg},
			negCase{"device read-only", kA, chaintest.ReadOnly(acceptA, 2), escrow.ErrAccountNotWritable, watchAsg},
			negCase{"seven accounts", kA, chaintest.Truncated(acceptA, 7), escrow.ErrNotEnoughAccounts, watchAsg},
			negCase{"registry program is the token program", kA, chaintest.WithAccount(acceptA, 7, solana.TokenProgramID), escrow.ErrInvalidProgramId, watchAsg},
			negCase{"registry config is the escrow's Config", kA, chaintest.WithAccount(acceptA, 5, escrowConfig), escrow.ErrInvalidPda, watchAsg},
			negCase{"escrow authority is another address", kA, chaintest.WithAccount(acceptA, 6, sk), escrow.ErrInvalidPda, watchAsg},
			negCase{"the renter's wallet as the job", kA, chaintest.WithAccount(acceptA, 1, ak.PublicKey()), escrow.ErrInvalidAccountOwner, watchAsg},
			negCase{"the escrow Config as the job", kA, chaintest.WithAccount(acceptA, 1, escrowConfig), escrow.ErrInvalidAccountData, watchAsg},
			negCase{"an escrow Job as the device", kA, chaintest.WithAccount(acceptA, 2, other.addr), escrow.ErrInvalidAccountOwner, watchAsg},
			negCase{"slot out of range", kA, chaintest.Must(e.prog.AcceptJob(asg.addr, pA.DeviceKey.PublicKey(), payoutA, 9)), escrow.ErrInvalidSlot, watchAsg},
			negCase{"a slot already hired", kA, chaintest.Must(e.prog.AcceptJob(other.addr, pA.DeviceKey.PublicKey(), payoutA, 0)),
				escrow.ErrInvalidSlot, []solana.PublicKey{other.addr, pA.Device}},
			negCase{"signed by another device's key", kB, chaintest.WithAccount(acceptA, 3, pB.DeviceKey.PublicKey()), escrow.ErrWrongDevice, watchAsg},
			negCase{"another device's slot", kB, chaintest.Must(e.prog.AcceptJob(asg.addr, pB.DeviceKey.PublicKey(), payoutB, 0)), escrow.ErrWrongDevice, watchAsg},
			negCase{"no slot argument", kA, chaintest.WithData(acceptA, data[:8]), escrow.ErrInvalidInstructionData, watchAsg},
		)
	})

	t.Run("record_usage", func(t *testing.T) {
		w := uint64(runJob.StartedAt / e.params.UsageWindowSecs) // the window the job started in
		_, good := e.negVote(run, 0, w)
		ko := []solana.PrivateKey{e.Keeper, e.Oracles[0]}
		watch := []solana.PublicKey{run.addr}
		e.negRun(t,
			negCase{"by a stranger", []solana.PrivateKey{stranger.key}, chaintest.Must(e.prog.RecordUsage(sk, run.addr, escrow.UsageReport{Window: w})),
				escrow.ErrNotOracle, watch},
			negCase{"oracle did not sign", keeper, chaintest.Unsigned(good, 3), escrow.ErrMissingSigner, watch},
			negCase{"job read-only", ko, chaintest.ReadOnly(good, 1), escrow.ErrAccountNotWritable, watch},
			negCase{"three accounts", ko, chaintest.Truncated(good, 3), escrow.ErrNotEnoughAccounts, watch},
			negCase{"registry config is the escrow's Config", ko, chaintest.WithAccount(good, 2, escrowConfig), escrow.ErrInvalidPda, watch},
			negCase{"a registry Device as the job", ko, chaintest.WithAccount(good, 1, pB.Device), escrow.ErrInvalidAccountOwner, watch},
			e.voteCase("a job that never started", escrow.ErrInvalidJobState, asg, 0, w),
			e.voteCase("window not ended", escrow.ErrUsageWindowNotClosed, run, 0, uint64(time.Now().Unix()/e.params.UsageWindowSecs)+5),
			e.voteCase("window ended before the job started", escrow.ErrStaleUsage, run, 0, w-1),
			e.voteCase("window index overflows", escrow.ErrArithmeticOverflow, run, 0, math.MaxUint64),
		)
	})

	t.Run("count_usage", func(t *testing.T) {
		require.Zero(t, e.job(t, run).PendingVotes)
		good := chaintest.Must(e.prog.CountUsage(run.addr))
		watch := []solana.PublicKey{run.addr}
		e.negRun(t,
			negCase{"nothing to count", keeper, good, escrow.ErrNoUsageCollection, watch},
			negCase{"job read-only", keeper, chaintest.ReadOnly(good, 1), escrow.ErrAccountNotWritable, watch},
			negCase{"two accounts", keeper, chaintest.Truncated(good, 2), escrow.ErrNotEnoughAccounts, watch},
			negCase{"registry config is the escrow's Config", keeper, chaintest.WithAccount(good, 2, escrowConfig), escrow.ErrInvalidPda, watch},
			negCase{"a registry Device as the job", keeper, chaintest.WithAccount(good, 1, pB.Device), escrow.ErrInvalidAccountOwner, watch},
		)
	})

	t.Run("settle", func(t *testing.T) {
		settle := func(slot uint8, payout, treasury, mint solana.PublicKey) solana.Instruction {
			return e.settleIx(e.Keeper.PublicKey(), run.addr, slot, payout, treasury, mint)
		}
		good := settle(0, run.payouts[0], e.treasuryIOSD, e.IOSDMint)
		watch := []solana.PublicKey{run.addr, runVault, run.payouts[0], run.payouts[1], e.treasuryIOSD, stranger.token}
		e.negRun(t,
			negCase{"job read-only", keeper, chaintest.ReadOnly(good, 1), escrow.ErrAccountNotWritable, watch},
			negCase{"mint read-only", keeper, chaintest.ReadOnly(good, 5), escrow.ErrAccountNotWritable, watch},
			negCase{"economy config read-only", keeper, chaintest.ReadOnly(good, 8), escrow.ErrAccountNotWritable, watch},
			negCase{"thirteen accounts", keeper, chaintest.Truncated(good, 13), escrow.ErrNotEnoughAccounts, watch},
			negCase{"payer did not sign", keeper, chaintest.Unsigned(chaintest.WithAccount(good, 12, sk), 12), escrow.ErrMissingSigner, watch},
			negCase{"unclaimed record read-only", keeper, chaintest.ReadOnly(good, 10), escrow.ErrAccountNotWritable, watch},
			negCase{"system program is the token program", keeper, chaintest.WithAccount(good, 13, solana.TokenProgramID), escrow.ErrInvalidProgramId, watch},
			negCase{"token program is the registry", keeper, chaintest.WithAccount(good, 6, e.Registry.ID), escrow.ErrInvalidProgramId, watch},
			negCase{"a registry Device as the job", keeper, chaintest.WithAccount(good, 1, pB.Device), escrow.ErrInvalidAccountOwner, watch},
			negCase{"vault of another job", keeper, chaintest.WithAccount(good, 2, e.prog.VaultAddress(other.addr)), escrow.ErrInvalidPda, watch},
			negCase{"IO mint for an IOSD job", keeper, settle(0, run.payouts[0], e.treasuryIOSD, e.IOMint), escrow.ErrInvalidMint, watch},
			negCase{"slot out of range", keeper, settle(5, run.payouts[0], e.treasuryIOSD, e.IOSDMint), escrow.ErrInvalidSlot, watch},
			negCase{"payout of another slot", keeper, settle(0, run.payouts[1], e.treasuryIOSD, e.IOSDMint), escrow.ErrWrongTokenAccount, watch},
			negCase{"payout is someone else's", keeper, settle(0, stranger.token, e.treasuryIOSD, e.IOSDMint), escrow.ErrWrongTokenAccount, watch},
			negCase{"treasury account of another owner", keeper, settle(0, run.payouts[0], stranger.token, e.IOSDMint), escrow.ErrWrongTokenAccount, watch},
			negCase{"treasury account of another mint", keeper, settle(0, run.payouts[0], e.Treasury, e.IOSDMint), escrow.ErrInvalidMint, watch},
			negCase{"nothing verified", keeper, good, escrow.ErrNothingToSettle, watch},
		)
	})

	t.Run("cancel_job", func(t *testing.T) {
		cancel := func(devices ...solana.PublicKey) solana.Instruction {
			return chaintest.Must(e.prog.CancelJob(rk, run.addr, rr.token, devices))
		}
		good := cancel(hired...)
		sig := []solana.PrivateKey{rr.key}
		watch := append(watchRun, stranger.token, pB.Device)
		e.negRun(t,
			negCase{"by a stranger", []solana.PrivateKey{stranger.key}, chaintest.Must(e.prog.CancelJob(sk, run.addr, stranger.token, hired)),
				escrow.ErrNotRenter, watch},
			negCase{"renter did not sign", keeper, chaintest.Unsigned(good, 3), escrow.ErrMissingSigner, watch},
			negCase{"vault read-only", sig, chaintest.ReadOnly(good, 2), escrow.ErrAccountNotWritable, watch},
			negCase{"eight accounts", sig, chaintest.Truncated(good, 8), escrow.ErrNotEnoughAccounts, watch},
			negCase{"token program is the registry", sig, chaintest.WithAccount(good, 8, e.Registry.ID), escrow.ErrInvalidProgramId, watch},
			negCase{"registry program is the token program", sig, chaintest.WithAccount(good, 7, solana.TokenProgramID), escrow.ErrInvalidProgramId, watch},
			negCase{"registry config is the escrow's Config", sig, chaintest.WithAccount(good, 5, escrowConfig), escrow.ErrInvalidPda, watch},
			negCase{"escrow authority is another address", sig, chaintest.WithAccount(good, 6, sk), escrow.ErrInvalidPda, watch},
			negCase{"the renter's wallet as the job", sig, chaintest.WithAccount(good, 1, rk), escrow.ErrInvalidAccountOwner, watch},
			negCase{"vault of another job", sig, chaintest.WithAccount(good, 2, e.prog.VaultAddress(other.addr)), escrow.ErrInvalidPda,
				append(watch, e.prog.VaultAddress(other.addr))},
			negCase{"refund to someone else's account", sig, chaintest.Must(e.prog.CancelJob(rk, run.addr, stranger.token, hired)),
				escrow.ErrWrongTokenAccount, watch},
			negCase{"no device accounts", sig, cancel(), escrow.ErrWrongDeviceAccounts, watch},
			negCase{"a device missing", sig, cancel(hired[0]), escrow.ErrWrongDeviceAccounts, watch},
			negCase{"devices out of order", sig, cancel(hired[1], hired[0]), escrow.ErrWrongDeviceAccounts, watch},
			negCase{"an extra device", sig, cancel(hired[0], hired[1], pB.Device), escrow.ErrWrongDeviceAccounts, watch},
			negCase{"a device read-only", sig, chaintest.ReadOnly(good, 9), escrow.ErrAccountNotWritable, watch},
			negCase{"an ended job", []solana.PrivateKey{ek}, chaintest.Must(e.prog.CancelJob(ek.PublicKey(), ended.addr, ended.renter.token, nil)),
				escrow.ErrInvalidJobState, watchEnded},
		)
	})

	t.Run("expire_job", func(t *testing.T) {
		good := chaintest.Must(e.prog.ExpireJob(run.addr, rr.token, hired))
		e.negRun(t,
			negCase{"a running job before its end", keeper, good, escrow.ErrJobNotExpired, watchRun},
			negCase{"renter token read-only", keeper, chaintest.ReadOnly(good, 3), escrow.ErrAccountNotWritable, watchRun},
			negCase{"seven accounts", keeper, chaintest.Truncated(good, 7), escrow.ErrNotEnoughAccounts, watchRun},
			negCase{"token program is the registry", keeper, chaintest.WithAccount(good, 7, e.Registry.ID), escrow.ErrInvalidProgramId, watchRun},
			negCase{"a registry Device as the job", keeper, chaintest.WithAccount(good, 1, pB.Device), escrow.ErrInvalidAccountOwner, watchRun},
			negCase{"an ended job", keeper, chaintest.Must(e.prog.ExpireJob(ended.addr, ended.renter.token, nil)), escrow.ErrInvalidJobState, watchEnded},
		)
	})

	t.Run("quit_job", func(t *testing.T) {
		quit := func(j job, p chaintest.Provider, slot uint8) solana.Instruction {
			return chaintest.Must(e.prog.QuitJob(j.addr, p.DeviceKey.PublicKey(), slot))
		}
		good := quit(run, p0, 0)
		k0 := []solana.PrivateKey{e.Keeper, p0.DeviceKey}
		watch := append(watchRun, pB.Device)
		e.negRun(t,
			negCase{"device key did not sign", keeper, chaintest.Unsigned(good, 3), escrow.ErrMissingSigner, watch},
			negCase{"job read-only", k0, chaintest.ReadOnly(good, 1), escrow.ErrAccountNotWritable, watch},
			negCase{"device read-only", k0, chaintest.ReadOnly(good, 2), escrow.ErrAccountNotWritable, watch},
			negCase{"six accounts", k0, chaintest.Truncated(good, 6), escrow.ErrNotEnoughAccounts, watch},
			negCase{"registry program is the token program", k0, chaintest.WithAccount(good, 6, solana.TokenProgramID), escrow.ErrInvalidProgramId, watch},
			negCase{"registry config is the escrow's Config", k0, chaintest.WithAccount(good, 4, escrowConfig), escrow.ErrInvalidPda, watch},
			negCase{"escrow authority is another address", k0, chaintest.WithAccount(good, 5, sk), escrow.ErrInvalidPda, watch},
			negCase{"the renter's wallet as the job", k0, chaintest.WithAccount(good, 1, rk), escrow.ErrInvalidAccountOwner, watch},
			negCase{"an escrow Job as the device", k0, chaintest.WithAccount(good, 2, other.addr), escrow.ErrInvalidAccountOwner, watch},
			// The device account is the slot's, the signer another device's key.
			negCase{"signed by another device's key", kB, chaintest.WithAccount(good, 3, pB.DeviceKey.PublicKey()), escrow.ErrWrongDevice, watch},
			// A hired device of the job, with its own key, quitting the other device's slot.
			negCase{"another hired device's slot", []solana.PrivateKey{e.Keeper, p1.DeviceKey}, quit(run, p1, 0), escrow.ErrWrongDevice, watch},
			negCase{"a device not on the job", kB, quit(run, pB, 0), escrow.ErrWrongDevice, watch},
			negCase{"slot out of range", k0, quit(run, p0, 7), escrow.ErrInvalidSlot, watch},
			negCase{"an open job", kB, quit(open, pB, 0), escrow.ErrInvalidJobState, []solana.PublicKey{open.addr, pB.Device}},
			negCase{"an ended job", kB, quit(ended, pB, 0), escrow.ErrInvalidJobState, append(watchEnded, pB.Device)},
		)
	})

	t.Run("replace_device", func(t *testing.T) {
		replace := func(slot uint8, old, new solana.PublicKey) solana.Instruction {
			return chaintest.Must(e.prog.ReplaceDevice(ak.PublicKey(), asg.addr, slot, old, new))
		}
		good := replace(1, pB.Device, pNew.Device) // fails on the new device: the others fail before
		sig := []solana.PrivateKey{ak}
		watch := append(watchAsg, pNew.Device)
		e.negRun(t,
			negCase{"by a stranger", []solana.PrivateKey{stranger.key}, chaintest.Must(e.prog.ReplaceDevice(sk, asg.addr, 1, pB.Device, pNew.Device)),
				escrow.ErrNotRenterOrScheduler, watch},
			negCase{"authority did not sign", keeper, chaintest.Unsigned(good, 2), escrow.ErrMissingSigner, watch},
			negCase{"old device read-only", sig, chaintest.ReadOnly(good, 3), escrow.ErrAccountNotWritable, watch},
			negCase{"seven accounts", sig, chaintest.Truncated(good, 7), escrow.ErrNotEnoughAccounts, watch},
			negCase{"registry program is the token program", sig, chaintest.WithAccount(good, 7, solana.TokenProgramID), escrow.ErrInvalidProgramId, watch},
			negCase{"escrow authority is another address", sig, chaintest.WithAccount(good, 6, sk), escrow.ErrInvalidPda, watch},
			negCase{"slot out of range", sig, replace(5, pB.Device, pNew.Device), escrow.ErrInvalidSlot, watch},
			negCase{"old device is not the slot's", sig, replace(0, pB.Device, pNew.Device), escrow.ErrWrongDevice, watch},
			negCase{"new device in probation", sig, good, escrow.ErrDeviceNotHireable, watch},
			negCase{"new device hired by another job", sig, replace(1, pB.Device, p0.Device), escrow.ErrDeviceNotHireable, append(watch, p0.Device)},
			negCase{"an ended job", []solana.PrivateKey{ek}, chaintest.Must(e.prog.ReplaceDevice(ek.PublicKey(), ended.addr, 0, pB.Device, pNew.Device)),
				escrow.ErrInvalidJobState, watchEnded},
		)
	})

	t.Run("clusters", func(t *testing.T) {
		cr := e.newRenter(t, 10*iosd)
		crk := cr.key.PublicKey()
		sig := []solana.PrivateKey{cr.key}
		mine, theirs := e.prog.ClusterAddress(crk, 7), e.prog.ClusterAddress(sk, 8)
		require.NoError(t, e.Send(sig, chaintest.Must(e.prog.CreateCluster(crk, 7, [32]byte{7}))))
		require.NoError(t, e.Send([]solana.PrivateKey{stranger.key}, chaintest.Must(e.prog.CreateCluster(sk, 8, [32]byte{8}))))
		inCluster := func(cluster solana.PublicKey) solana.Instruction {
			tm := terms(1, 1, 600)
			tm.Cluster = cluster
			return chaintest.Must(e.prog.CreateJob(crk, cr.token, e.IOSDMint, tm))
		}
		j := job{addr: e.prog.JobAddress(crk, 1), id: 1, renter: cr}
		watch := []solana.PublicKey{j.addr, cr.token, mine, theirs}
		e.negRun(t,
			negCase{"create_cluster: renter did not sign", keeper, chaintest.Unsigned(chaintest.Must(e.prog.CreateCluster(crk, 9, [32]byte{})), 2),
				escrow.ErrMissingSigner, []solana.PublicKey{e.prog.ClusterAddress(crk, 9)}},
			negCase{"create_cluster: id already used", []solana.PrivateKey{e.Keeper, cr.key}, chaintest.Must(e.prog.CreateCluster(crk, 7, [32]byte{7})),
				escrow.ErrAccountAlreadyInitialized, watch},
			negCase{"create_cluster: address of another id", sig, chaintest.WithAccount(chaintest.Must(e.prog.CreateCluster(crk, 9, [32]byte{})), 1, e.prog.ClusterAddress(crk, 10)),
				escrow.ErrInvalidPda, []solana.PublicKey{e.prog.ClusterAddress(crk, 9), e.prog.ClusterAddress(crk, 10)}},
			negCase{"create_job in another renter's cluster", sig, inCluster(theirs), escrow.ErrWrongCluster, watch},
			negCase{"create_job with the cluster read-only", sig, chaintest.ReadOnly(inCluster(mine), 8), escrow.ErrAccountNotWritable, watch},
			negCase{"create_job with a Job as the cluster", sig, inCluster(run.addr), escrow.ErrInvalidAccountData, append(watch, run.addr)},
		)
		require.NoError(t, e.Send(sig, inCluster(mine)))
		require.NoError(t, e.Send(sig, chaintest.Must(e.prog.CancelJob(crk, j.addr, cr.token, nil))))
		closeJob := func(cluster solana.PublicKey) solana.Instruction {
			return chaintest.Must(e.prog.CloseJob(j.addr, crk, cr.token, cluster))
		}
		e.negRun(t,
			negCase{"close_cluster with a job not closed", sig, chaintest.Must(e.prog.CloseCluster(crk, 7)), escrow.ErrClusterNotEmpty, watch},
			negCase{"close_cluster by another wallet", []solana.PrivateKey{stranger.key}, chaintest.WithAccount(chaintest.Must(e.prog.CloseCluster(sk, 8)), 0, mine),
				escrow.ErrNotRenter, watch},
			negCase{"close_job without its cluster", keeper, closeJob(solana.PublicKey{}), escrow.ErrWrongCluster, watch},
			negCase{"close_job with another cluster", keeper, closeJob(theirs), escrow.ErrWrongCluster, watch},
			negCase{"close_job with its cluster read-only", keeper, chaintest.ReadOnly(closeJob(mine), 6), escrow.ErrAccountNotWritable, watch},
		)
		require.NoError(t, e.Send(keeper, closeJob(mine)))
		require.NoError(t, e.Send(sig, chaintest.Must(e.prog.CloseCluster(crk, 7))))
		require.Equal(t, uint64(0), e.Lamports(t, mine))
	})

	t.Run("dispatch", func(t *testing.T) {
		settle := e.settleIx(e.Keeper.PublicKey(), run.addr, 0, run.payouts[0], e.treasuryIOSD, e.IOSDMint)
		e.negRun(t,
			negCase{"unknown discriminator", keeper, chaintest.WithData(settle, []byte{1, 2, 3, 4, 5, 6, 7, 8}), escrow.ErrInvalidInstruction, watchRun},
			negCase{"data shorter than a discriminator", keeper, chaintest.WithData(settle, []byte{1, 2, 3}), escrow.ErrInvalidInstruction, watchRun},
		)
	})

	// Last: the control closes ended.
	t.Run("close_job", func(t *testing.T) {
		eKey := ek.PublicKey()
		good := chaintest.Must(e.prog.CloseJob(ended.addr, eKey, ended.renter.token, solana.PublicKey{}))
		watch := append(watchEnded, stranger.token)
		e.negRun(t,
			negCase{"a running job", keeper, chaintest.Must(e.prog.CloseJob(run.addr, rk, rr.token, solana.PublicKey{})), escrow.ErrInvalidJobState, watchRun},
			negCase{"renter is not the job's", keeper, chaintest.Must(e.prog.CloseJob(ended.addr, sk, stranger.token, solana.PublicKey{})), escrow.ErrNotRenter, watch},
			negCase{"refund to someone else's account", keeper, chaintest.Must(e.prog.CloseJob(ended.addr, eKey, stranger.token, solana.PublicKey{})),
				escrow.ErrWrongTokenAccount, watch},
			negCase{"vault of another job", keeper, chaintest.WithAccount(good, 2, e.prog.VaultAddress(other.addr)), escrow.ErrInvalidPda, append(watch, e.prog.VaultAddress(other.addr))},
			negCase{"renter read-only", keeper, chaintest.ReadOnly(good, 3), escrow.ErrAccountNotWritable, watch},
			negCase{"five accounts", keeper, chaintest.Truncated(good, 5), escrow.ErrNotEnoughAccounts, watch},
			negCase{"token program is the registry", keeper, chaintest.WithAccount(good, 5, e.Registry.ID), escrow.ErrInvalidProgramId, watch},
			negCase{"a registry Device as the job", keeper, chaintest.WithAccount(good, 1, pB.Device), escrow.ErrInvalidAccountOwner, watch},
		)
		t.Run("control: the unmodified instruction succeeds", func(t *testing.T) {
			require.NoError(t, e.Send(keeper, good))
			require.Equal(t, uint64(0), e.Lamports(t, ended.addr))
		})
	})

	// A job has 32 slots: each replacement takes a fresh one, until none is left.
	t.Run("no free slot", func(t *testing.T) {
		okk := ok.PublicKey()
		require.NoError(t, e.Send([]solana.PrivateKey{ok}, chaintest.Must(e.prog.AssignDevices(okk, open.addr, pB.Device))))
		// A device left on a slot may be proposed again: pB replaces itself.
		for slot := range uint8(escrow.MaxSlots - 1) {
			require.NoError(t, e.Send([]solana.PrivateKey{ok}, chaintest.Must(e.prog.ReplaceDevice(okk, open.addr, slot, pB.Device, pB.Device))))
		}
		require.Equal(t, uint8(escrow.MaxSlots), e.job(t, open).SlotCount)
		e.negRun(t, negCase{"replace on the last slot", []solana.PrivateKey{ok},
			chaintest.Must(e.prog.ReplaceDevice(okk, open.addr, escrow.MaxSlots-1, pB.Device, pB.Device)), escrow.ErrNoFreeSlot,
			[]solana.PublicKey{open.addr, pB.Device}})
	})
}

// The rules that need the clock: the acceptance window, the usage windows, the paid time and
// the finality of usage before a close.
func TestNegativeUsageAndTime(t *testing.T) {
	e := newEnv(t)
	keeper := []solana.PrivateKey{e.Keeper}
	pL := e.ActiveProvider(t, e.Keeper)
	late := e.createJob(t, 1, 600) // pL is proposed and never accepts
	lk := late.renter.key
	late.providers = []chaintest.Provider{pL}
	late.payouts = []solana.PublicKey{e.TokenAccount(t, e.IOSDMint, pL.Owner.PublicKey(), 0)}
	require.NoError(t, e.Send([]solana.PrivateKey{lk}, chaintest.Must(e.prog.AssignDevices(lk.PublicKey(), late.addr, pL.Device))))
	lateJob := e.job(t, late)
	lateVault := e.prog.VaultAddress(late.addr)
	watchLate := []solana.PublicKey{late.addr, lateVault, late.renter.token, pL.Device}
	expireLate := func(devices ...solana.PublicKey) solana.Instruction {
		return chaintest.Must(e.prog.ExpireJob(late.addr, late.renter.token, devices))
	}
	acceptLate := chaintest.Must(e.prog.AcceptJob(late.addr, pL.DeviceKey.PublicKey(), late.payouts[0], 0))
	e.negRun(t, negCase{"expire inside the acceptance window", keeper, expireLate(), escrow.ErrJobNotExpired, watchLate})

	const duration = 6
	u := e.runningJob(t, 2, duration)
	uk := u.renter.key
	uVault := e.prog.VaultAddress(u.addr)
	started := e.job(t, u)
	start := started.StartedAt
	hired := []solana.PublicKey{u.providers[0].Device, u.providers[1].Device}
	watchU := []solana.PublicKey{u.addr, uVault, u.renter.token, hired[0], hired[1]}

	var w0 uint64
	t.Run("record_usage", func(t *testing.T) {
		e.negRun(t,
			e.voteCase("a job that never started", escrow.ErrInvalidJobState, late, 0, uint64(start/e.params.UsageWindowSecs)-1),
			e.voteCase("window not ended", escrow.ErrUsageWindowNotClosed, u, 0, uint64(time.Now().Unix()/e.params.UsageWindowSecs)+5),
			e.voteCase("window ended before the job started", escrow.ErrStaleUsage, u, 0, uint64(start/e.params.UsageWindowSecs)-1),
		)
		w0 = e.endedWindow(start)
		c0, c1 := capAt(started, started.Slots[0], e.windowEnd(w0)), capAt(started, started.Slots[1], e.windowEnd(w0))
		e.negRun(t,
			e.voteCase("more than the slot's wall time", escrow.ErrInvalidUsage, u, 0, w0, c0+1, c1),
			e.voteCase("usage for an unused slot", escrow.ErrInvalidUsage, u, 0, w0, c0, c1, 1),
		)
		_, err := e.vote(u, 0, w0, c0, c1)
		require.NoError(t, err)
		e.negRun(t, e.voteCase("the same oracle twice", escrow.ErrDuplicateVote, u, 0, w0, c0, c1))
		_, err = e.vote(u, 1, w0, c0, c1)
		require.NoError(t, err)
		got := e.job(t, u)
		require.Equal(t, w0, got.LastUsageWindow)
		require.Equal(t, uint64(c0), got.Slots[0].VerifiedSecs)
		e.negRun(t, e.voteCase("a window already counted", escrow.ErrStaleUsage, u, 2, w0, c0, c1))
	})

	t.Run("after the paid time", func(t *testing.T) {
		waitUntil(start + duration)
		sig := []solana.PrivateKey{uk}
		e.negRun(t,
			negCase{"top_up", sig, chaintest.Must(e.prog.TopUp(uk.PublicKey(), u.addr, u.renter.token, 10)), escrow.ErrJobTimeUp, watchU},
			negCase{"assign_devices", sig, chaintest.Must(e.prog.AssignDevices(uk.PublicKey(), u.addr, pL.Device)), escrow.ErrJobTimeUp, watchU},
			negCase{"replace_device", sig, chaintest.Must(e.prog.ReplaceDevice(uk.PublicKey(), u.addr, 0, hired[0], pL.Device)), escrow.ErrJobTimeUp,
				append(watchU, pL.Device)},
		)
	})

	t.Run("expire_job with the wrong device accounts", func(t *testing.T) {
		expire := func(devices ...solana.PublicKey) solana.Instruction {
			return chaintest.Must(e.prog.ExpireJob(u.addr, u.renter.token, devices))
		}
		watch := append(watchU, pL.Device, late.renter.token)
		e.negRun(t,
			negCase{"no device accounts", keeper, expire(), escrow.ErrWrongDeviceAccounts, watch},
			negCase{"a device missing", keeper, expire(hired[1]), escrow.ErrWrongDeviceAccounts, watch},
			negCase{"devices out of order", keeper, expire(hired[1], hired[0]), escrow.ErrWrongDeviceAccounts, watch},
			negCase{"an extra device", keeper, expire(hired[0], hired[1], pL.Device), escrow.ErrWrongDeviceAccounts, watch},
			negCase{"a device read-only", keeper, chaintest.ReadOnly(expire(hired...), 8), escrow.ErrAccountNotWritable, watch},
			negCase{"refund to someone else's account", keeper, chaintest.Must(e.prog.ExpireJob(u.addr, late.renter.token, hired)),
				escrow.ErrWrongTokenAccount, watch},
			negCase{"registry program is the token program", keeper, chaintest.WithAccount(expire(hired...), 6, solana.TokenProgramID), escrow.ErrInvalidProgramId, watch},
			negCase{"registry config is the escrow's Config", keeper, chaintest.WithAccount(expire(hired...), 4, e.prog.ConfigAddress()), escrow.ErrInvalidPda, watch},
		)
		sig, err := e.SendSig([]solana.PrivateKey{uk}, expire(hired...))
		require.NoError(t, err)
		ev := e.eventsOf(t, sig)
		require.Equal(t, &escrow.JobEnded{Job: u.addr, EndedAt: start + duration, State: escrow.JobCompleted,
			Refunded: ev[len(ev)-1].(*escrow.JobEnded).Refunded}, ev[len(ev)-1])
	})

	closeU := chaintest.Must(e.prog.CloseJob(u.addr, uk.PublicKey(), u.renter.token, solana.PublicKey{}))
	// Right after the end: the last window is not counted and the grace (6 s) is not over.
	e.negRun(t, negCase{"close before usage is final", keeper, closeU, escrow.ErrUsageNotFinal, watchU})

	t.Run("the acceptance window", func(t *testing.T) {
		waitUntil(lateJob.CreatedAt + e.params.AcceptanceWindowSecs)
		e.negRun(t,
			negCase{"accept after it", []solana.PrivateKey{e.Keeper, pL.DeviceKey}, acceptLate, escrow.ErrAcceptanceWindowClosed, watchLate},
			negCase{"expire with an extra device", keeper, expireLate(pL.Device), escrow.ErrWrongDeviceAccounts, watchLate},
		)
		sig, err := e.SendSig([]solana.PrivateKey{lk}, expireLate())
		require.NoError(t, err)
		deposit := uint64(600 * perSec)
		require.Equal(t, []any{&escrow.JobEnded{Job: late.addr, EndedAt: e.eventsOf(t, sig)[0].(*escrow.JobEnded).EndedAt,
			Refunded: deposit, State: escrow.JobExpired}}, e.eventsOf(t, sig))
		require.Equal(t, deposit+iosd, e.TokenBalance(t, late.renter.token))
		e.negRun(t,
			negCase{"expire again", keeper, expireLate(), escrow.ErrInvalidJobState, watchLate},
			negCase{"accept a slot that left", []solana.PrivateKey{lk, pL.DeviceKey}, acceptLate, escrow.ErrInvalidSlot, watchLate},
			negCase{"quit an expired job", []solana.PrivateKey{e.Keeper, pL.DeviceKey}, chaintest.Must(e.prog.QuitJob(late.addr, pL.DeviceKey.PublicKey(), 0)),
				escrow.ErrInvalidJobState, watchLate},
			negCase{"top_up an expired job", []solana.PrivateKey{lk}, chaintest.Must(e.prog.TopUp(lk.PublicKey(), late.addr, late.renter.token, 10)),
				escrow.ErrInvalidJobState, watchLate},
			negCase{"cancel an expired job", []solana.PrivateKey{lk}, chaintest.Must(e.prog.CancelJob(lk.PublicKey(), late.addr, late.renter.token, nil)),
				escrow.ErrInvalidJobState, watchLate},
		)
	})

	t.Run("usage after the end", func(t *testing.T) {
		ended := e.job(t, u)
		caps := func(w uint64) (uint32, uint32) {
			return capAt(ended, ended.Slots[0], e.windowEnd(w)), capAt(ended, ended.Slots[1], e.windowEnd(w))
		}
		w2 := e.endedWindow(e.windowEnd(w0 + 1)) // w0 + 2
		require.Equal(t, w0+2, w2)
		c0, c1 := caps(w2)
		_, err := e.vote(u, 0, w2, c0, c1) // w2 collects votes now
		require.NoError(t, err)
		e.negRun(t, negCase{"count before the deadline", keeper, chaintest.Must(e.prog.CountUsage(u.addr)), escrow.ErrUsageCollectionOpen, watchU})
		c0, c1 = caps(w0 + 1)
		e.negRun(t, e.voteCase("a window older than the one collecting votes", escrow.ErrStaleUsage, u, 1, w0+1, c0, c1))
		w3 := e.endedWindow(e.windowEnd(w2)) // ended; w2's deadline has not passed
		c0, c1 = caps(w3)
		e.negRun(t, e.voteCase("a later window while one is open", escrow.ErrUsageCollectionOpen, u, 1, w3, c0, c1))
		waitUntil(e.windowEnd(w2) + voteDeadline) // now the next vote counts w2 (one vote: nothing) first

		last := e.endedWindow(ended.EndedAt) // reaches the end: usage is final
		require.Greater(t, last, w2)
		e.countUsage(t, u, last, duration, duration)
		payer := e.Funded(t)
		e.negRun(t, negCase{"close with usage unsettled", []solana.PrivateKey{payer}, closeU, escrow.ErrUnsettledUsage, watchU})
		_, err = e.settle(u, 0, u.payouts[0])
		require.NoError(t, err)
		e.negRun(t, negCase{"close with one slot unsettled", []solana.PrivateKey{uk}, closeU, escrow.ErrUnsettledUsage, watchU})
		// The economy program is checked when the IOSD fee's burn share goes through it.
		e.negRun(t, negCase{"settle with another economy program", keeper,
			chaintest.WithAccount(e.settleIx(e.Keeper.PublicKey(), u.addr, 1, u.payouts[1], e.treasuryIOSD, e.IOSDMint), 7, e.Registry.ID),
			escrow.ErrInvalidProgramId, append(watchU, u.payouts[1], e.treasuryIOSD)})
		// Slot 1's provider closed its payout account: its pay goes to its Unclaimed record.
		p0, p1 := u.providers[0].Owner, u.providers[1].Owner
		require.NoError(t, e.Send([]solana.PrivateKey{p1}, token.NewCloseAccountInstruction(u.payouts[1], p1.PublicKey(), p1.PublicKey(), nil).Build()))
		record, uvault := e.prog.UnclaimedAddress(p1.PublicKey(), e.IOSDMint), e.prog.UnclaimedVaultAddress(e.IOSDMint)
		settle1 := e.settleIx(e.Keeper.PublicKey(), u.addr, 1, u.payouts[1], e.treasuryIOSD, e.IOSDMint)
		watch1 := append(watchU, e.treasuryIOSD, record, uvault)
		e.negRun(t,
			negCase{"settle with another slot's device", keeper, chaintest.WithAccount(settle1, 9, hired[0]), escrow.ErrWrongDevice, watch1},
			negCase{"settle with the job as the device", keeper, chaintest.WithAccount(settle1, 9, u.addr), escrow.ErrInvalidAccountOwner, watch1},
			negCase{"settle to another owner's record", keeper, chaintest.WithAccount(settle1, 10, e.prog.UnclaimedAddress(p0.PublicKey(), e.IOSDMint)),
				escrow.ErrInvalidPda, watch1},
			negCase{"settle to the IO unclaimed vault", keeper, chaintest.WithAccount(settle1, 11, e.prog.UnclaimedVaultAddress(e.IOMint)),
				escrow.ErrInvalidPda, watch1},
		)
		_, err = e.settle(u, 1, u.payouts[1])
		require.NoError(t, err)
		e.negRun(t, negCase{"settle again", keeper, settle1, escrow.ErrNothingToSettle, watchU})

		// Collecting it: only its owner, to a token account of the mint it owns, rent to the payer.
		to := e.freshTokenAccount(t, p1)
		collect := chaintest.Must(e.prog.CollectUnclaimed(p1.PublicKey(), e.IOSDMint, to, uk.PublicKey()))
		kp1 := []solana.PrivateKey{e.Keeper, p1}
		watchC := []solana.PublicKey{record, uvault, to, u.renter.token}
		e.negRun(t,
			negCase{"collect unsigned by the owner", keeper, chaintest.Unsigned(collect, 2), escrow.ErrMissingSigner, watchC},
			negCase{"collect with the record read-only", kp1, chaintest.ReadOnly(collect, 0), escrow.ErrAccountNotWritable, watchC},
			negCase{"collect with five accounts", kp1, chaintest.Truncated(collect, 5), escrow.ErrNotEnoughAccounts, watchC},
			negCase{"collect through another token program", kp1, chaintest.WithAccount(collect, 5, e.Registry.ID), escrow.ErrInvalidProgramId, watchC},
			negCase{"collect a job as the record", kp1, chaintest.WithAccount(collect, 0, u.addr), escrow.ErrInvalidAccountData, watchC},
			negCase{"collect without a record", []solana.PrivateKey{e.Keeper, p0}, chaintest.Must(e.prog.CollectUnclaimed(p0.PublicKey(), e.IOSDMint, to, uk.PublicKey())),
				escrow.ErrInvalidAccountOwner, watchC},
			negCase{"collect someone else's record", []solana.PrivateKey{e.Keeper, p0}, chaintest.WithAccount(collect, 2, p0.PublicKey()),
				escrow.ErrNotUnclaimedOwner, watchC},
			negCase{"collect from another vault", kp1, chaintest.WithAccount(collect, 1, e.prog.UnclaimedVaultAddress(e.IOMint)), escrow.ErrInvalidPda, watchC},
			negCase{"collect with the rent to another", kp1, chaintest.Must(e.prog.CollectUnclaimed(p1.PublicKey(), e.IOSDMint, to, e.Keeper.PublicKey())),
				escrow.ErrWrongRentPayer, watchC},
			negCase{"collect to someone else's account", kp1, chaintest.Must(e.prog.CollectUnclaimed(p1.PublicKey(), e.IOSDMint, u.renter.token, uk.PublicKey())),
				escrow.ErrWrongTokenAccount, watchC},
			negCase{"collect to an IO account", kp1, chaintest.Must(e.prog.CollectUnclaimed(p1.PublicKey(), e.IOSDMint, u.providers[1].Token, uk.PublicKey())),
				escrow.ErrInvalidMint, watchC},
		)
		require.NoError(t, e.Send(kp1, collect))
		require.Equal(t, pay(0, duration).Payout, e.TokenBalance(t, to))
		e.conserved(t, e.job(t, u))
		require.NoError(t, e.Send(keeper, closeU))
		require.Equal(t, uint64(0), e.Lamports(t, u.addr))
	})
}

// The admin's instructions refuse anyone else and bad parameters. Then the admin turns the
// configuration against the running jobs (a new scheduler and treasury, the highest fee, no
// burn, an hour's acceptance window, a day's grace, longer usage windows: delayed, then applied)
// and pauses the program. Paused, it refuses what starts new commitments (create a cluster or
// a job, top up, assign, accept); every exit still works, on the terms each job was created
// with: record_usage and settle (the fee at the job's rate, to the job's treasury), quit_job,
// replace_device (its device leaves; the proposal locks nothing), cancel_job, expire_job (at
// the job's acceptance window), close_job (after the job's grace) and close_cluster, with
// exact balances.
func TestNegativePaused(t *testing.T) {
	e := newEnv(t)
	exp := e.createJob(t, 1, 600) // never assigned: it expires after the acceptance window
	run := e.runningJob(t, 2, 600)
	rk := run.renter.key
	p0, p1 := run.providers[0], run.providers[1]
	pQ := e.ActiveProvider(t, e.Keeper)
	asg := e.createJob(t, 1, 600)
	asg.providers = []chaintest.Provider{pQ}
	asg.payouts = []solana.PublicKey{e.TokenAccount(t, e.IOSDMint, pQ.Owner.PublicKey(), 0)}
	require.NoError(t, e.Send([]solana.PrivateKey{asg.renter.key}, chaintest.Must(e.prog.AssignDevices(asg.renter.key.PublicKey(), asg.addr, pQ.Device))))
	nr := e.newRenter(t, 10*iosd)
	require.NoError(t, e.Send([]solana.PrivateKey{nr.key}, chaintest.Must(e.prog.CreateCluster(nr.key.PublicKey(), 1, [32]byte{}))))

	stranger := e.Funded(t)
	badParams := func(edit func(*escrow.ConfigParams)) solana.Instruction {
		return chaintest.Must(e.prog.UpdateConfig(e.Admin.PublicKey(), e.edited(edit)))
	}
	e.negRun(t,
		negCase{"set_pause by a stranger", []solana.PrivateKey{stranger}, chaintest.Must(e.prog.SetPause(stranger.PublicKey(), true)),
			escrow.ErrUnauthorized, []solana.PublicKey{e.prog.ConfigAddress()}},
		negCase{"update_config by a stranger", []solana.PrivateKey{stranger}, chaintest.Must(e.prog.UpdateConfig(stranger.PublicKey(), e.params)),
			escrow.ErrUnauthorized, []solana.PublicKey{e.prog.ConfigAddress()}},
		negCase{"set_pause without the admin's signature", []solana.PrivateKey{stranger},
			chaintest.Unsigned(chaintest.Must(e.prog.SetPause(e.Admin.PublicKey(), true)), 1), escrow.ErrMissingSigner, []solana.PublicKey{e.prog.ConfigAddress()}},
		negCase{"initialize_config by another wallet", []solana.PrivateKey{stranger}, chaintest.Must(e.prog.InitializeConfig(stranger.PublicKey(), e.params, e.limits)),
			escrow.ErrNotUpgradeAuthority, []solana.PublicKey{e.prog.ConfigAddress()}},
		negCase{"initialize_config again", []solana.PrivateKey{e.Keeper, e.Admin}, e.initialize(),
			escrow.ErrAccountAlreadyInitialized, []solana.PublicKey{e.prog.ConfigAddress()}},
		negCase{"update_config: fee over 100%", []solana.PrivateKey{e.Admin}, badParams(func(p *escrow.ConfigParams) { p.FeeBps = 10_001 }),
			escrow.ErrInvalidConfigParams, []solana.PublicKey{e.prog.ConfigAddress()}},
		negCase{"update_config: grace shorter than a usage window", []solana.PrivateKey{e.Admin}, badParams(func(p *escrow.ConfigParams) { p.UsageGraceSecs = 1 }),
			escrow.ErrInvalidConfigParams, []solana.PublicKey{e.prog.ConfigAddress()}},
		negCase{"update_config: no treasury", []solana.PrivateKey{e.Admin}, badParams(func(p *escrow.ConfigParams) { p.Treasury = solana.PublicKey{} }),
			escrow.ErrInvalidConfigParams, []solana.PublicKey{e.prog.ConfigAddress()}},
	)

	// The hostile configuration, and the pause.
	scheduler2, treasury2 := e.Funded(t), solana.NewWallet().PublicKey()
	treasury2IOSD := e.TokenAccount(t, e.IOSDMint, treasury2, 0)
	hostile := e.edited(func(p *escrow.ConfigParams) {
		p.Scheduler, p.Treasury, p.FeeBps, p.FeeBurnBps = scheduler2.PublicKey(), treasury2, e.limits.MaxFeeBps, 0
		p.AcceptanceWindowSecs, p.UsageWindowSecs, p.UsageGraceSecs = 3600, 5, e.limits.MaxUsageGraceSecs
	})
	e.changeConfig(t, hostile)
	require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, chaintest.Must(e.prog.SetPause(e.Admin.PublicKey(), true))))
	config, err := e.prog.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	require.Equal(t, uint8(1), config.Paused)
	require.Equal(t, hostile, config.Params)

	runVault := e.prog.VaultAddress(run.addr)
	watchRun := []solana.PublicKey{run.addr, runVault, run.renter.token, p0.Device, p1.Device, pQ.Device}
	create := chaintest.Must(e.prog.CreateJob(nr.key.PublicKey(), nr.token, e.IOSDMint, terms(1, 1, 600)))
	e.negRun(t,
		negCase{"create_job", []solana.PrivateKey{nr.key}, create, escrow.ErrProgramPaused,
			[]solana.PublicKey{e.prog.JobAddress(nr.key.PublicKey(), 1), nr.token}},
		negCase{"create_cluster", []solana.PrivateKey{nr.key}, chaintest.Must(e.prog.CreateCluster(nr.key.PublicKey(), 2, [32]byte{})), escrow.ErrProgramPaused,
			[]solana.PublicKey{e.prog.ClusterAddress(nr.key.PublicKey(), 2)}},
		negCase{"top_up", []solana.PrivateKey{rk}, chaintest.Must(e.prog.TopUp(rk.PublicKey(), run.addr, run.renter.token, 10)), escrow.ErrProgramPaused, watchRun},
		negCase{"assign_devices", []solana.PrivateKey{exp.renter.key}, chaintest.Must(e.prog.AssignDevices(exp.renter.key.PublicKey(), exp.addr, pQ.Device)),
			escrow.ErrProgramPaused, []solana.PublicKey{exp.addr, pQ.Device}},
		negCase{"assign_devices by the scheduler", []solana.PrivateKey{scheduler2}, chaintest.Must(e.prog.AssignDevices(scheduler2.PublicKey(), exp.addr, pQ.Device)),
			escrow.ErrProgramPaused, []solana.PublicKey{exp.addr, pQ.Device}},
		negCase{"accept_job", []solana.PrivateKey{e.Keeper, pQ.DeviceKey}, chaintest.Must(e.prog.AcceptJob(asg.addr, pQ.DeviceKey.PublicKey(), asg.payouts[0], 0)),
			escrow.ErrProgramPaused, []solana.PublicKey{asg.addr, pQ.Device}},
	)

	started := e.job(t, run)
	var paid [2]uint64 // verified seconds paid per slot
	t.Run("record_usage and settle work, at the job's fee and treasury", func(t *testing.T) {
		w := e.endedWindow(started.StartedAt)
		c0, c1 := capAt(started, started.Slots[0], e.windowEnd(w)), capAt(started, started.Slots[1], e.windowEnd(w))
		e.countUsage(t, run, w, c0, c1)
		for slot, c := range []uint32{c0, c1} {
			if c == 0 {
				continue
			}
			_, err := e.settle(run, uint8(slot), run.payouts[slot])
			require.NoError(t, err)
			require.Equal(t, pay(0, uint64(c)).Payout, e.TokenBalance(t, run.payouts[slot]))
			paid[slot] = uint64(c)
		}
		require.Equal(t, pay(0, paid[0]).FeeTreasury+pay(0, paid[1]).FeeTreasury, e.TokenBalance(t, e.treasuryIOSD))
		require.Zero(t, e.TokenBalance(t, treasury2IOSD))
	})
	t.Run("quit_job works", func(t *testing.T) {
		_, err := e.SendSig([]solana.PrivateKey{e.Keeper, p1.DeviceKey}, chaintest.Must(e.prog.QuitJob(run.addr, p1.DeviceKey.PublicKey(), 1)))
		require.NoError(t, err)
		require.Equal(t, escrow.SlotLeft, e.job(t, run).Slots[1].State)
		e.released(t, p1)
	})
	t.Run("replace_device works", func(t *testing.T) {
		require.NoError(t, e.Send([]solana.PrivateKey{rk}, chaintest.Must(e.prog.ReplaceDevice(rk.PublicKey(), run.addr, 0, p0.Device, pQ.Device))))
		got := e.job(t, run)
		require.Equal(t, escrow.SlotLeft, got.Slots[0].State)
		require.Equal(t, escrow.SlotProposed, got.Slots[2].State)
		e.released(t, p0)
	})
	t.Run("cancel_job works", func(t *testing.T) {
		require.NoError(t, e.Send([]solana.PrivateKey{rk}, chaintest.Must(e.prog.CancelJob(rk.PublicKey(), run.addr, run.renter.token, onescrow.HiredDevices(e.job(t, run))))))
		got := e.job(t, run)
		require.Equal(t, escrow.JobCancelled, got.State)
		require.Equal(t, escrow.SlotLeft, got.Slots[2].State, "the proposal is dropped")
		e.conserved(t, got)
		// What is kept is exactly what the two slots may still be paid for their time.
		var keep uint64
		for slot := range 2 {
			keep += pay(paid[slot], uint64(capAt(got, got.Slots[slot], got.EndedAt))).Gross
		}
		require.Equal(t, keep, e.TokenBalance(t, runVault))
	})
	t.Run("expire_job and close_job work", func(t *testing.T) {
		g := e.job(t, exp)
		require.Equal(t, e.params.AcceptanceWindowSecs, g.AcceptanceWindowSecs)
		waitUntil(g.CreatedAt + g.AcceptanceWindowSecs) // the job's window, not the config's hour
		require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.ExpireJob(exp.addr, exp.renter.token, nil))))
		require.Equal(t, escrow.JobExpired, e.job(t, exp).State)
		require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.CloseJob(exp.addr, exp.renter.key.PublicKey(), exp.renter.token, solana.PublicKey{}))))
		require.Zero(t, e.Lamports(t, exp.addr))
		require.Equal(t, uint64(600*perSec+iosd), e.TokenBalance(t, exp.renter.token))

		// The cancelled job closes after its own grace (6 s, not the config's day), its last
		// usage unattested: the renter gets back everything but what was paid.
		ended := e.job(t, run)
		waitUntil(ended.EndedAt + ended.UsageGraceSecs)
		require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.CloseJob(run.addr, rk.PublicKey(), run.renter.token, solana.PublicKey{}))))
		require.Zero(t, e.Lamports(t, run.addr))
		require.Equal(t, uint64(2*600*perSec+iosd)-pay(0, paid[0]).Gross-pay(0, paid[1]).Gross, e.TokenBalance(t, run.renter.token))
	})
	t.Run("close_cluster works", func(t *testing.T) {
		require.NoError(t, e.Send([]solana.PrivateKey{nr.key}, chaintest.Must(e.prog.CloseCluster(nr.key.PublicKey(), 1))))
		require.Equal(t, uint64(0), e.Lamports(t, e.prog.ClusterAddress(nr.key.PublicKey(), 1)))
	})
	t.Run("control: resumed, create_job works, on the new terms", func(t *testing.T) {
		require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, chaintest.Must(e.prog.SetPause(e.Admin.PublicKey(), false))))
		require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper, nr.key}, create))
		g := e.job(t, job{addr: e.prog.JobAddress(nr.key.PublicKey(), 1)})
		require.Equal(t, []any{hostile.FeeBps, hostile.FeeBurnBps, hostile.UsageWindowSecs, hostile.AcceptanceWindowSecs, hostile.UsageGraceSecs, hostile.Treasury},
			[]any{g.FeeBps, g.FeeBurnBps, g.UsageWindowSecs, g.AcceptanceWindowSecs, g.UsageGraceSecs, g.Treasury})
	})
}

// An oracle cannot count a window alone across a change of the oracle set. The job remembers
// who voted by index in the set (pending_mask), and indexes shift when the registry's admin
// rotates an oracle out; so votes cast under the old set start over, and an oracle that voted
// before the rotation and again after it has cast one vote of the new set, not two.
func TestNegativeOracleRotation(t *testing.T) {
	e := newEnv(t)
	j := e.runningJob(t, 1, 600)
	started := e.job(t, j)
	w := e.endedWindow(started.StartedAt)
	secs := capAt(started, started.Slots[0], e.windowEnd(w))
	_, err := e.vote(j, 1, w, secs) // oracle-2, index 1
	require.NoError(t, err)

	// The admin rotates oracle-1 out: oracle-2 is now index 0, oracle-3 index 1, quorum 2.
	e.RotateOracles(t, e.Oracles[1], e.Oracles[2])

	// oracle-2 votes again under its new index: the votes cast under the old set start over,
	// so its vote is the first of the new set and does not count the window alone.
	signers, ix := e.negVote(j, 1, w, secs)
	before := e.job(t, j)
	_, err = e.SendSig(signers, ix)
	require.NoError(t, err)
	got := e.job(t, j)
	require.Equal(t, before.LastUsageWindow, got.LastUsageWindow)
	require.Equal(t, before.Slots[0].VerifiedSecs, got.Slots[0].VerifiedSecs)
	require.Equal(t, uint8(1), got.PendingVotes)
	require.Equal(t, uint16(1), got.PendingMask)
	_, err = e.vote(j, 2, w, secs) // oracle-3, index 1 now: the quorum of the new set
	require.NoError(t, err)
	require.Equal(t, w, e.job(t, j).LastUsageWindow)
	require.Equal(t, uint64(secs), e.job(t, j).Slots[0].VerifiedSecs)
}
