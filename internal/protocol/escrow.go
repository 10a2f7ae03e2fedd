package protocol

import (
	"math"
	"math/bits"

	"github.com/gpunet/gpunet/client/escrow"
)

// Split is what paying a slot's seconds moves out of the escrow (Gross): to the provider
// (Payout), to the treasury (FeeTreasury) and burned (FeeBurned); Gross is their sum.
type Split struct {
	Gross, Payout, FeeTreasury, FeeBurned uint64
}

// Cost is what booking devices for secs seconds at pricePerHour costs, the job's deposit:
// floor(pricePerHour x devices x secs / 3600) (escrow_cost).
func Cost(pricePerHour uint64, devices uint8, secs uint64) (uint64, error) {
	hi, deviceSecs := bits.Mul64(secs, uint64(devices))
	if hi != 0 {
		return 0, escrow.ErrArithmeticOverflow
	}
	return mulDivOverflow(deviceSecs, pricePerHour, uint64(escrow.SecsPerHour))
}

// totals is the gross, fee and burn of t cumulative seconds of one slot of j: each floored,
// so rounding favours the renter.
func totals(j *escrow.Job, t uint64) (Split, error) {
	gross, err := mulDivOverflow(t, j.PricePerHour, uint64(escrow.SecsPerHour))
	if err != nil {
		return Split{}, err
	}
	fee, err := mulDivOverflow(gross, uint64(j.FeeBps), uint64(escrow.Bps))
	if err != nil {
		return Split{}, err
	}
	burned, err := mulDivOverflow(fee, uint64(j.FeeBurnBps), uint64(escrow.Bps))
	if err != nil {
		return Split{}, err
	}
	return Split{Gross: gross, Payout: gross - fee, FeeTreasury: fee - burned, FeeBurned: burned}, nil
}

// Pay is what settling a slot of j from cumulative second from to second to moves
// (escrow_pay): the difference of the totals, so paying in one step or in many moves the same.
func Pay(j *escrow.Job, from, to uint64) (Split, error) {
	if from > to {
		return Split{}, escrow.ErrArithmeticOverflow
	}
	a, err := totals(j, from)
	if err != nil {
		return Split{}, err
	}
	b, err := totals(j, to)
	if err != nil {
		return Split{}, err
	}
	return Split{
		Gross:       b.Gross - a.Gross,
		Payout:      b.Payout - a.Payout,
		FeeTreasury: b.FeeTreasury - a.FeeTreasury,
		FeeBurned:   b.FeeBurned - a.FeeBurned,
	}, nil
}

// SlotEnd is when slot s's paid time ends (escrow_slot_end): when it left, else the job's
// end (ended_at once ended, else started_at + duration_secs).
func SlotEnd(j *escrow.Job, s *escrow.Slot) int64 {
	if s.State == escrow.SlotLeft {
		return s.LeftAt
	}
	if j.EndedAt != 0 {
		return j.EndedAt
	}
	return j.StartedAt + j.DurationSecs
}

// LeftBeforeTheEnd reports whether slot s's device left job j while the job went on: it was
// replaced or quit. Ending a job releases every slot at its end (end.c's release_all), which
// is no abandonment.
func LeftBeforeTheEnd(j *escrow.Job, s *escrow.Slot) bool {
	return s.State == escrow.SlotLeft && s.JoinedAt != 0 && (j.EndedAt == 0 || s.LeftAt < j.EndedAt)
}

// SlotCap is the most seconds slot s can have been on job j as of at (escrow_slot_cap):
// 0 before it joined.
func SlotCap(j *escrow.Job, s *escrow.Slot, at int64) uint64 {
	if s.JoinedAt == 0 {
		return 0
	}
	end := min(SlotEnd(j, s), at)
	if end <= s.JoinedAt {
		return 0
	}
	return uint64(end - s.JoinedAt)
}

// Held is the escrow job j still holds (escrow_held): deposited less paid out, fees and
// refunds.
func Held(j *escrow.Job) (uint64, error) {
	gone, err := sum(j.PaidOut, j.FeesTreasury, j.FeesBurned, j.Refunded)
	if err != nil {
		return 0, err
	}
	held, borrow := bits.Sub64(j.Deposited, gone, 0)
	if borrow != 0 {
		return 0, escrow.ErrArithmeticOverflow
	}
	return held, nil
}

