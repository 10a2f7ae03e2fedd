package escrow_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// TestPropertyConservation runs a random sequence of valid and invalid escrow instructions
// (jobs of 1-3 devices created, topped up, assigned by the renter or the scheduler, accepted,
// attested, settled, quit, replaced, cancelled, expired, closed) and after every step reads
// the chain back and checks:
//   - every job's escrow is conserved: vault + paid out + fees + refunded = deposited;
//   - per slot, paid <= verified <= its wall time on the job, and neither ever goes down;
//   - a device is hired in the registry exactly when it holds a hired slot of a job that has
//     not ended, and then for that job;
//   - every base unit is accounted for: the providers' payouts are what the jobs paid out,
//     the treasury's IOSD grew by the jobs' treasury fees and the supply shrank by their burns;
//   - a rejected instruction fails with one of the escrow's own named errors.
//
// PROPERTY_SEED replays a sequence; PROPERTY_STEPS sets its length.
func TestPropertyConservation(t *testing.T) {
	rng, steps := chaintest.PropertyRand(t, 300)
	e := newEnv(t)
	w := &escrowWorld{e: e, rng: rng, seen: map[solana.PublicKey][]escrow.Slot{}, closed: map[solana.PublicKey]*escrow.Job{}}
	for i := 0; i < 2; i++ {
		w.renters = append(w.renters, e.newRenter(t, 10_000*iosd))
	}
	for i := 0; i < 5; i++ {
		p := e.ActiveProvider(t, w.renters[0].key)
		w.providers = append(w.providers, p)
		w.payouts = append(w.payouts, e.TokenAccount(t, e.IOSDMint, p.Owner.PublicKey(), 0))
	}
	w.treasury0, w.supply0 = e.TokenBalance(t, e.treasuryIOSD), e.iosdSupply(t)
	ops := []chaintest.Op{
		{Name: "create_job", Run: w.create}, {Name: "top_up", Run: w.topUp}, {Name: "assign_devices", Run: w.assign},
		{Name: "accept_job", Run: w.accept}, {Name: "accept_job", Run: w.accept}, {Name: "record_usage", Run: w.usage},
		{Name: "record_usage", Run: w.usage}, {Name: "settle", Run: w.settle}, {Name: "quit_job", Run: w.quit},
		{Name: "replace_device", Run: w.replace}, {Name: "cancel_job", Run: w.cancel}, {Name: "expire_job", Run: w.expire},
		{Name: "close_job", Run: w.close}, {Name: "wait", Run: w.wait},
	}
	chaintest.RunSteps(t, rng, steps, e.prog.ID, ops, w.check)
}

// escrowWorld is the property test's view of who exists; all state is read from the chain.
type escrowWorld struct {
	e         *env
	rng       *rand.Rand
	renters   []renter
	providers []chaintest.Provider
	payouts   []solana.PublicKey
	jobs      []job
	nextID    uint64
	seen      map[solana.PublicKey][]escrow.Slot // each job's slots at the last check
	closed    map[solana.PublicKey]*escrow.Job   // each closed job as it was last seen
	treasury0 uint64
	supply0   uint64
}

func (w *escrowWorld) send(signers []solana.PrivateKey, ix solana.Instruction) error {
	return w.e.Send(signers, ix)
}

// pickJob is a random job not known to be closed, with its account (nil if it is gone).
func (w *escrowWorld) pickJob(t *testing.T) (job, *escrow.Job, bool) {
	if len(w.jobs) == 0 {
		return job{}, nil, false
	}
	j := w.jobs[w.rng.IntN(len(w.jobs))]
	got, err := w.e.prog.FetchJob(w.e.Ctx, w.e.Client, j.addr)
	if err != nil {
		require.ErrorIs(t, err, chain.ErrAccountNotFound)
		return j, nil, true
	}
	return j, got, true
}

func (w *escrowWorld) provider() int { return w.rng.IntN(len(w.providers)) }

// providerOf is the index of the provider whose device is device.
func (w *escrowWorld) providerOf(device solana.PublicKey) int {
	for i, p := range w.providers {
		if p.Device == device {
			return i
		}
	}
	return -1
}

