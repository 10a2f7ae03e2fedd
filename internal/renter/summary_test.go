package renter

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
)

// job is job 3 at 3,600 per device-hour (1 per second), 5% fee, for 2 devices over an hour,
// created at 1,000 with 600 s to accept, its deposit (7,200) held.
func job() *escrow.Job {
	return &escrow.Job{JobId: 3, PricePerHour: 3_600, FeeBps: 500, FeeBurnBps: 5_000, DeviceCount: 2, DurationSecs: 3_600,
		Deposited: 7_200, CreatedAt: 1_000, AcceptanceWindowSecs: 600, UsageWindowSecs: 300, UsageGraceSecs: 3_600}
}

func summarize(t *testing.T, j *escrow.Job, now int64) Summary {
	s, err := Summarize(onescrow.JobAt{Address: solana.PublicKey{1}, Job: j}, now)
	require.NoError(t, err)
	return s
}

// The next step and the refunds at each stage of a job's life, and why it cannot close.
func TestSummaryAlongTheLife(t *testing.T) {
	j := job()
	j.State, j.SlotCount = escrow.JobAssigned, 2
	j.Slots[0] = escrow.Slot{State: escrow.SlotHired}
	j.Slots[1] = escrow.Slot{State: escrow.SlotProposed}
	s := summarize(t, j, 1_100)
	require.Equal(t, "waiting for 1 of 2 devices to accept until 1970-01-01T00:26:40Z; unaccepted by then, it expires and is refunded in full", s.Next)
	require.Equal(t, 1, s.Accepted)
	require.Equal(t, int64(1_600), s.AcceptBy)
	require.Equal(t, uint64(7_200), s.RefundableNow)
	require.Equal(t, uint64(0), s.RefundableAtEnd) // 2 devices x 3,600 s at 1 per second: all paid out
	s = summarize(t, j, 1_600)
	require.Equal(t, "not accepted in time (the window ended 1970-01-01T00:26:40Z): expire_job refunds it in full (the keeper runs it), or `gpunet cancel 3` does now", s.Next)
	require.ErrorIs(t, CheckClose(j, 1_600), escrow.ErrInvalidJobState)
	require.EqualError(t, CheckClose(j, 1_600), "job 3 is assigned, not ended (escrow: InvalidJobState (6207): The job's state does not allow this): `gpunet cancel 3` ends it now, or wait for its end")

	// Running since 1,200; 900 s in, 600 verified and paid on slot 0.
	j.State, j.StartedAt = escrow.JobRunning, 1_200
	j.Slots[0] = escrow.Slot{State: escrow.SlotHired, JoinedAt: 1_200, VerifiedSecs: 600, PaidSecs: 600}
	j.Slots[1] = escrow.Slot{State: escrow.SlotHired, JoinedAt: 1_200}
	j.PaidOut, j.FeesTreasury, j.FeesBurned = 570, 15, 15
	s = summarize(t, j, 2_100)
	require.Equal(t, int64(4_800), s.EndsAt)
	require.Equal(t, int64(2_700), s.PaidLeftSecs)
	require.Equal(t, uint64(600), s.UsageSecs)
	require.Equal(t, uint64(30), s.Fees)
	require.Equal(t, uint64(6_600), s.Held)
	require.Equal(t, uint64(6_600-300-900), s.RefundableNow) // slot 0 keeps 900 - 600, slot 1 900
	require.Equal(t, uint64(0), s.RefundableAtEnd)
	s = summarize(t, j, 4_800)
	require.Equal(t, "paid time over at 1970-01-01T01:20:00Z: expire_job completes it (the keeper runs it), then `gpunet close 3`", s.Next)
	require.Equal(t, int64(0), s.PaidLeftSecs)

	// Cancelled at 2,100: usage may be attested for an hour, then slot 1's verified time must be paid.
	j.State, j.EndedAt = escrow.JobCancelled, 2_100
	j.Slots[0].State, j.Slots[0].LeftAt = escrow.SlotLeft, 2_100
	j.Slots[1] = escrow.Slot{State: escrow.SlotLeft, JoinedAt: 1_200, LeftAt: 2_100, VerifiedSecs: 900}
	j.Refunded = 5_400
	s = summarize(t, j, 2_200)
	require.Equal(t, "ended: the oracles may attest usage until 1970-01-01T01:35:00Z, then `gpunet close 3`", s.Next)
	require.Equal(t, uint64(1_200), s.Held)
	require.Equal(t, uint64(0), s.RefundableNow)
	require.Equal(t, uint64(300), s.RefundableAtEnd) // slot 1's 900 verified seconds are owed
	require.ErrorIs(t, CheckClose(j, 2_200), escrow.ErrUsageNotFinal)
	require.ErrorIs(t, CheckClose(j, 5_700), escrow.ErrUnsettledUsage)
	require.Equal(t, "ended: slot 1 has verified time to settle (the keeper settles it), then `gpunet close 3`", summarize(t, j, 5_700).Next)
	j.PendingVotes = 1
	require.Equal(t, "ended: the oracles' usage votes are being counted, then `gpunet close 3`", summarize(t, j, 9_000).Next)
	j.PendingVotes, j.Slots[1].PaidSecs = 0, 900
	require.NoError(t, CheckClose(j, 5_700))
	require.Equal(t, "ended: run `gpunet close 3`", summarize(t, j, 5_700).Next)
}
