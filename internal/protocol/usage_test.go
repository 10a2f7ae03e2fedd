package protocol

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
)

func TestUsageVoteFollowsRecordUsagesRules(t *testing.T) {
	params := &registry.ConfigParams{OracleCount: 3, VoteDeadlineSecs: 3}
	// 10 s windows; started at 1,005, paid until 1,065
	running := escrow.Job{StartedAt: 1_005, DurationSecs: 60, UsageWindowSecs: 10}
	vote := func(j escrow.Job, oracle int, now int64) any {
		if w, ok := UsageVote(params, oracle, &j, now); ok {
			return w
		}
		return "none"
	}
	require.Equal(t, "none", vote(escrow.Job{UsageWindowSecs: 10}, 0, 2_000), "not started")
	require.Equal(t, "none", vote(running, 0, 1_009), "window 100 has not ended")
	require.Equal(t, uint64(100), vote(running, 0, 1_010), "window 100 ends after the start")
	require.Equal(t, uint64(103), vote(running, 0, 1_044), "the latest ended window")
	require.Equal(t, uint64(106), vote(running, 0, 5_000), "the window of the job's end, 1,065, and none after")

	ended := running
	ended.EndedAt = 1_031
	require.Equal(t, uint64(103), vote(ended, 0, 5_000), "cancelled at 1,031: its window is the last")
	ended.LastUsageWindow = 103
	require.Equal(t, "none", vote(ended, 0, 5_000), "counted to its end")

	open := running
	open.PendingVotes, open.PendingWindow, open.PendingMask = 1, 101, 0b010
	open.PendingOracleSet = OracleSetFingerprint(params)
	require.Equal(t, uint64(101), vote(open, 0, 1_050), "the open collection first")
	require.Equal(t, "none", vote(open, 1, 1_022), "voted in it, before its deadline (1,020 + 3)")
	require.Equal(t, uint64(102), vote(open, 1, 1_030), "after the deadline: the latest ended window")
	open.PendingOracleSet++
	require.Equal(t, uint64(102), vote(open, 1, 1_030), "votes of an old oracle set do not count")
	require.Equal(t, "none", vote(running, -1, 1_050), "not in the oracle set")
}
