package escrow_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// One faulty oracle among three, quorum 2 (issue 9, attack 3). Oracle 2 is the faulty one;
// the device ran 8 s of a 10 s job, and the honest oracles 0 and 1 say so. Before the fix the
// faulty 0 and the first honest vote made the quorum, their lower median 0 counted, and the
// provider was paid nothing. Now a vote that disagrees is left out: whatever order the votes
// come in, and whether the faulty value is 0, too high or slightly low, verified_secs ends at
// 8, the provider is paid for 8 s and the renter gets back the other 2 s.
func TestUsageFaultyOracle(t *testing.T) {
	e := newEnv(t)
	const honest, duration = 8, 10
	type vote struct {
		oracle int
		secs   uint32
	}
	cases := []struct {
		name  string
		votes []vote // at the end window; the last one decides
	}{
		{"faulty 0 first", []vote{{2, 0}, {0, honest}, {1, honest}}},
		{"faulty 0 between", []vote{{0, honest}, {2, 0}, {1, honest}}},
		{"faulty high first", []vote{{2, duration}, {0, honest}, {1, honest}}},
		{"faulty slightly low first", []vote{{2, honest - 1}, {0, honest}, {1, honest}}},
		{"faulty last", []vote{{0, honest}, {1, honest}}},
	}
	jobs := make([]job, len(cases))
	for i := range cases {
		jobs[i] = e.runningJob(t, 1, duration)
	}
	// Every window while the jobs run, the faulty oracle votes 0 first: nothing counts at its vote.
	first := e.job(t, jobs[0])
	mid := e.endedWindow(first.StartedAt + 2)
	for _, j := range jobs {
		g := e.job(t, j)
		secs := min(capAt(g, g.Slots[0], e.windowEnd(mid)), honest)
		for _, v := range []vote{{2, 0}, {0, secs}, {1, secs}} {
			_, err := e.vote(j, v.oracle, mid, v.secs)
			require.NoError(t, err)
		}
		require.Equal(t, uint64(secs), e.job(t, j).Slots[0].VerifiedSecs)
	}
	for _, j := range jobs {
		g := e.job(t, j)
		waitUntil(g.StartedAt + duration)
		require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.ExpireJob(j.addr, j.renter.token, e.hired(t, j)))))
	}
	for i, c := range cases {
		j := jobs[i]
		ended := e.job(t, j)
		last := e.endedWindow(ended.EndedAt - 1)
		var sig solana.Signature
		for k, v := range c.votes {
			var err error
			sig, err = e.vote(j, v.oracle, last, v.secs)
			require.NoError(t, err, c.name)
			if k < len(c.votes)-1 {
				require.Equal(t, uint8(k+1), e.job(t, j).PendingVotes, "%s: vote %d decides nothing", c.name, k)
			}
		}
		n := uint8(len(c.votes))
		require.Equal(t, []any{usageVoted(j.addr, e.Oracles[1], last, n, honest), usageCounted(j.addr, last, n, 1, honest)},
			e.eventsOf(t, sig), c.name)
		if c.name == "faulty last" { // the window is counted: the faulty vote comes too late to matter
			_, err := e.vote(j, 2, last, 0)
			require.ErrorIs(t, err, escrow.ErrStaleUsage)
		}
		got := e.job(t, j)
		require.Equal(t, uint64(honest), got.Slots[0].VerifiedSecs, c.name)

		_, err := e.settle(j, 0, j.payouts[0])
		require.NoError(t, err)
		want := pay(0, honest)
		require.Equal(t, want.Payout, e.TokenBalance(t, j.payouts[0]), c.name)
		require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.CloseJob(j.addr, j.renter.key.PublicKey(), j.renter.token, solana.PublicKey{}))))
		require.Equal(t, uint64(iosd+duration*perSec)-want.Gross, e.TokenBalance(t, j.renter.token), c.name)
	}
}

