package escrow_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
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
			usageVoted(j.addr, e.Oracles[1], w, 2, secs),
			usageCounted(j.addr, w, 2, 1, uint64(secs)),
		}, e.eventsOf(t, sig))
		got := e.job(t, j)
		require.Equal(t, uint64(secs), got.Slots[0].VerifiedSecs)
		require.Equal(t, w, got.LastUsageWindow)
	})
	t.Run("settle pays the provider, the treasury and the burn", func(t *testing.T) {
		before := e.job(t, j)
		supply := e.Supply(t, e.IOSDMint)
		want := pay(0, before.Slots[0].VerifiedSecs)
		sig, err := e.settle(j, 0, j.payouts[0])
		require.NoError(t, err)
		require.Equal(t, []any{&escrow.Settled{Job: j.addr, Device: j.providers[0].Device, Secs: before.Slots[0].VerifiedSecs,
			Payout: want.Payout, FeeTreasury: want.FeeTreasury, FeeBurned: want.FeeBurned}}, e.eventsOf(t, sig))
		require.Equal(t, want.Payout, e.TokenBalance(t, j.payouts[0]))
		require.Equal(t, want.FeeTreasury, e.TokenBalance(t, e.treasuryIOSD))
		require.Equal(t, supply-want.FeeBurned, e.Supply(t, e.IOSDMint))
		require.Equal(t, 10*perSec-want.Gross, e.TokenBalance(t, vault))
		after := e.job(t, j)
		require.Equal(t, after.Slots[0].VerifiedSecs, after.Slots[0].PaidSecs)
		e.conserved(t, after)

		again := e.settleIx(e.Keeper.PublicKey(), j.addr, 0, j.payouts[0], e.treasuryIOSD, e.IOSDMint)
		_, err = e.SendSig([]solana.PrivateKey{e.Keeper}, again) // another payer: a new transaction
		require.ErrorIs(t, err, escrow.ErrNothingToSettle)
	})
	t.Run("the job completes at the end of its paid time", func(t *testing.T) {
		end := started.StartedAt + 10
		ix := chaintest.Must(e.prog.ExpireJob(j.addr, j.renter.token, onescrow.HiredDevices(e.job(t, j))))
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
		require.Equal(t, want.Payout, e.TokenBalance(t, j.payouts[0]))
		require.Equal(t, want.FeeTreasury, e.TokenBalance(t, e.treasuryIOSD))
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

// hired is the registry Devices of j's hired slots, as cancel and expire take them.
func (e *env) hired(t testing.TB, j job) []solana.PublicKey {
	return onescrow.HiredDevices(e.job(t, j))
}

// released asserts that p's device is free again (Active, no job).
func (e *env) released(t testing.TB, p chaintest.Provider) {
	d := e.Device(t, p)
	require.Equal(t, registry.StatusActive, d.Status)
	require.True(t, d.CurrentJob.IsZero())
}

// A cluster: four devices on one job inside a Cluster, two proposed by the renter and two by
// the scheduler; each slot is paid for its own verified time, the devices that did less get
// less, and the renter gets the rest back when the job closes, which empties the cluster.
func TestClusterOfFourDevices(t *testing.T) {
	e := newEnv(t)
	const duration = 8
	r := e.newRenter(t, 4*duration*perSec+iosd)
	rk := r.key.PublicKey()
	cluster := e.prog.ClusterAddress(rk, 7)
	require.NoError(t, e.Send([]solana.PrivateKey{r.key}, chaintest.Must(e.prog.CreateCluster(rk, 7, [32]byte{9}))))
	terms := terms(1, 4, duration)
	terms.Cluster = cluster
	require.NoError(t, e.Send([]solana.PrivateKey{r.key}, chaintest.Must(e.prog.CreateJob(rk, r.token, e.IOSDMint, terms))))
	j := job{addr: e.prog.JobAddress(rk, 1), id: 1, renter: r}
	c, err := e.prog.FetchCluster(e.Ctx, e.Client, cluster)
	require.NoError(t, err)
	require.Equal(t, uint32(1), c.OpenJobs)
	require.Equal(t, cluster, e.job(t, j).Cluster)

	for i := 0; i < 4; i++ {
		p := e.ActiveProvider(t, r.key)
		j.providers = append(j.providers, p)
		j.payouts = append(j.payouts, e.TokenAccount(t, e.IOSDMint, p.Owner.PublicKey(), 0))
		proposer := r.key
		if i >= 2 {
			proposer = e.scheduler
		}
		require.NoError(t, e.Send([]solana.PrivateKey{proposer}, chaintest.Must(e.prog.AssignDevices(proposer.PublicKey(), j.addr, p.Device))))
	}
	for i := range j.providers {
		_, err := e.accept(j, i, uint8(i))
		require.NoError(t, err)
		require.Equal(t, j.addr, e.Device(t, j.providers[i]).CurrentJob)
	}
	started := e.job(t, j)
	require.Equal(t, escrow.JobRunning, started.State)
	for _, s := range started.Slots[:4] {
		require.Equal(t, started.StartedAt, s.JoinedAt)
	}

	// The first window: the devices did different amounts of verified work.
	w := e.endedWindow(started.StartedAt)
	full := capAt(started, started.Slots[0], e.windowEnd(w))
	first := []uint32{full, full - 1, 1, 0}
	e.countUsage(t, j, w, first...)
	for i, secs := range first {
		require.Equal(t, uint64(secs), e.job(t, j).Slots[i].VerifiedSecs, "slot %d", i)
	}

	waitUntil(started.StartedAt + duration)
	require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.ExpireJob(j.addr, r.token, e.hired(t, j)))))
	for _, p := range j.providers {
		e.released(t, p)
	}
	last := e.endedWindow(started.StartedAt + duration)
	final := []uint32{duration, duration, 5, 0}
	e.countUsage(t, j, last, final...)
	var paid uint64
	for i, secs := range final[:3] {
		_, err := e.settle(j, uint8(i), j.payouts[i])
		require.NoError(t, err)
		want := pay(0, uint64(secs))
		require.Equal(t, want.Payout, e.TokenBalance(t, j.payouts[i]), "slot %d", i)
		paid += want.Gross
	}
	e.conserved(t, e.job(t, j))

	require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.CloseJob(j.addr, rk, r.token, cluster))))
	require.Equal(t, iosd+4*duration*perSec-paid, e.TokenBalance(t, r.token))
	c, err = e.prog.FetchCluster(e.Ctx, e.Client, cluster)
	require.NoError(t, err)
	require.Equal(t, uint32(0), c.OpenJobs)
	require.Equal(t, uint32(1), c.TotalJobs)
	require.NoError(t, e.Send([]solana.PrivateKey{r.key}, chaintest.Must(e.prog.CloseCluster(rk, 7))))
	require.Equal(t, uint64(0), e.Lamports(t, cluster))
}