func (w *escrowWorld) create(t *testing.T) error {
	r := w.renters[w.rng.IntN(len(w.renters))]
	w.nextID++
	terms := terms(w.nextID, uint8(1+w.rng.IntN(3)), uint32(4+w.rng.IntN(9)))
	if w.rng.IntN(8) == 0 {
		terms.DeviceCount = 0 // invalid
	}
	err := w.send([]solana.PrivateKey{r.key}, chaintest.Must(w.e.prog.CreateJob(r.key.PublicKey(), r.token, w.e.IOSDMint, terms)))
	if err == nil {
		w.jobs = append(w.jobs, job{addr: w.e.prog.JobAddress(r.key.PublicKey(), w.nextID), id: w.nextID, renter: r})
	}
	return err
}

func (w *escrowWorld) topUp(t *testing.T) error {
	j, _, ok := w.pickJob(t)
	if !ok {
		return nil
	}
	return w.send([]solana.PrivateKey{j.renter.key}, chaintest.Must(w.e.prog.TopUp(j.renter.key.PublicKey(), j.addr, j.renter.token, uint32(w.rng.IntN(4)))))
}

func (w *escrowWorld) assign(t *testing.T) error {
	j, _, ok := w.pickJob(t)
	if !ok {
		return nil
	}
	by := j.renter.key
	if w.rng.IntN(2) == 0 {
		by = w.e.scheduler
	}
	devices := []solana.PublicKey{w.providers[w.provider()].Device}
	if w.rng.IntN(3) == 0 {
		devices = append(devices, w.providers[w.provider()].Device)
	}
	return w.send([]solana.PrivateKey{by}, chaintest.Must(w.e.prog.AssignDevices(by.PublicKey(), j.addr, devices...)))
}

// randomSlot is a random used slot of job (or 0 if none).
func (w *escrowWorld) randomSlot(got *escrow.Job) uint8 {
	if got == nil || got.SlotCount == 0 {
		return 0
	}
	return uint8(w.rng.IntN(int(got.SlotCount)))
}

func (w *escrowWorld) accept(t *testing.T) error {
	j, got, ok := w.pickJob(t)
	if !ok || got == nil {
		return nil
	}
	slot := w.randomSlot(got)
	i := w.providerOf(got.Slots[slot].Device)
	if i < 0 {
		i = w.provider()
	}
	p := w.providers[i]
	return w.send([]solana.PrivateKey{j.renter.key, p.DeviceKey}, chaintest.Must(w.e.prog.AcceptJob(j.addr, p.DeviceKey.PublicKey(), w.payouts[i], slot)))
}

// usage has two oracles report the latest surely-ended window: each slot's wall time on the
// job, less a random few seconds; sometimes a second too many (invalid).
func (w *escrowWorld) usage(t *testing.T) error {
	j, got, ok := w.pickJob(t)
	if !ok || got == nil {
		return nil
	}
	window := uint64(time.Now().Unix())/2 - 2
	r := escrow.UsageReport{Window: window}
	for i := range got.Slots[:got.SlotCount] {
		c := capAt(got, got.Slots[i], w.e.windowEnd(window))
		r.Secs[i] = c - min(c, uint32(w.rng.IntN(3)))
		if w.rng.IntN(10) == 0 {
			r.Secs[i] = c + 1
		}
	}
	for _, o := range w.rng.Perm(3)[:2] {
		oracle := w.e.Oracles[o]
		if err := w.send([]solana.PrivateKey{oracle}, chaintest.Must(w.e.prog.RecordUsage(oracle.PublicKey(), j.addr, r))); err != nil {
			return err
		}
	}
	return nil
}

func (w *escrowWorld) settle(t *testing.T) error {
	j, got, ok := w.pickJob(t)
	if !ok || got == nil {
		return nil
	}
	slot := w.randomSlot(got)
	payout := got.Slots[slot].Payout
	if payout.IsZero() {
		payout = w.payouts[w.provider()]
	}
	return w.send([]solana.PrivateKey{w.e.Keeper}, chaintest.Must(w.e.prog.Settle(j.addr, slot, payout, w.e.treasuryIOSD, w.e.IOSDMint)))
}

func (w *escrowWorld) quit(t *testing.T) error {
	j, got, ok := w.pickJob(t)
	if !ok || got == nil {
		return nil
	}
	slot := w.randomSlot(got)
	i := w.providerOf(got.Slots[slot].Device)
	if i < 0 || w.rng.IntN(6) == 0 {
		i = w.provider() // perhaps not this slot's device: refused
	}
	p := w.providers[i]
	return w.send([]solana.PrivateKey{w.renters[0].key, p.DeviceKey}, chaintest.Must(w.e.prog.QuitJob(j.addr, p.DeviceKey.PublicKey(), slot)))
}