// An honest oracle is down and the faulty one votes 0: the votes disagree and cannot decide.
// The collection stays open until its deadline (a vote for a later window is refused, so no
// oracle can wipe it), then anyone counts it as it is: nothing is recorded, nothing lowered.
// When the oracle is back, the next window's cumulative votes catch everything up. A vote for
// a later window after the deadline counts the open collection first. close_job waits for an
// open collection even after the grace period, until it is counted.
func TestUsageOracleOffline(t *testing.T) {
	e := newEnv(t)
	const duration, deadline = 12, voteDeadline
	j := e.runningJob(t, 1, duration)
	started := e.job(t, j)
	payers := []solana.PrivateKey{e.Keeper, j.renter.key, j.providers[0].Owner}
	count := func() (solana.Signature, error) { // a new payer each time: a repeat is a new transaction
		payers = append(payers[1:], payers[0])
		return e.SendSig(payers[:1], chaintest.Must(e.prog.CountUsage(j.addr)))
	}
	_, err := count()
	require.ErrorIs(t, err, escrow.ErrNoUsageCollection)

	w := e.endedWindow(started.StartedAt)
	c := capAt(started, started.Slots[0], e.windowEnd(w))
	_, err = e.vote(j, 0, w, c)
	require.NoError(t, err)
	_, err = e.vote(j, 2, w, 0)
	require.NoError(t, err)
	e.endedWindow(e.windowEnd(w)) // the next window ended, w's deadline not yet
	_, err = e.vote(j, 0, w+1, c)
	require.ErrorIs(t, err, escrow.ErrUsageCollectionOpen)
	_, err = count()
	require.ErrorIs(t, err, escrow.ErrUsageCollectionOpen)

	waitUntil(e.windowEnd(w) + deadline)
	sig, err := count()
	require.NoError(t, err)
	require.Equal(t, []any{usageCounted(j.addr, w, 2, 0, 0)}, e.eventsOf(t, sig))
	got := e.job(t, j)
	require.Zero(t, got.Slots[0].VerifiedSecs, "undecided: nothing recorded")
	require.Equal(t, w, got.LastUsageWindow)
	_, err = count()
	require.ErrorIs(t, err, escrow.ErrNoUsageCollection)

	// Oracle 1 is back: two honest votes for a later window catch up the cumulative total.
	w2 := e.endedWindow(e.windowEnd(w))
	c2 := capAt(started, started.Slots[0], e.windowEnd(w2))
	e.countUsage(t, j, w2, c2)
	require.Equal(t, uint64(c2), e.job(t, j).Slots[0].VerifiedSecs)

	// One vote, then after the deadline a vote for a later window: the first is counted (alone,
	// undecided) and the later one opens its own collection.
	w3 := e.endedWindow(e.windowEnd(w2))
	c3 := capAt(started, started.Slots[0], e.windowEnd(w3))
	_, err = e.vote(j, 0, w3, c3)
	require.NoError(t, err)
	waitUntil(e.windowEnd(w3) + deadline)
	w4 := w3 + uint64(deadline/e.params.UsageWindowSecs) // ended by now
	c4 := capAt(started, started.Slots[0], e.windowEnd(w4))
	sig, err = e.vote(j, 1, w4, c4)
	require.NoError(t, err)
	require.Equal(t, []any{usageCounted(j.addr, w3, 1, 0, uint64(c2)), usageVoted(j.addr, e.Oracles[1], w4, 1, c4)}, e.eventsOf(t, sig))

	// The job ends with that collection open: close_job waits for it even after the grace
	// period, until count_usage counts it.
	waitUntil(started.StartedAt + duration)
	require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.ExpireJob(j.addr, j.renter.token, e.hired(t, j)))))
	ended := e.job(t, j)
	waitUntil(ended.EndedAt + e.params.UsageGraceSecs)
	closeJob := chaintest.Must(e.prog.CloseJob(j.addr, j.renter.key.PublicKey(), j.renter.token, solana.PublicKey{}))
	_, err = e.SendSig([]solana.PrivateKey{e.Keeper}, closeJob)
	require.ErrorIs(t, err, escrow.ErrUsageNotFinal)
	_, err = count()
	require.NoError(t, err)
	_, err = e.settle(j, 0, j.payouts[0])
	require.NoError(t, err)
	require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, closeJob))
	want := pay(0, uint64(c2))
	require.Equal(t, want.Payout, e.TokenBalance(t, j.payouts[0]))
	require.Equal(t, uint64(iosd+duration*perSec)-want.Gross, e.TokenBalance(t, j.renter.token))
}

// usageVoted is oracle's UsageVoted event: its report secs (per slot) for window of job, the
// collection's votes so far.
func usageVoted(job solana.PublicKey, oracle solana.PrivateKey, window uint64, votes uint8, secs ...uint32) *escrow.UsageVoted {
	ev := &escrow.UsageVoted{Job: job, Oracle: oracle.PublicKey(), Window: window, Votes: votes}
	copy(ev.Secs[:], secs)
	return ev
}

// usageCounted is the UsageCounted event of window of job: its votes, the slots decided (a
// mask) and every slot's verified seconds after the count.
func usageCounted(job solana.PublicKey, window uint64, votes uint8, decided uint32, secs ...uint64) *escrow.UsageCounted {
	ev := &escrow.UsageCounted{Job: job, Window: window, Decided: decided, Votes: votes}
	copy(ev.Secs[:], secs)
	for _, s := range secs {
		ev.VerifiedSecs += s
	}
	return ev
}