// A top-up extends a running job: the escrow grows by what the extra time costs and the job
// completes at its new end; once the paid time has run out, topping up is refused.
func TestTopUp(t *testing.T) {
	e := newEnv(t)
	j := e.runningJob(t, 1, 4)
	rk := j.renter.key.PublicKey()
	sig, err := e.SendSig([]solana.PrivateKey{j.renter.key}, chaintest.Must(e.prog.TopUp(rk, j.addr, j.renter.token, 6)))
	require.NoError(t, err)
	require.Equal(t, []any{&escrow.JobToppedUp{Job: j.addr, Amount: 6 * perSec, DurationSecs: 10}}, e.eventsOf(t, sig))
	got := e.job(t, j)
	require.Equal(t, uint64(10*perSec), got.Deposited)
	require.Equal(t, uint64(10*perSec), e.TokenBalance(t, got.Vault))
	require.Equal(t, uint64(iosd-6*perSec), e.TokenBalance(t, j.renter.token))

	expire := chaintest.Must(e.prog.ExpireJob(j.addr, j.renter.token, e.hired(t, j)))
	waitUntil(got.StartedAt + 4)
	_, err = e.SendSig([]solana.PrivateKey{e.Keeper}, expire)
	require.ErrorIs(t, err, escrow.ErrJobNotExpired) // the old end has passed, the new one not
	waitUntil(got.StartedAt + 10)
	_, err = e.SendSig([]solana.PrivateKey{j.renter.key}, chaintest.Must(e.prog.TopUp(rk, j.addr, j.renter.token, 6)))
	require.ErrorIs(t, err, escrow.ErrJobTimeUp)
	sig, err = e.SendSig([]solana.PrivateKey{e.Keeper}, expire)
	require.NoError(t, err)
	require.Equal(t, []any{&escrow.JobEnded{Job: j.addr, EndedAt: got.StartedAt + 10, State: escrow.JobCompleted}}, e.eventsOf(t, sig))
}

