package escrow_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// One device, from creation to close: the deposit, the start, usage counted from a quorum,
// settlement with the fee split, completion at the end of the paid time, the last usage, and
// the close that returns the rent. Balances are exact at every step.
func TestSingleDeviceJob(t *testing.T) {
	e := newEnv(t)
	j := e.createJob(t, 1, 10)
	renter := j.renter.key.PublicKey()
	vault := e.prog.VaultAddress(j.addr)
	require.Equal(t, uint64(10*perSec), e.TokenBalance(t, vault))
	require.Equal(t, uint64(iosd), e.TokenBalance(t, j.renter.token))
	created := e.job(t, j)
	require.Equal(t, escrow.JobOpen, created.State)
	require.Equal(t, uint64(10*perSec), created.Deposited)
	require.Equal(t, int64(10), created.DurationSecs)
	require.Equal(t, uint16(500), created.FeeBps)
	require.Equal(t, e.params.UsageWindowSecs, created.UsageWindowSecs)

	e.propose(t, &j, 1)
	require.Equal(t, escrow.JobAssigned, e.job(t, j).State)
	sig, err := e.accept(j, 0, 0)
	require.NoError(t, err)
	started := e.job(t, j)
	require.Equal(t, escrow.JobRunning, started.State)
	require.Equal(t, []any{
		&escrow.DeviceAccepted{Job: j.addr, Device: j.providers[0].Device, JoinedAt: started.StartedAt, Slot: 0},
		&escrow.JobStarted{Job: j.addr, StartedAt: started.StartedAt},
	}, e.eventsOf(t, sig))
	d := e.Device(t, j.providers[0])
	require.Equal(t, registry.StatusHired, d.Status)
	require.Equal(t, j.addr, d.CurrentJob)

	t.Run("usage counts at the quorum", func(t *testing.T) {
		w := e.endedWindow(started.StartedAt)
		secs := capAt(started, started.Slots[0], e.windowEnd(w))
		sig := e.countUsage(t, j, w, secs)
		require.Equal(t, []any{
			&escrow.UsageVoted{Job: j.addr, Oracle: e.Oracles[1].PublicKey(), Window: w, Votes: 2},
			&escrow.UsageCounted{Job: j.addr, Window: w, VerifiedSecs: uint64(secs)},
		}, e.eventsOf(t, sig))
		got := e.job(t, j)
		require.Equal(t, uint64(secs), got.Slots[0].VerifiedSecs)
		require.Equal(t, w, got.LastUsageWindow)
	})
	t.Run("settle pays the provider, the treasury and the burn", func(t *testing.T) {
		before := e.job(t, j)
		supply := e.iosdSupply(t)
		want := pay(0, before.Slots[0].VerifiedSecs)
		sig, err := e.settle(j, 0, j.payouts[0])
		require.NoError(t, err)
		require.Equal(t, []any{&escrow.Settled{Job: j.addr, Device: j.providers[0].Device, Secs: before.Slots[0].VerifiedSecs,
			Payout: want.payout, FeeTreasury: want.treasury, FeeBurned: want.burned}}, e.eventsOf(t, sig))
		require.Equal(t, want.payout, e.TokenBalance(t, j.payouts[0]))
		require.Equal(t, want.treasury, e.TokenBalance(t, e.treasuryIOSD))
		require.Equal(t, supply-want.burned, e.iosdSupply(t))
		require.Equal(t, 10*perSec-want.gross, e.TokenBalance(t, vault))
		after := e.job(t, j)
		require.Equal(t, after.Slots[0].VerifiedSecs, after.Slots[0].PaidSecs)
		e.conserved(t, after)

		again := chaintest.Must(e.prog.Settle(j.addr, 0, j.payouts[0], e.treasuryIOSD, e.IOSDMint))
		_, err = e.SendSig([]solana.PrivateKey{e.Keeper}, again) // another payer: a new transaction
		require.ErrorIs(t, err, escrow.ErrNothingToSettle)
	})
	t.Run("the job completes at the end of its paid time", func(t *testing.T) {
		end := started.StartedAt + 10
		ix := chaintest.Must(e.prog.ExpireJob(j.addr, j.renter.token, escrow.HiredDevices(e.job(t, j))))
		_, err := e.SendSig([]solana.PrivateKey{j.renter.key}, ix)
		require.ErrorIs(t, err, escrow.ErrJobNotExpired)
		waitUntil(end)
		sig, err := e.SendSig([]solana.PrivateKey{e.Keeper}, ix)
		require.NoError(t, err)
		// One device for its whole duration: everything is reserved for its time, nothing refunded yet.
		require.Equal(t, []any{&escrow.JobEnded{Job: j.addr, EndedAt: end, Refunded: 0, State: escrow.JobCompleted}}, e.eventsOf(t, sig))
		got := e.job(t, j)
		require.Equal(t, escrow.JobCompleted, got.State)
		require.Equal(t, escrow.SlotLeft, got.Slots[0].State)
		require.Equal(t, end, got.Slots[0].LeftAt)
		d := e.Device(t, j.providers[0])
		require.Equal(t, registry.StatusActive, d.Status)
		require.True(t, d.CurrentJob.IsZero())
		e.conserved(t, got)
	})
	t.Run("close waits for the last usage", func(t *testing.T) {
		ended := e.job(t, j)
		ix := chaintest.Must(e.prog.CloseJob(j.addr, renter, j.renter.token, solana.PublicKey{}))
		_, err := e.SendSig([]solana.PrivateKey{e.Keeper}, ix)
		require.ErrorIs(t, err, escrow.ErrUsageNotFinal)

		w := e.endedWindow(ended.EndedAt)
		e.countUsage(t, j, w, 10)
		_, err = e.SendSig([]solana.PrivateKey{e.Keeper}, ix)
		require.ErrorIs(t, err, escrow.ErrUnsettledUsage)
		_, err = e.settle(j, 0, j.payouts[0])
		require.NoError(t, err)
		want := pay(0, 10)
		require.Equal(t, want.payout, e.TokenBalance(t, j.payouts[0]))
		require.Equal(t, want.treasury, e.TokenBalance(t, e.treasuryIOSD))
		require.Equal(t, uint64(0), e.TokenBalance(t, vault))

		rent := e.Lamports(t, j.addr) + e.Lamports(t, vault)
		lamports := e.Lamports(t, renter)
		sig, err := e.SendSig([]solana.PrivateKey{e.Keeper}, ix)
		require.NoError(t, err)
		require.Equal(t, []any{&escrow.JobClosed{Job: j.addr, Refunded: 0}}, e.eventsOf(t, sig))
		require.Equal(t, lamports+rent, e.Lamports(t, renter))
		require.Equal(t, uint64(0), e.Lamports(t, j.addr))
		require.Equal(t, uint64(0), e.Lamports(t, vault))
		require.Equal(t, uint64(iosd), e.TokenBalance(t, j.renter.token))
	})
}