func (w *escrowWorld) replace(t *testing.T) error {
	j, got, ok := w.pickJob(t)
	if !ok || got == nil {
		return nil
	}
	slot := w.randomSlot(got)
	ix := chaintest.Must(w.e.prog.ReplaceDevice(j.renter.key.PublicKey(), j.addr, slot, got.Slots[slot].Device, w.providers[w.provider()].Device))
	return w.send([]solana.PrivateKey{j.renter.key}, ix)
}

func (w *escrowWorld) cancel(t *testing.T) error {
	j, got, ok := w.pickJob(t)
	if !ok || got == nil {
		return nil
	}
	return w.send([]solana.PrivateKey{j.renter.key}, chaintest.Must(w.e.prog.CancelJob(j.renter.key.PublicKey(), j.addr, j.renter.token, escrow.HiredDevices(got))))
}

func (w *escrowWorld) expire(t *testing.T) error {
	j, got, ok := w.pickJob(t)
	if !ok || got == nil {
		return nil
	}
	return w.send([]solana.PrivateKey{w.e.Keeper}, chaintest.Must(w.e.prog.ExpireJob(j.addr, j.renter.token, escrow.HiredDevices(got))))
}

func (w *escrowWorld) close(t *testing.T) error {
	j, got, ok := w.pickJob(t)
	if !ok || got == nil {
		return nil
	}
	err := w.send([]solana.PrivateKey{w.e.Keeper}, chaintest.Must(w.e.prog.CloseJob(j.addr, j.renter.key.PublicKey(), j.renter.token, solana.PublicKey{})))
	if err == nil {
		// What the close refunded: everything left in the vault.
		got.Refunded += w.e.TokenBalance(t, got.Vault)
		w.closed[j.addr] = got
	}
	return err
}

func (w *escrowWorld) wait(*testing.T) error {
	time.Sleep(time.Duration(300+w.rng.IntN(1200)) * time.Millisecond)
	return nil
}

func (w *escrowWorld) check(t *testing.T) {
	e := w.e
	now := time.Now().Unix() + 1 // the chain's clock never runs ahead of ours
	hiredBy := map[solana.PublicKey]solana.PublicKey{}
	var paidOut, feesTreasury, feesBurned uint64
	for _, j := range w.jobs {
		got, ok := w.closed[j.addr]
		if !ok {
			var err error
			got, err = e.prog.FetchJob(e.Ctx, e.Client, j.addr)
			require.NoError(t, err)
			e.conserved(t, got)
			prev := w.seen[j.addr]
			for i, s := range got.Slots[:got.SlotCount] {
				require.LessOrEqual(t, s.PaidSecs, s.VerifiedSecs, "job %d slot %d", j.id, i)
				require.LessOrEqual(t, s.VerifiedSecs, uint64(capAt(got, s, now)), "job %d slot %d", j.id, i)
				if i < len(prev) {
					require.GreaterOrEqual(t, s.VerifiedSecs, prev[i].VerifiedSecs, "job %d slot %d", j.id, i)
					require.GreaterOrEqual(t, s.PaidSecs, prev[i].PaidSecs, "job %d slot %d", j.id, i)
				}
				if s.State == escrow.SlotHired && got.State <= escrow.JobRunning {
					hiredBy[s.Device] = j.addr
				}
			}
			w.seen[j.addr] = append([]escrow.Slot(nil), got.Slots[:got.SlotCount]...)
		}
		paidOut += got.PaidOut
		feesTreasury += got.FeesTreasury
		feesBurned += got.FeesBurned
	}
	var payouts uint64
	for i, p := range w.providers {
		payouts += e.TokenBalance(t, w.payouts[i])
		d := e.Device(t, p)
		if job, ok := hiredBy[p.Device]; ok {
			require.Equal(t, registry.StatusHired, d.Status, "device %d", i)
			require.Equal(t, job, d.CurrentJob, "device %d", i)
		} else {
			require.True(t, d.CurrentJob.IsZero(), "device %d is hired but holds no hired slot", i)
		}
	}
	require.Equal(t, paidOut, payouts, "providers were paid what the jobs paid out")
	require.Equal(t, w.treasury0+feesTreasury, e.TokenBalance(t, e.treasuryIOSD), "treasury fees")
	require.Equal(t, w.supply0-feesBurned, e.iosdSupply(t), "burned fees")
}