// Cancelling mid-run stops every device now and refunds at once everything their time so far
// cannot earn; the time they served is paid as it is verified, and the close refunds what was
// never verified.
func TestCancelMidRun(t *testing.T) {
	e := newEnv(t)
	const duration = 30
	j := e.runningJob(t, 2, duration)
	started := e.job(t, j)
	w := e.endedWindow(started.StartedAt)
	secs := capAt(started, started.Slots[0], e.windowEnd(w))
	e.countUsage(t, j, w, secs, secs)
	_, err := e.settle(j, 0, j.payouts[0])
	require.NoError(t, err)
	waitUntil(e.windowEnd(w) + 3) // so the final usage below exceeds this window's

	rk := j.renter.key.PublicKey()
	cancel := chaintest.Must(e.prog.CancelJob(rk, j.addr, j.renter.token, e.hired(t, j)))
	sig, err := e.SendSig([]solana.PrivateKey{j.renter.key}, cancel)
	require.NoError(t, err)
	ended := e.job(t, j)
	served := uint64(ended.EndedAt - ended.StartedAt)
	require.Less(t, served, uint64(duration))
	// Kept: each slot's served time less what slot 0 was already paid.
	kept := 2*pay(0, served).Gross - pay(0, uint64(secs)).Gross
	refund := duration*2*perSec - pay(0, uint64(secs)).Gross - kept
	require.Equal(t, []any{&escrow.JobEnded{Job: j.addr, EndedAt: ended.EndedAt, Refunded: refund, State: escrow.JobCancelled}}, e.eventsOf(t, sig))
	require.Equal(t, escrow.JobCancelled, ended.State)
	for i, p := range j.providers {
		e.released(t, p)
		require.Equal(t, ended.EndedAt, ended.Slots[i].LeftAt)
	}
	require.Equal(t, iosd+refund, e.TokenBalance(t, j.renter.token))
	e.conserved(t, ended)

	// The last window: slot 0 served its whole time, slot 1 was verified for 2 s less.
	last := e.endedWindow(ended.EndedAt)
	e.countUsage(t, j, last, uint32(served), uint32(served)-2)
	for i := range j.providers {
		_, err := e.settle(j, uint8(i), j.payouts[i])
		require.NoError(t, err)
	}
	require.Equal(t, pay(0, served).Payout, e.TokenBalance(t, j.payouts[0]))
	require.Equal(t, pay(0, served-2).Payout, e.TokenBalance(t, j.payouts[1]))
	require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.CloseJob(j.addr, rk, j.renter.token, solana.PublicKey{}))))
	require.Equal(t, iosd+duration*2*perSec-pay(0, served).Gross-pay(0, served-2).Gross, e.TokenBalance(t, j.renter.token))
}

