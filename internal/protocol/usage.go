package protocol

import (
	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
)

// UsageVote is the usage window an oracle (index oracle in params' set) should vote on job j
// at now, by record_usage's rules: a window that has ended, ends after the job started, starts
// no later than its end and comes after the last counted one; the open collection first while
// this oracle has not voted in it, and a later window only once the open one's deadline passed
// (before it, the escrow refuses it: UsageCollectionOpen). The latest such window is chosen:
// usage is cumulative, so a skipped window loses nothing. ok is false when there is nothing to
// vote now.
func UsageVote(params *registry.ConfigParams, oracle int, j *escrow.Job, now int64) (window uint64, ok bool) {
	w := j.UsageWindowSecs
	if j.StartedAt == 0 || w <= 0 || now < w || oracle < 0 {
		return 0, false
	}
	end := j.StartedAt + j.DurationSecs
	if j.EndedAt != 0 {
		end = j.EndedAt
	}
	latest := min(uint64(now/w)-1, uint64(end/w)) // ended, and starts no later than the job's end
	first := max(uint64(j.StartedAt/w), j.LastUsageWindow+1)
	if j.PendingVotes > 0 && j.PendingOracleSet == OracleSetFingerprint(params) {
		if j.PendingMask&(1<<oracle) == 0 {
			return j.PendingWindow, true
		}
		if now < int64(j.PendingWindow+1)*w+params.VoteDeadlineSecs {
			return 0, false
		}
		first = max(first, j.PendingWindow+1)
	}
	return latest, latest >= first
}
