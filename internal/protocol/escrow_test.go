package protocol

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
)

// A top-up deposits the cost of the new duration less the old: 2 devices at 1 per second for
// 1,800 s more is 3,600; at 1 base unit per device-hour, 1,800 s more of 1 device adds the
// half unit the old duration's rounding dropped.
func TestTopUpCost(t *testing.T) {
	j := job()
	got, err := TopUpCost(&j, 1_800)
	requireResult(t, 3_600, nil, got, err)
	odd := escrow.Job{PricePerHour: 1, DeviceCount: 1, DurationSecs: 1_800}
	got, err = TopUpCost(&odd, 1_800)
	requireResult(t, 1, nil, got, err)
	odd.DurationSecs = math.MaxInt64
	got, err = TopUpCost(&odd, 1)
	requireResult(t, 0, escrow.ErrArithmeticOverflow, got, err)
}

// Cancelling a running job ends it now, or at the end of its paid time once that passed; a job
// that has not started ends now.
func TestCancelAt(t *testing.T) {
	j := job()
	j.State = escrow.JobRunning
	require.Equal(t, int64(2_000), CancelAt(&j, 2_000))
	require.Equal(t, int64(4_600), CancelAt(&j, 4_600))
	require.Equal(t, int64(4_600), CancelAt(&j, 9_000))
	j.State, j.StartedAt = escrow.JobAssigned, 0
	require.Equal(t, int64(9_000), CancelAt(&j, 9_000))
}

// Ending leaves every hired and proposed slot, at the end time if it had joined; the refund of
// the ended job keeps what the slots may still be paid. The job itself is not changed.
func TestEndedRefund(t *testing.T) {
	j := job()
	j.State, j.SlotCount = escrow.JobRunning, 3
	j.Slots[0] = escrow.Slot{State: escrow.SlotHired, JoinedAt: 1_000, VerifiedSecs: 600, PaidSecs: 600}
	j.Slots[1] = escrow.Slot{State: escrow.SlotLeft, JoinedAt: 1_000, LeftAt: 1_200}
	j.Slots[2] = escrow.Slot{State: escrow.SlotProposed}
	j.PaidOut, j.FeesTreasury, j.FeesBurned = 570, 15, 15
	e := Ended(&j, escrow.JobCancelled, 1_900)
	require.Equal(t, escrow.JobCancelled, e.State)
	require.Equal(t, int64(1_900), e.EndedAt)
	require.Equal(t, escrow.Slot{State: escrow.SlotLeft, JoinedAt: 1_000, LeftAt: 1_900, VerifiedSecs: 600, PaidSecs: 600}, e.Slots[0])
	require.Equal(t, j.Slots[1], e.Slots[1])
	require.Equal(t, escrow.Slot{State: escrow.SlotLeft}, e.Slots[2])
	require.Equal(t, escrow.SlotHired, j.Slots[0].State) // a copy
	refund, err := Refund(e)
	require.NoError(t, err)
	// held 7,200 - 600 = 6,600; reserve: slot 0 900 - 600 = 300, slot 1 200
	require.Equal(t, uint64(6_100), refund)
}

// Usage is final for a job that never started, never while a collection is open, once a
// counted window reached the end, or once the grace after the end passed.
func TestUsageFinal(t *testing.T) {
	j := escrow.Job{StartedAt: 100, EndedAt: 205, UsageWindowSecs: 10, UsageGraceSecs: 30}
	require.False(t, UsageFinal(&j, 234))
	require.True(t, UsageFinal(&j, 235))
	j.LastUsageWindow = 19 // ends at 200 < 205
	require.False(t, UsageFinal(&j, 234))
	j.LastUsageWindow = 20 // ends at 210 >= 205
	require.True(t, UsageFinal(&j, 206))
	j.PendingVotes = 1
	require.False(t, UsageFinal(&j, 1_000))
	require.True(t, UsageFinal(&escrow.Job{PendingVotes: 1}, 0))
}