// Reserve is what job j may still have to pay its slots (escrow_reserve): for each slot,
// the gross of its most possible time less what it was paid. Slots past MaxSlots are not
// read (the C never has them).
func Reserve(j *escrow.Job) (uint64, error) {
	var reserve uint64
	for i := range j.Slots[:min(int(j.SlotCount), len(j.Slots))] {
		s := &j.Slots[i]
		owed, err := Pay(j, s.PaidSecs, SlotCap(j, s, SlotEnd(j, s)))
		if err != nil {
			return 0, err
		}
		if reserve, err = sum(reserve, owed.Gross); err != nil {
			return 0, err
		}
	}
	return reserve, nil
}

// Refund is what ending job j returns to its renter (escrow_end_job): what it holds less its
// reserve, on the job as ending leaves it (ended_at set, its slots released).
func Refund(j *escrow.Job) (uint64, error) {
	held, err := Held(j)
	if err != nil {
		return 0, err
	}
	reserve, err := Reserve(j)
	if err != nil {
		return 0, err
	}
	refund, borrow := bits.Sub64(held, reserve, 0)
	if borrow != 0 {
		return 0, escrow.ErrArithmeticOverflow
	}
	return refund, nil
}

func mulDivOverflow(a, b, c uint64) (uint64, error) {
	return mulDivOr(escrow.ErrArithmeticOverflow, a, b, c)
}

func sum(xs ...uint64) (uint64, error) { return sumOr(escrow.ErrArithmeticOverflow, xs...) }

// TopUpCost is what extending job j by extraSecs per device deposits (escrow_top_up): the
// cost of the new duration less that of the old, so rounding never accumulates.
func TopUpCost(j *escrow.Job, extraSecs uint32) (uint64, error) {
	if j.DurationSecs < 0 {
		return 0, escrow.ErrArithmeticOverflow
	}
	duration, err := sum(uint64(j.DurationSecs), uint64(extraSecs))
	if err != nil || duration > math.MaxInt64 { // the job keeps its duration as an int64
		return 0, escrow.ErrArithmeticOverflow
	}
	before, err := Cost(j.PricePerHour, j.DeviceCount, uint64(j.DurationSecs))
	if err != nil {
		return 0, err
	}
	after, err := Cost(j.PricePerHour, j.DeviceCount, duration)
	if err != nil {
		return 0, err
	}
	return after - before, nil
}

// CancelAt is when cancelling job j at now ends it (escrow_cancel_job): now, or the end of
// its paid time if a running job's has passed.
func CancelAt(j *escrow.Job, now int64) int64 {
	if j.State == escrow.JobRunning && now > j.StartedAt+j.DurationSecs {
		return j.StartedAt + j.DurationSecs
	}
	return now
}

// Ended is a copy of job j as ending it in state at `at` leaves it (escrow_end_job, before the
// refund): ended_at set, every hired or proposed slot left, at `at` if it had joined. Refund
// of the copy is what the ending refunds.
func Ended(j *escrow.Job, state uint8, at int64) *escrow.Job {
	e := *j
	e.EndedAt, e.State = at, state
	for i := range e.Slots[:min(int(e.SlotCount), len(e.Slots))] {
		s := &e.Slots[i]
		if s.State == escrow.SlotHired || s.State == escrow.SlotProposed {
			if s.JoinedAt != 0 {
				s.LeftAt = at
			}
			s.State = escrow.SlotLeft
		}
	}
	return &e
}

// UsageFinal reports whether job j's usage can no longer change at now (close_job's
// usage_final): it never started, or no collection is open and a counted window reached its
// end or its usage grace after the end passed.
func UsageFinal(j *escrow.Job, now int64) bool {
	switch {
	case j.StartedAt == 0:
		return true
	case j.PendingVotes > 0:
		return false
	case j.LastUsageWindow > 0 && int64(j.LastUsageWindow+1)*j.UsageWindowSecs >= j.EndedAt:
		return true
	}
	return now >= j.EndedAt+j.UsageGraceSecs
}