// A device that quits is released and paid for its verified time only; usage above its time
// on the job is refused; the renter fills its place with another device, which joins at once.
func TestDeviceQuit(t *testing.T) {
	e := newEnv(t)
	j := e.runningJob(t, 2, 30)
	waitUntil(e.job(t, j).StartedAt + 2) // it serves a while first
	quitter := j.providers[1]
	quit := chaintest.Must(e.prog.QuitJob(j.addr, quitter.DeviceKey.PublicKey(), 1))
	sig, err := e.SendSig([]solana.PrivateKey{j.renter.key, quitter.DeviceKey}, quit)
	require.NoError(t, err)
	got := e.job(t, j)
	left := got.Slots[1].LeftAt
	require.Equal(t, []any{&escrow.DeviceLeft{Job: j.addr, Device: quitter.Device, LeftAt: left, Slot: 1}}, e.eventsOf(t, sig))
	require.Equal(t, escrow.JobRunning, got.State)
	require.Equal(t, escrow.SlotLeft, got.Slots[1].State)
	e.released(t, quitter)
	_, err = e.SendSig([]solana.PrivateKey{e.Keeper, quitter.DeviceKey}, quit)
	require.ErrorIs(t, err, escrow.ErrInvalidSlot)

	w := e.endedWindow(left)
	stayed := capAt(got, got.Slots[0], e.windowEnd(w))
	served := uint32(left - got.StartedAt)
	_, err = e.vote(j, 0, w, stayed, served+1)
	require.ErrorIs(t, err, escrow.ErrInvalidUsage)
	e.countUsage(t, j, w, stayed, served)
	_, err = e.settle(j, 1, j.payouts[1])
	require.NoError(t, err)
	require.Equal(t, pay(0, uint64(served)).Payout, e.TokenBalance(t, j.payouts[1]))

	e.propose(t, &j, 1)
	sig, err = e.accept(j, 2, 2)
	require.NoError(t, err)
	joined := e.job(t, j).Slots[2]
	require.Equal(t, escrow.SlotHired, joined.State)
	require.Equal(t, []any{&escrow.DeviceAccepted{Job: j.addr, Device: j.providers[2].Device, JoinedAt: joined.JoinedAt, Slot: 2}}, e.eventsOf(t, sig))
	require.GreaterOrEqual(t, joined.JoinedAt, left)
}

// The renter replaces a hired device: it leaves (released, paid for its verified time) and
// the new device takes a fresh slot, joins when it accepts, and is paid for its own time.
func TestReplaceDevice(t *testing.T) {
	e := newEnv(t)
	j := e.runningJob(t, 2, 30)
	fresh := e.ActiveProvider(t, j.renter.key)
	waitUntil(e.job(t, j).StartedAt + 2) // the replaced device served a while first
	rk := j.renter.key.PublicKey()
	sig, err := e.SendSig([]solana.PrivateKey{j.renter.key}, chaintest.Must(e.prog.ReplaceDevice(rk, j.addr, 0, j.providers[0].Device, fresh.Device)))
	require.NoError(t, err)
	got := e.job(t, j)
	require.Equal(t, []any{
		&escrow.DeviceLeft{Job: j.addr, Device: j.providers[0].Device, LeftAt: got.Slots[0].LeftAt, Slot: 0, Replaced: 1},
		&escrow.DeviceAssigned{Job: j.addr, Device: fresh.Device, Slot: 2},
	}, e.eventsOf(t, sig))
	e.released(t, j.providers[0])
	_, err = e.SendSig([]solana.PrivateKey{e.Keeper, j.renter.key}, chaintest.Must(e.prog.ReplaceDevice(rk, j.addr, 0, j.providers[0].Device, fresh.Device)))
	require.ErrorIs(t, err, escrow.ErrInvalidSlot)

	j.providers = append(j.providers, fresh)
	j.payouts = append(j.payouts, e.TokenAccount(t, e.IOSDMint, fresh.Owner.PublicKey(), 0))
	_, err = e.accept(j, 2, 2)
	require.NoError(t, err)
	got = e.job(t, j)
	w := e.endedWindow(got.Slots[2].JoinedAt)
	secs := []uint32{capAt(got, got.Slots[0], e.windowEnd(w)), capAt(got, got.Slots[1], e.windowEnd(w)), capAt(got, got.Slots[2], e.windowEnd(w))}
	require.Equal(t, uint32(got.Slots[0].LeftAt-got.StartedAt), secs[0])
	e.countUsage(t, j, w, secs...)
	for _, slot := range []uint8{0, 2} {
		_, err := e.settle(j, slot, j.payouts[slot])
		require.NoError(t, err)
		require.Equal(t, pay(0, uint64(secs[slot])).Payout, e.TokenBalance(t, j.payouts[slot]))
	}
	e.conserved(t, e.job(t, j))
}

