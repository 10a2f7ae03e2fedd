package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/keeper"
)

// Due decides each job's work from its account alone, on the programs' conditions.
func TestDue(t *testing.T) {
	const voteDeadline, settleAfter = 4, 3600
	// base is a job created at 1,000 with 2 s usage windows, 20 s to accept, a 6 s grace.
	base := func(edit func(j *escrow.Job)) *escrow.Job {
		j := &escrow.Job{CreatedAt: 1_000, UsageWindowSecs: 2, AcceptanceWindowSecs: 20, UsageGraceSecs: 6, SlotCount: 2, DurationSecs: 100}
		edit(j)
		return j
	}
	running := func(j *escrow.Job) { j.State, j.StartedAt = escrow.JobRunning, 1_010 }
	ended := func(j *escrow.Job) { j.State, j.StartedAt, j.EndedAt = escrow.JobCompleted, 1_010, 1_110 }
	for _, c := range []struct {
		name string
		job  *escrow.Job
		now  int64
		want keeper.Work
	}{
		{"open within the acceptance window", base(func(j *escrow.Job) {}), 1_019, keeper.Work{}},
		{"open at the window's end", base(func(j *escrow.Job) {}), 1_020, keeper.Work{Expire: true}},
		{"assigned after it", base(func(j *escrow.Job) { j.State = escrow.JobAssigned }), 1_021, keeper.Work{Expire: true}},
		{"running before its end", base(running), 1_109, keeper.Work{}},
		{"running at its end", base(running), 1_110, keeper.Work{Expire: true}},
		{"running, a collection before its deadline", base(func(j *escrow.Job) { running(j); j.PendingVotes, j.PendingWindow = 1, 510 }), 1_025, keeper.Work{}},
		{"running, a collection at its deadline", base(func(j *escrow.Job) { running(j); j.PendingVotes, j.PendingWindow = 1, 510 }), 1_026,
			keeper.Work{CountUsage: true}},
		{"running, unpaid below settle-after", base(func(j *escrow.Job) { running(j); j.Slots[0].VerifiedSecs = 3599 }), 1_050, keeper.Work{}},
		{"running, unpaid at settle-after", base(func(j *escrow.Job) {
			running(j)
			j.Slots[1].VerifiedSecs, j.Slots[1].PaidSecs = 7200, 3600
		}), 1_050, keeper.Work{Settle: []uint8{1}}},
		{"ended, any unpaid second", base(func(j *escrow.Job) { ended(j); j.Slots[0].VerifiedSecs = 1 }), 1_111, keeper.Work{Settle: []uint8{0}}},
		{"ended, paid, usage not final", base(ended), 1_115, keeper.Work{}},
		{"ended, paid, grace over", base(ended), 1_116, keeper.Work{Close: true}},
		{"ended, a counted window reached the end", base(func(j *escrow.Job) { ended(j); j.LastUsageWindow = 554 }), 1_111, keeper.Work{Close: true}},
		{"ended, a window short of the end", base(func(j *escrow.Job) { ended(j); j.LastUsageWindow = 553 }), 1_111, keeper.Work{}},
		{"ended, a collection open past the grace", base(func(j *escrow.Job) { ended(j); j.PendingVotes, j.PendingWindow = 1, 555 }), 1_116,
			keeper.Work{CountUsage: true}},
		{"expired without starting", base(func(j *escrow.Job) { j.State = escrow.JobExpired; j.EndedAt = 1_020 }), 1_020, keeper.Work{Close: true}},
		{"slots beyond slot_count are not read", base(func(j *escrow.Job) { ended(j); j.Slots[2].VerifiedSecs = 5 }), 1_116, keeper.Work{Close: true}},
	} {
		require.Equal(t, c.want, keeper.Due(c.job, c.now, voteDeadline, settleAfter), c.name)
	}
}
