package escrow_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// altered copies ix with account i's signer and writable flags set as given.
func altered(ix solana.Instruction, i int, signer, writable bool) solana.Instruction {
	metas := make([]*solana.AccountMeta, len(ix.Accounts()))
	for j, m := range ix.Accounts() {
		c := *m
		metas[j] = &c
	}
	metas[i].IsSigner, metas[i].IsWritable = signer, writable
	data, _ := ix.Data()
	return solana.NewInstruction(ix.ProgramID(), metas, data)
}

// replaced copies ix with account i replaced by key (same flags).
func replaced(ix solana.Instruction, i int, key solana.PublicKey) solana.Instruction {
	metas := make([]*solana.AccountMeta, len(ix.Accounts()))
	for j, m := range ix.Accounts() {
		c := *m
		metas[j] = &c
	}
	metas[i].PublicKey = key
	data, _ := ix.Data()
	return solana.NewInstruction(ix.ProgramID(), metas, data)
}

// truncated copies ix with only its first n accounts.
func truncated(ix solana.Instruction, n int) solana.Instruction {
	data, _ := ix.Data()
	return solana.NewInstruction(ix.ProgramID(), ix.Accounts()[:n], data)
}

// The negative matrix: every rejected call fails with its exact named error, and leaves the
// job and its escrow as they were.
func TestNegativeMatrix(t *testing.T) {
	e := newEnv(t)
	j := e.runningJob(t, 2, 60)
	rk := j.renter.key.PublicKey()
	stranger := e.Funded(t)
	idle := e.ActiveProvider(t, stranger) // Active, on no job
	idle2 := e.ActiveProvider(t, stranger)
	fresh := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 0) // in probation
	other := e.createJob(t, 1, 60)                                   // Open, another renter
	wrongMint := e.TokenAccount(t, e.IOMint, rk, 10*chaintest.IO)
	strangerIOSD := e.TokenAccount(t, e.IOSDMint, stranger.PublicKey(), iosd)
	p0 := j.providers[0]

	settle := chaintest.Must(e.prog.Settle(j.addr, 0, j.payouts[0], e.treasuryIOSD, e.IOSDMint))
	cancel := chaintest.Must(e.prog.CancelJob(rk, j.addr, j.renter.token, e.hired(t, j)))
	topUp := chaintest.Must(e.prog.TopUp(rk, j.addr, j.renter.token, 10))
	assign := chaintest.Must(e.prog.AssignDevices(other.renter.key.PublicKey(), other.addr, idle.Device))
	quit := chaintest.Must(e.prog.QuitJob(j.addr, p0.DeviceKey.PublicKey(), 0))
	create := func(t escrow.Terms) solana.Instruction {
		return chaintest.Must(e.prog.CreateJob(rk, j.renter.token, e.IOSDMint, t))
	}
	usage := func(oracle solana.PublicKey, window uint64, secs ...uint32) solana.Instruction {
		r := escrow.UsageReport{Window: window}
		copy(r.Secs[:], secs)
		return chaintest.Must(e.prog.RecordUsage(oracle, j.addr, r))
	}
	started := e.job(t, j)
	now := uint64(started.StartedAt) / 2

	cases := []struct {
		name    string
		signers []solana.PrivateKey
		ix      solana.Instruction
		want    error
	}{
		// accounts: count, signer, writability, program ids
		{"too few accounts", []solana.PrivateKey{stranger}, truncated(settle, 6), escrow.ErrNotEnoughAccounts},
		{"cancel without the renter's signature", []solana.PrivateKey{stranger}, altered(cancel, 3, false, false), escrow.ErrMissingSigner},
		{"accept without the device key's signature", []solana.PrivateKey{stranger},
			altered(chaintest.Must(e.prog.AcceptJob(other.addr, idle.DeviceKey.PublicKey(), j.payouts[0], 0)), 3, false, false), escrow.ErrMissingSigner},
		{"quit without the device key's signature", []solana.PrivateKey{stranger}, altered(quit, 3, false, false), escrow.ErrMissingSigner},
		{"oracle vote unsigned", []solana.PrivateKey{stranger}, altered(usage(e.Oracles[0].PublicKey(), now, 1, 1), 3, false, false), escrow.ErrMissingSigner},
		{"read-only vault", []solana.PrivateKey{stranger}, altered(settle, 2, false, false), escrow.ErrAccountNotWritable},
		{"read-only job", []solana.PrivateKey{j.renter.key}, altered(topUp, 1, false, false), escrow.ErrAccountNotWritable},
		{"fake token program", []solana.PrivateKey{stranger}, replaced(settle, 6, solana.SystemProgramID), escrow.ErrInvalidProgramId},
		{"fake registry program", []solana.PrivateKey{j.renter.key}, replaced(cancel, 7, e.prog.ID), escrow.ErrInvalidProgramId},
		// owners and spoofed accounts
		{"a wallet as the job", []solana.PrivateKey{j.renter.key}, replaced(topUp, 1, rk), escrow.ErrInvalidAccountOwner},
		{"a registry account as the job", []solana.PrivateKey{stranger}, replaced(settle, 1, p0.Device), escrow.ErrInvalidAccountOwner},
		{"another registry config", []solana.PrivateKey{j.renter.key}, replaced(cancel, 5, p0.Device), escrow.ErrInvalidPda},
		{"another escrow authority", []solana.PrivateKey{j.renter.key}, replaced(cancel, 6, stranger.PublicKey()), escrow.ErrInvalidPda},
		{"another vault", []solana.PrivateKey{stranger}, replaced(settle, 2, e.prog.VaultAddress(other.addr)), escrow.ErrInvalidPda},
		{"settle to another payout", []solana.PrivateKey{stranger},
			chaintest.Must(e.prog.Settle(j.addr, 0, j.payouts[1], e.treasuryIOSD, e.IOSDMint)), escrow.ErrWrongTokenAccount},
		{"settle the fee to a stranger", []solana.PrivateKey{stranger},
			chaintest.Must(e.prog.Settle(j.addr, 0, j.payouts[0], strangerIOSD, e.IOSDMint)), escrow.ErrWrongTokenAccount},
		{"settle with the other mint", []solana.PrivateKey{stranger},
			chaintest.Must(e.prog.Settle(j.addr, 0, j.payouts[0], e.treasuryIOSD, e.IOMint)), escrow.ErrInvalidMint},
		{"a job in an unknown mint", []solana.PrivateKey{j.renter.key},
			chaintest.Must(e.prog.CreateJob(rk, wrongMint, e.Pool, terms(9, 1, 60))), escrow.ErrInvalidMint},
		{"pay from an account of the other mint", []solana.PrivateKey{j.renter.key},
			chaintest.Must(e.prog.CreateJob(rk, wrongMint, e.IOSDMint, terms(9, 1, 60))), escrow.ErrInvalidMint},
		// wrong signer
		{"cancel by a stranger", []solana.PrivateKey{stranger}, chaintest.Must(e.prog.CancelJob(stranger.PublicKey(), j.addr, j.renter.token, e.hired(t, j))), escrow.ErrNotRenter},
		{"top up by a stranger", []solana.PrivateKey{stranger}, chaintest.Must(e.prog.TopUp(stranger.PublicKey(), j.addr, strangerIOSD, 10)), escrow.ErrNotRenter},
		{"assign by a stranger", []solana.PrivateKey{stranger}, chaintest.Must(e.prog.AssignDevices(stranger.PublicKey(), other.addr, idle.Device)), escrow.ErrNotRenterOrScheduler},
		{"replace by a stranger", []solana.PrivateKey{stranger}, chaintest.Must(e.prog.ReplaceDevice(stranger.PublicKey(), j.addr, 0, p0.Device, idle.Device)), escrow.ErrNotRenterOrScheduler},
		{"quit by another device", []solana.PrivateKey{stranger, idle.DeviceKey},
			replaced(chaintest.Must(e.prog.QuitJob(j.addr, idle.DeviceKey.PublicKey(), 0)), 2, p0.Device), escrow.ErrWrongDevice},
		{"quit another device's slot", []solana.PrivateKey{stranger, j.providers[1].DeviceKey},
			chaintest.Must(e.prog.QuitJob(j.addr, j.providers[1].DeviceKey.PublicKey(), 0)), escrow.ErrWrongDevice},
		{"close by the wrong renter", []solana.PrivateKey{stranger}, chaintest.Must(e.prog.CloseJob(j.addr, stranger.PublicKey(), j.renter.token, solana.PublicKey{})), escrow.ErrNotRenter},
		// parameters
		{"price 0", []solana.PrivateKey{j.renter.key}, create(escrow.Terms{JobID: 9, DurationSecs: 60, DeviceCount: 1}), escrow.ErrInvalidJobParams},
		{"duration 0", []solana.PrivateKey{j.renter.key}, create(escrow.Terms{JobID: 9, PricePerHour: price, DeviceCount: 1}), escrow.ErrInvalidJobParams},
		{"no devices", []solana.PrivateKey{j.renter.key}, create(terms(9, 0, 60)), escrow.ErrInvalidJobParams},
		{"17 devices", []solana.PrivateKey{j.renter.key}, create(terms(9, 17, 60)), escrow.ErrInvalidJobParams},
		{"a deposit of 0", []solana.PrivateKey{j.renter.key}, create(escrow.Terms{JobID: 9, PricePerHour: 1, DurationSecs: 60, DeviceCount: 1}), escrow.ErrInvalidJobParams},
		{"more than the renter holds", []solana.PrivateKey{j.renter.key}, create(terms(9, 16, 3600)), escrow.ErrInsufficientFunds},
		{"the same job id again", []solana.PrivateKey{j.renter.key}, create(terms(1, 1, 60)), escrow.ErrAccountAlreadyInitialized},
		{"top up by 0", []solana.PrivateKey{j.renter.key}, chaintest.Must(e.prog.TopUp(rk, j.addr, j.renter.token, 0)), escrow.ErrInvalidJobParams},
		// state rules
		{"assign a device in probation", []solana.PrivateKey{other.renter.key},
			chaintest.Must(e.prog.AssignDevices(other.renter.key.PublicKey(), other.addr, fresh.Device)), escrow.ErrDeviceNotHireable},
		{"assign a device twice", []solana.PrivateKey{other.renter.key},
			chaintest.Must(e.prog.AssignDevices(other.renter.key.PublicKey(), other.addr, idle.Device, idle.Device)), escrow.ErrDeviceAlreadyOnJob},
		{"assign more devices than places", []solana.PrivateKey{other.renter.key},
			chaintest.Must(e.prog.AssignDevices(other.renter.key.PublicKey(), other.addr, idle.Device, idle2.Device)), escrow.ErrTooManyDevices},
		{"assign nothing", []solana.PrivateKey{other.renter.key}, chaintest.Must(e.prog.AssignDevices(other.renter.key.PublicKey(), other.addr)), escrow.ErrNotEnoughAccounts},
		{"a hired device on another job", []solana.PrivateKey{other.renter.key},
			chaintest.Must(e.prog.AssignDevices(other.renter.key.PublicKey(), other.addr, p0.Device)), escrow.ErrDeviceNotHireable},
		{"accept a slot that does not exist", []solana.PrivateKey{stranger, idle.DeviceKey},
			chaintest.Must(e.prog.AcceptJob(j.addr, idle.DeviceKey.PublicKey(), j.payouts[0], 5)), escrow.ErrInvalidSlot},
		{"accept a hired slot", []solana.PrivateKey{stranger, p0.DeviceKey},
			chaintest.Must(e.prog.AcceptJob(j.addr, p0.DeviceKey.PublicKey(), j.payouts[0], 0)), escrow.ErrInvalidSlot},
		{"settle a slot that does not exist", []solana.PrivateKey{stranger},
			chaintest.Must(e.prog.Settle(j.addr, 7, j.payouts[0], e.treasuryIOSD, e.IOSDMint)), escrow.ErrInvalidSlot},
		{"settle with nothing verified", []solana.PrivateKey{stranger}, settle, escrow.ErrNothingToSettle},
		{"expire a running job early", []solana.PrivateKey{stranger}, chaintest.Must(e.prog.ExpireJob(j.addr, j.renter.token, e.hired(t, j))), escrow.ErrJobNotExpired},
		{"expire an open job early", []solana.PrivateKey{stranger}, chaintest.Must(e.prog.ExpireJob(other.addr, other.renter.token, nil)), escrow.ErrJobNotExpired},
		{"close a running job", []solana.PrivateKey{stranger}, chaintest.Must(e.prog.CloseJob(j.addr, rk, j.renter.token, solana.PublicKey{})), escrow.ErrInvalidJobState},
		{"refund to a stranger's account", []solana.PrivateKey{j.renter.key}, chaintest.Must(e.prog.CancelJob(rk, j.addr, strangerIOSD, e.hired(t, j))), escrow.ErrWrongTokenAccount},
		{"cancel without the hired devices", []solana.PrivateKey{j.renter.key}, chaintest.Must(e.prog.CancelJob(rk, j.addr, j.renter.token, e.hired(t, j)[:1])), escrow.ErrWrongDeviceAccounts},
		{"cancel with the devices out of order", []solana.PrivateKey{j.renter.key},
			chaintest.Must(e.prog.CancelJob(rk, j.addr, j.renter.token, []solana.PublicKey{j.providers[1].Device, p0.Device})), escrow.ErrWrongDeviceAccounts},
		{"cancel with an extra device", []solana.PrivateKey{j.renter.key},
			chaintest.Must(e.prog.CancelJob(rk, j.addr, j.renter.token, append(e.hired(t, j), idle.Device))), escrow.ErrWrongDeviceAccounts},
		// usage rules
		{"usage from a non-oracle", []solana.PrivateKey{stranger}, usage(stranger.PublicKey(), now, 1, 1), escrow.ErrNotOracle},
		{"usage for a window not ended", []solana.PrivateKey{e.Oracles[0]}, usage(e.Oracles[0].PublicKey(), now+100, 1, 1), escrow.ErrUsageWindowNotClosed},
		{"usage before the job started", []solana.PrivateKey{e.Oracles[0]}, usage(e.Oracles[0].PublicKey(), now-5, 0, 0), escrow.ErrStaleUsage},
		{"usage on a job that never started", []solana.PrivateKey{e.Oracles[0]},
			chaintest.Must(e.prog.RecordUsage(e.Oracles[0].PublicKey(), other.addr, escrow.UsageReport{Window: now})), escrow.ErrInvalidJobState},
	}
	before := e.job(t, j)
	vault := e.TokenBalance(t, before.Vault)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.SendSig(c.signers, c.ix)
			require.ErrorIs(t, err, c.want)
		})
	}
	require.Equal(t, before, e.job(t, j), "a rejected call changed the job")
	require.Equal(t, vault, e.TokenBalance(t, before.Vault))

	t.Run("usage values", func(t *testing.T) {
		w := e.endedWindow(started.StartedAt + 2)
		cap := capAt(started, started.Slots[0], e.windowEnd(w))
		_, err := e.vote(j, 0, w, cap+1, cap)
		require.ErrorIs(t, err, escrow.ErrInvalidUsage) // above its wall time
		_, err = e.vote(j, 0, w, cap, cap, 1)
		require.ErrorIs(t, err, escrow.ErrInvalidUsage) // an unused slot
		_, err = e.vote(j, 0, w, cap, cap)
		require.NoError(t, err)
		_, err = e.SendSig([]solana.PrivateKey{e.Keeper, e.Oracles[0]}, usage(e.Oracles[0].PublicKey(), w, cap, cap))
		require.ErrorIs(t, err, escrow.ErrDuplicateVote)
		_, err = e.vote(j, 1, w, cap, cap)
		require.NoError(t, err)
		_, err = e.vote(j, 2, w, cap, cap)
		require.ErrorIs(t, err, escrow.ErrStaleUsage) // counted already
	})
	t.Run("pause stops new commitments only", func(t *testing.T) {
		admin := e.Admin
		require.NoError(t, e.Send([]solana.PrivateKey{admin}, chaintest.Must(e.prog.SetPause(admin.PublicKey(), true))))
		for name, c := range map[string]struct {
			signers []solana.PrivateKey
			ix      solana.Instruction
		}{
			"create":  {[]solana.PrivateKey{j.renter.key}, create(terms(9, 1, 60))},
			"top up":  {[]solana.PrivateKey{j.renter.key}, topUp},
			"assign":  {[]solana.PrivateKey{other.renter.key}, assign},
			"replace": {[]solana.PrivateKey{j.renter.key}, chaintest.Must(e.prog.ReplaceDevice(rk, j.addr, 0, p0.Device, idle.Device))},
		} {
			_, err := e.SendSig(c.signers, c.ix)
			require.ErrorIs(t, err, escrow.ErrProgramPaused, name)
		}
		_, err := e.SendSig([]solana.PrivateKey{e.Keeper}, settle)
		require.NoError(t, err) // settling works while paused
		_, err = e.SendSig([]solana.PrivateKey{stranger, p0.DeviceKey}, quit)
		require.NoError(t, err) // and so does quitting
		_, err = e.SendSig([]solana.PrivateKey{j.renter.key}, chaintest.Must(e.prog.CancelJob(rk, j.addr, j.renter.token, e.hired(t, j))))
		require.NoError(t, err) // and cancelling
		err = e.Send([]solana.PrivateKey{stranger}, chaintest.Must(e.prog.SetPause(stranger.PublicKey(), false)))
		require.ErrorIs(t, err, escrow.ErrUnauthorized)
	})
	t.Run("ended jobs", func(t *testing.T) {
		_, err := e.SendSig([]solana.PrivateKey{j.renter.key, e.Keeper}, topUp)
		require.ErrorIs(t, err, escrow.ErrProgramPaused) // still paused: top-up is a new commitment
		require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, chaintest.Must(e.prog.SetPause(e.Admin.PublicKey(), false))))
		_, err = e.SendSig([]solana.PrivateKey{j.renter.key, e.Keeper}, topUp)
		require.ErrorIs(t, err, escrow.ErrInvalidJobState)
		_, err = e.SendSig([]solana.PrivateKey{e.Keeper, j.renter.key}, chaintest.Must(e.prog.CancelJob(rk, j.addr, j.renter.token, nil)))
		require.ErrorIs(t, err, escrow.ErrInvalidJobState)
		waitUntil(e.job(t, j).EndedAt + e.params.UsageGraceSecs)
		closeJob := chaintest.Must(e.prog.CloseJob(j.addr, rk, j.renter.token, solana.PublicKey{}))
		_, err = e.SendSig([]solana.PrivateKey{stranger}, closeJob)
		require.ErrorIs(t, err, escrow.ErrUnsettledUsage) // slot 1's verified time is unpaid
		_, err = e.settle(j, 1, j.payouts[1])
		require.NoError(t, err)
		_, err = e.SendSig([]solana.PrivateKey{e.Keeper}, closeJob)
		require.NoError(t, err)
	})
}