// A job whose devices do not all accept within the acceptance window expires: the device that
// accepted is released, the renter gets everything back, and the job closes at once.
func TestExpiry(t *testing.T) {
	e := newEnv(t)
	j := e.createJob(t, 2, 30)
	e.propose(t, &j, 2)
	_, err := e.accept(j, 0, 0)
	require.NoError(t, err)
	created := e.job(t, j)
	require.Equal(t, escrow.JobAssigned, created.State)
	expire := chaintest.Must(e.prog.ExpireJob(j.addr, j.renter.token, e.hired(t, j)))
	_, err = e.SendSig([]solana.PrivateKey{e.Keeper}, expire)
	require.ErrorIs(t, err, escrow.ErrJobNotExpired)

	waitUntil(created.CreatedAt + e.params.AcceptanceWindowSecs)
	_, err = e.accept(j, 1, 1)
	require.ErrorIs(t, err, escrow.ErrAcceptanceWindowClosed)
	sig, err := e.SendSig([]solana.PrivateKey{e.Keeper}, expire)
	require.NoError(t, err)
	ended := e.job(t, j)
	require.Equal(t, []any{&escrow.JobEnded{Job: j.addr, EndedAt: ended.EndedAt, Refunded: 60 * perSec, State: escrow.JobExpired}}, e.eventsOf(t, sig))
	e.released(t, j.providers[0])
	require.Equal(t, uint64(iosd+60*perSec), e.TokenBalance(t, j.renter.token))

	rk := j.renter.key.PublicKey()
	rent := e.Lamports(t, j.addr) + e.Lamports(t, ended.Vault)
	lamports := e.Lamports(t, rk)
	require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.CloseJob(j.addr, rk, j.renter.token, solana.PublicKey{}))))
	require.Equal(t, lamports+rent, e.Lamports(t, rk))
}

// A provider that closed its payout account is not stranded, and neither is the job: settle
// refuses the closed account with a named error, and the device's owner names a new one.
func TestSetPayout(t *testing.T) {
	e := newEnv(t)
	j := e.runningJob(t, 1, 30)
	p := j.providers[0]
	owner := p.Owner.PublicKey()
	require.NoError(t, e.Send([]solana.PrivateKey{p.Owner}, token.NewCloseAccountInstruction(j.payouts[0], owner, owner, nil).Build()))
	started := e.job(t, j)
	w := e.endedWindow(started.StartedAt + 2)
	secs := capAt(started, started.Slots[0], e.windowEnd(w))
	e.countUsage(t, j, w, secs)

	fresh := e.freshTokenAccount(t, p.Owner)
	set := func(signer solana.PrivateKey, payout solana.PublicKey) (solana.Signature, error) {
		return e.SendSig([]solana.PrivateKey{signer}, chaintest.Must(e.prog.SetPayout(signer.PublicKey(), j.addr, p.Device, payout, 0)))
	}
	_, err := set(j.renter.key, j.renter.token)
	require.ErrorIs(t, err, escrow.ErrWrongDevice) // only the device's owner
	_, err = set(p.Owner, p.Token)
	require.ErrorIs(t, err, escrow.ErrInvalidMint) // its IO account: not the job's mint
	_, err = set(p.Owner, e.treasuryIOSD)
	require.ErrorIs(t, err, escrow.ErrWrongTokenAccount) // not the owner's
	sig, err := set(p.Owner, fresh)
	require.NoError(t, err)
	require.Equal(t, []any{&escrow.PayoutSet{Job: j.addr, Device: p.Device, Payout: fresh}}, e.eventsOf(t, sig))
	_, err = e.settle(j, 0, fresh)
	require.NoError(t, err)
	require.Equal(t, pay(0, uint64(secs)).Payout, e.TokenBalance(t, fresh))
}
