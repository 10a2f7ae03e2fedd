package registry_test

import (
	"math"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/protocol"
)

// proofRent is the rent-exempt minimum of a ProofWindow (304 bytes) at mainnet rent.
const proofRent = (128 + 304) * 3480 * 2

// currentWindow is the 2 s window that is still running and will be for at least another
// half second (the chain's clock never runs ahead of this process's).
func currentWindow() uint64 {
	now := time.Now()
	if end := time.Unix((now.Unix()/2+1)*2, 0); end.Sub(now) < 500*time.Millisecond {
		time.Sleep(end.Sub(now) + 10*time.Millisecond)
		now = time.Now()
	}
	return uint64(now.Unix()) / 2
}

// report is a proof report for window.
func report(window uint64, uptime uint32, benchmark uint64, challenge uint8) registry.ProofReport {
	return registry.ProofReport{Window: window, UptimeSecs: uptime, BenchmarkScore: benchmark, Challenge: challenge}
}

// proofWindow fetches and decodes a window's vote account.
func (e *env) proofWindow(t testing.TB, p chaintest.Provider, window uint64) *registry.ProofWindow {
	data, err := e.Client.AccountData(e.Ctx, e.Registry.ProofAddress(p.Device, window))
	require.NoError(t, err)
	w, err := registry.ParseAccount_ProofWindow(data)
	require.NoError(t, err)
	return w
}

// proofClosed asserts that a window's vote account is gone.
func (e *env) proofClosed(t testing.TB, p chaintest.Provider, window uint64) {
	_, err := e.Node.RPC.GetAccountInfoWithOpts(e.Ctx, e.Registry.ProofAddress(p.Device, window), &rpc.GetAccountInfoOpts{Commitment: rpc.CommitmentConfirmed})
	require.ErrorIs(t, err, rpc.ErrNotFound)
}

// A vote is recorded without touching the device; votes that disagree wait; the vote that
// makes a quorum agree counts the low end of the agreeing votes, decides the benchmark and the
// challenge over the oracles' latest reports, closes the window and pays its rent back to the
// oracle that opened it; later votes are stale.
func TestSubmitProofQuorum(t *testing.T) {
	e := newEnv(t)
	params := e.initialize(t)
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO)
	payer := e.Funded(t)
	w := chaintest.PastWindow(2)
	proof := e.Registry.ProofAddress(p.Device, w)
	before := e.Device(t, p)
	oracle0 := e.Lamports(t, e.Oracles[0].PublicKey())

	t.Run("first vote creates the window and leaves the device alone", func(t *testing.T) {
		sig, err := e.Vote(payer, 0, p, report(w, 2, 1_000, registry.ChallengePassed))
		require.NoError(t, err)
		require.Equal(t, []any{&registry.ProofRecorded{Device: p.Device, Oracle: e.Oracles[0].PublicKey(), Window: w, BenchmarkScore: 1_000, UptimeSecs: 2, Votes: 1, Challenge: registry.ChallengePassed}}, e.eventsOf(t, sig))
		require.Equal(t, before, e.Device(t, p))

		_, bump, err := solana.FindProgramAddress([][]byte{[]byte("proof"), p.Device[:], leU64(w)}, e.Registry.ID)
		require.NoError(t, err)
		want := registry.ProofWindow{Device: p.Device, Payer: e.Oracles[0].PublicKey(), Window: w, OracleSet: protocol.OracleSetFingerprint(&params), VotedMask: 1, ChallengeMask: 1, ChallengePassMask: 1, Votes: 1, Bump: bump, Version: registry.LayoutVersion}
		want.Uptime[0] = 2
		want.Benchmark[0] = 1_000
		require.Equal(t, &want, e.proofWindow(t, p, w))
		require.Equal(t, uint64(proofRent), e.Lamports(t, proof))
		require.Equal(t, oracle0-proofRent, e.Lamports(t, e.Oracles[0].PublicKey()))
	})
	t.Run("the same oracle twice", func(t *testing.T) {
		_, err := e.Vote(payer, 0, p, report(w, 1, 1_000, registry.ChallengePassed))
		require.ErrorIs(t, err, registry.ErrDuplicateVote)
	})
	t.Run("a non-oracle", func(t *testing.T) {
		stranger := e.Funded(t)
		ix := chaintest.Must(e.Registry.SubmitProof(stranger.PublicKey(), p.DeviceKey.PublicKey(), report(w, 2, 0, registry.ChallengeNone), e.Oracles[0].PublicKey()))
		require.ErrorIs(t, e.Send([]solana.PrivateKey{stranger}, ix), registry.ErrNotOracle)
	})
	t.Run("the rent payer must be the window's", func(t *testing.T) {
		ix := chaintest.Must(e.Registry.SubmitProof(e.Oracles[1].PublicKey(), p.DeviceKey.PublicKey(), report(w, 2, 0, registry.ChallengeNone), e.Oracles[1].PublicKey()))
		require.ErrorIs(t, e.Send([]solana.PrivateKey{e.Oracles[1]}, ix), registry.ErrWrongOwner)
	})
	t.Run("a disagreeing vote waits", func(t *testing.T) {
		sig, err := e.Vote(payer, 1, p, report(w, 1, 0, registry.ChallengeNone))
		require.NoError(t, err)
		require.Len(t, e.eventsOf(t, sig), 1) // recorded only: 1 and 2 do not agree
		require.Equal(t, before, e.Device(t, p))
		require.Equal(t, uint8(2), e.proofWindow(t, p, w).Votes)
	})
	t.Run("the agreeing quorum counts its low end", func(t *testing.T) {
		oracle2 := e.Lamports(t, e.Oracles[2].PublicKey())
		sig, err := e.Vote(payer, 2, p, report(w, 2, 1_005, registry.ChallengePassed))
		require.NoError(t, err)
		// uptime {1, 2, 2}: 2 and 2 agree. Benchmarks {1,000, 1,005} agree: 1,000. Challenges:
		// two oracles passed it (the quorum). EMA (0*7 + 2/2 window)/8 = 1250 bps. Reputation
		// (1250*50 + (2*10000/3 = 6666)*30 + 0*20)/100 = 2624.
		require.Equal(t, []any{
			&registry.ProofRecorded{Device: p.Device, Oracle: e.Oracles[2].PublicKey(), Window: w, BenchmarkScore: 1_005, UptimeSecs: 2, Votes: 3, Challenge: registry.ChallengePassed},
			&registry.ProofCounted{Device: p.Device, Window: w, UptimeSecs: 2, BenchmarkScore: 1_000, ProvenUptimeSecs: 2, Reputation: 2624, Challenge: registry.ChallengePassed, Votes: 3},
		}, e.eventsOf(t, sig))
		want := *before
		want.ProvenUptimeSecs = 2
		want.BenchmarkScore = 1_000
		want.LastProofWindow = w
		want.LastProofSlot = e.Tx(t, sig).Slot
		want.Epoch = w * 2 / 3600
		want.EpochUptimeSecs = 2
		want.UptimeEmaBps = 1250
		want.ChallengesPassed = 1
		want.Reputation = 2624
		want.ReportedMask, want.WindowTallied = 0b111, 1
		want.OracleSet = protocol.OracleSetFingerprint(&params)
		want.OracleBenchmark[0], want.OracleBenchmark[2] = 1_000, 1_005
		want.ChallengeMask, want.ChallengePassMask = 0b101, 0b101
		require.Equal(t, &want, e.Device(t, p))
		e.proofClosed(t, p, w)
		// the rent went back to oracle 0, who opened the window, not to the counting oracle
		require.Equal(t, oracle0, e.Lamports(t, e.Oracles[0].PublicKey()))
		require.Equal(t, oracle2, e.Lamports(t, e.Oracles[2].PublicKey()))
	})
	t.Run("a late vote for the counted window", func(t *testing.T) {
		// every oracle voted in it: each one's report is in (TestLateReport has one that did not)
		_, err := e.Vote(payer, 0, p, report(w, 2, 0, registry.ChallengeNone))
		require.ErrorIs(t, err, registry.ErrDuplicateVote)
		e.proofClosed(t, p, w)
	})
	t.Run("a vote for an older window", func(t *testing.T) {
		_, err := e.Vote(payer, 0, p, report(w-1, 2, 0, registry.ChallengeNone))
		require.ErrorIs(t, err, registry.ErrStaleProof)
	})
	t.Run("the next window counts on top", func(t *testing.T) {
		next := w + 1
		for chaintest.PastWindow(1) < next {
			time.Sleep(200 * time.Millisecond)
		}
		_, err := e.Vote(payer, 2, p, report(next, 2, 0, registry.ChallengeFailed))
		require.NoError(t, err)
		sig, err := e.Vote(payer, 1, p, report(next, 2, 500, registry.ChallengePassed))
		require.NoError(t, err)
		// The oracles' latest challenge reports: 0 passed (window w), 1 passed, 2 failed: passed
		// by the majority. Benchmarks {1,000, 500, 1,005}: 1,000. EMA (1250*7 + 10000)/8 = 2343;
		// challenges (2+1)/(2+0+2) = 7500; reputation (2343*50 + 7500*30)/100 = 3421. 4 s of
		// uptime end the 4 s probation.
		require.Equal(t, []any{
			&registry.ProofRecorded{Device: p.Device, Oracle: e.Oracles[1].PublicKey(), Window: next, Base: w, BenchmarkScore: 500, UptimeSecs: 2, Votes: 2, Challenge: registry.ChallengePassed},
			&registry.ProofCounted{Device: p.Device, Window: next, Base: w, UptimeSecs: 2, BenchmarkScore: 1_000, ProvenUptimeSecs: 4, Reputation: 3421, Challenge: registry.ChallengePassed, Votes: 2},
			&registry.DeviceStatusChanged{Device: p.Device, From: registry.StatusProbation, To: registry.StatusActive},
		}, e.eventsOf(t, sig))
		d := e.Device(t, p)
		require.Equal(t, uint64(4), d.ProvenUptimeSecs)
		require.Equal(t, uint64(1_000), d.BenchmarkScore)
		require.Equal(t, uint32(2343), d.UptimeEmaBps)
		require.Equal(t, uint32(2), d.ChallengesPassed)
		require.Equal(t, uint32(0), d.ChallengesFailed)
		require.Equal(t, next, d.LastProofWindow)
		if next*2/3600 == w*2/3600 {
			require.Equal(t, uint64(4), d.EpochUptimeSecs)
		} else {
			require.Equal(t, uint64(2), d.EpochUptimeSecs) // the hour turned between the windows
		}
		e.proofClosed(t, p, next)
	})
}

// Reports and windows the program refuses, each with its exact error, on a device with no
// counted window (so staleness comes from the age rule alone).
// Issue 14's gap: at quorum 2 of 3, oracles 0 and 1 count a window without oracle 2. Oracle 2's
// vote on it is then a late report: accepted once, its benchmark and challenge outcome become
// its latest, and the window's challenge tally (which the votes' single pass did not make) is
// made now; no uptime moves. A replay, a voter's late vote and an older window are refused.
func TestLateReport(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	payer := e.Funded(t)
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO)
	w := chaintest.PastWindow(1)
	_, err := e.Vote(payer, 0, p, report(w, 2, 1_000, registry.ChallengePassed))
	require.NoError(t, err)
	_, err = e.Vote(payer, 1, p, report(w, 2, 0, registry.ChallengeNone))
	require.NoError(t, err)
	counted := e.Device(t, p)
	require.Equal(t, w, counted.LastProofWindow)
	require.Equal(t, uint64(2), counted.ProvenUptimeSecs)
	require.Zero(t, counted.ChallengesPassed, "one pass: no quorum")
	require.Equal(t, uint16(0b011), counted.ReportedMask)

	sig, err := e.Vote(payer, 2, p, report(w, 1, 1_004, registry.ChallengePassed))
	require.NoError(t, err)
	got := e.Device(t, p)
	require.Greater(t, got.Reputation, counted.Reputation, "a passed challenge tallied")
	want := *counted
	want.ReportedMask = 0b111
	want.OracleBenchmark[2] = 1_004
	want.BenchmarkScore = 1_000 // {1,000, 1,004} agree
	want.ChallengeMask, want.ChallengePassMask = 0b101, 0b101
	want.ChallengesPassed, want.WindowTallied = 1, 1
	want.Reputation = got.Reputation
	require.Equal(t, &want, got, "no uptime, window, EMA or epoch change")
	require.Equal(t, []any{&registry.LateReportRecorded{Device: p.Device, Oracle: e.Oracles[2].PublicKey(), Window: w, BenchmarkScore: 1_004,
		DeviceBenchmarkScore: 1_000, Reputation: got.Reputation, Challenge: registry.ChallengePassed, Tally: registry.ChallengePassed}}, e.eventsOf(t, sig))
	e.proofClosed(t, p, w)

	for _, tc := range []struct {
		name   string
		oracle int
		window uint64
		err    error
	}{
		{"replayed", 2, w, registry.ErrDuplicateVote},
		{"from a voter of the window", 0, w, registry.ErrDuplicateVote},
		{"on an older window", 2, w - 1, registry.ErrStaleProof},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Vote(payer, tc.oracle, p, report(tc.window, 1, 1_004, registry.ChallengeFailed))
			require.ErrorIs(t, err, tc.err)
			require.Equal(t, got, e.Device(t, p))
		})
	}
}

func TestSubmitProofNegative(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 0)
	payer := e.Funded(t)
	w := chaintest.PastWindow(2)

	reports := []struct {
		name string
		r    registry.ProofReport
		err  error
	}{
		{"window not ended", report(currentWindow(), 0, 0, registry.ChallengeNone), registry.ErrProofWindowNotClosed},
		{"window in the future", report(currentWindow()+5, 0, 0, registry.ChallengeNone), registry.ErrProofWindowNotClosed},
		{"window older than max_proof_age_secs", report(chaintest.PastWindow(31), 2, 0, registry.ChallengeNone), registry.ErrStaleProof},
		{"window start overflows", report(math.MaxUint64, 0, 0, registry.ChallengeNone), registry.ErrArithmeticOverflow},
		{"uptime above the window length", report(w, 3, 0, registry.ChallengeNone), registry.ErrInvalidProof},
		{"unknown challenge result", report(w, 2, 0, 3), registry.ErrInvalidProof},
		{"non-zero padding", registry.ProofReport{Window: w, UptimeSecs: 2, Padding: [3]uint8{0, 1, 0}}, registry.ErrInvalidProof},
	}
	for _, tc := range reports {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Vote(payer, 0, p, tc.r)
			require.ErrorIs(t, err, tc.err)
		})
	}
	t.Run("a window just inside max_proof_age_secs is recorded", func(t *testing.T) {
		// PastWindow(27) starts 58-60 s ago by this clock, which the chain's trails: within 60 s.
		_, err := e.Vote(payer, 0, p, report(chaintest.PastWindow(27), 2, 0, registry.ChallengeNone))
		require.NoError(t, err)
	})

	r := report(w, 2, 0, registry.ChallengeNone)
	edit := func(mutate func(accounts []*solana.AccountMeta)) solana.Instruction {
		ix := chaintest.Must(e.Registry.SubmitProof(e.Oracles[0].PublicKey(), p.DeviceKey.PublicKey(), r, e.Oracles[0].PublicKey()))
		mutate(ix.Accounts())
		return ix
	}
	t.Run("the oracle must sign", func(t *testing.T) {
		ix := edit(func(a []*solana.AccountMeta) { a[3].IsSigner = false })
		require.ErrorIs(t, e.Send([]solana.PrivateKey{payer}, ix), registry.ErrMissingSigner)
	})
	t.Run("the proof PDA of another window", func(t *testing.T) {
		ix := edit(func(a []*solana.AccountMeta) { a[2].PublicKey = e.Registry.ProofAddress(p.Device, w-1) })
		require.ErrorIs(t, e.Send([]solana.PrivateKey{payer, e.Oracles[0]}, ix), registry.ErrInvalidPda)
	})
	t.Run("the proof PDA of another device", func(t *testing.T) {
		other := e.Registry.DeviceAddress(solana.NewWallet().PublicKey())
		ix := edit(func(a []*solana.AccountMeta) { a[2].PublicKey = e.Registry.ProofAddress(other, w) })
		require.ErrorIs(t, e.Send([]solana.PrivateKey{payer, e.Oracles[0]}, ix), registry.ErrInvalidPda)
	})
	t.Run("an existing vote account of another window", func(t *testing.T) {
		open := w - 2
		_, err := e.Vote(payer, 1, p, report(open, 2, 0, registry.ChallengeNone))
		require.NoError(t, err)
		ix := edit(func(a []*solana.AccountMeta) { a[2].PublicKey = e.Registry.ProofAddress(p.Device, open) })
		require.ErrorIs(t, e.Send([]solana.PrivateKey{payer, e.Oracles[0]}, ix), registry.ErrInvalidPda)
		require.Equal(t, uint8(1), e.proofWindow(t, p, open).Votes)
	})
	t.Run("a Device passed as the vote account", func(t *testing.T) {
		ix := edit(func(a []*solana.AccountMeta) { a[2].PublicKey = p.Device })
		require.ErrorIs(t, e.Send([]solana.PrivateKey{payer, e.Oracles[0]}, ix), registry.ErrInvalidAccountData)
	})
	t.Run("a Provider passed as the device", func(t *testing.T) {
		ix := edit(func(a []*solana.AccountMeta) { a[1].PublicKey = e.Registry.ProviderAddress(p.Owner.PublicKey()) })
		require.ErrorIs(t, e.Send([]solana.PrivateKey{payer, e.Oracles[0]}, ix), registry.ErrInvalidAccountData)
	})
	t.Run("a device account the registry does not own", func(t *testing.T) {
		ix := edit(func(a []*solana.AccountMeta) { a[1].PublicKey = p.Token })
		require.ErrorIs(t, e.Send([]solana.PrivateKey{payer, e.Oracles[0]}, ix), registry.ErrInvalidAccountOwner)
	})
	t.Run("a spoofed config", func(t *testing.T) {
		ix := edit(func(a []*solana.AccountMeta) { a[0].PublicKey = p.Device })
		require.ErrorIs(t, e.Send([]solana.PrivateKey{payer, e.Oracles[0]}, ix), registry.ErrInvalidAccountData)
	})
	t.Run("a fake system program", func(t *testing.T) {
		ix := edit(func(a []*solana.AccountMeta) { a[4].PublicKey = solana.TokenProgramID })
		require.ErrorIs(t, e.Send([]solana.PrivateKey{payer, e.Oracles[0]}, ix), registry.ErrInvalidProgramId)
	})
	require.Equal(t, uint64(0), e.Device(t, p).ProvenUptimeSecs)
}

// Probation served with the minimum stake makes a device Active on the counting vote; the
// same uptime with too little stake leaves it in probation.
func TestSubmitProofEndsProbation(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	staked := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO) // H100 minimum: 200 IO x 10
	short := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 1_999*chaintest.IO)
	payer := e.Funded(t)
	w1, w2 := chaintest.PastWindow(3), chaintest.PastWindow(2)

	sig := e.ProveUptime(t, payer, staked, w1, 2)
	require.Len(t, e.eventsOf(t, sig), 2) // recorded, counted: still in probation
	d := e.Device(t, staked)
	require.Equal(t, registry.StatusProbation, d.Status)
	require.Equal(t, uint64(2), d.ProvenUptimeSecs)
	require.Equal(t, uint32(1250), d.UptimeEmaBps) // (0*7 + 10000)/8

	sig = e.ProveUptime(t, payer, staked, w2, 2)
	// EMA (1250*7 + 10000)/8 = 2343; reputation (2343*50 + 5000*30 + 0*20)/100 = 2671.
	require.Equal(t, []any{
		&registry.ProofRecorded{Device: staked.Device, Oracle: e.Oracles[1].PublicKey(), Window: w2, Base: w1, UptimeSecs: 2, Votes: 2},
		&registry.ProofCounted{Device: staked.Device, Window: w2, Base: w1, UptimeSecs: 2, ProvenUptimeSecs: 4, Reputation: 2671, Votes: 2},
		&registry.DeviceStatusChanged{Device: staked.Device, From: registry.StatusProbation, To: registry.StatusActive},
	}, e.eventsOf(t, sig))
	d = e.Device(t, staked)
	require.Equal(t, registry.StatusActive, d.Status)
	require.Equal(t, uint64(4), d.ProvenUptimeSecs)
	require.Equal(t, uint32(2343), d.UptimeEmaBps)
	require.Equal(t, uint16(2671), d.Reputation)
	require.Equal(t, uint32(0), d.ChallengesPassed+d.ChallengesFailed)
	require.Equal(t, uint64(0), d.BenchmarkScore) // no oracle reported one

	e.ProveUptime(t, payer, short, w1, 2)
	sig = e.ProveUptime(t, payer, short, w2, 2)
	require.Len(t, e.eventsOf(t, sig), 2) // no status change
	d = e.Device(t, short)
	require.Equal(t, uint64(4), d.ProvenUptimeSecs)
	require.Equal(t, registry.StatusProbation, d.Status)
}

func leU64(v uint64) []byte {
	b := make([]byte, 8)
	for i := range b {
		b[i] = byte(v >> (8 * i))
	}
	return b
}

// A window that never reached its quorum can be closed once it can no longer count, and its
// rent goes back to the oracle that paid it; not before, and not to anyone else.
func TestCloseStaleProof(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO)
	k := p.DeviceKey.PublicKey()
	lonely, later := chaintest.PastWindow(2), chaintest.PastWindow(1)
	oracle := e.Oracles[0]
	_, err := e.Vote(e.Funded(t), 0, p, report(lonely, 1, 0, registry.ChallengeNone))
	require.NoError(t, err)
	cranker := e.Funded(t)
	closeIx := func(window uint64, payer solana.PublicKey) solana.Instruction {
		return chaintest.Must(e.Registry.CloseStaleProof(k, window, payer))
	}

	t.Run("still open", func(t *testing.T) {
		require.ErrorIs(t, e.Send([]solana.PrivateKey{cranker}, closeIx(lonely, oracle.PublicKey())), registry.ErrProofStillOpen)
	})
	e.ProveUptime(t, e.Funded(t), p, later, 2) // a later window counts: the lonely one is stale
	t.Run("rent to someone else", func(t *testing.T) {
		require.ErrorIs(t, e.Send([]solana.PrivateKey{cranker}, closeIx(lonely, cranker.PublicKey())), registry.ErrWrongOwner)
	})
	t.Run("closed, rent to the oracle", func(t *testing.T) {
		before := e.Lamports(t, oracle.PublicKey())
		sig, err := e.Client.Send(e.Ctx, []solana.Instruction{closeIx(lonely, oracle.PublicKey())}, cranker)
		require.NoError(t, err)
		require.Equal(t, before+proofRent, e.Lamports(t, oracle.PublicKey()))
		require.False(t, e.exists(t, e.Registry.ProofAddress(p.Device, lonely)))
		require.Equal(t, []any{&registry.ProofClosed{Device: p.Device, Window: lonely, Votes: 1}}, e.eventsOf(t, sig))
	})
	t.Run("twice", func(t *testing.T) {
		err := e.Send([]solana.PrivateKey{e.Funded(t)}, closeIx(lonely, oracle.PublicKey()))
		require.ErrorIs(t, err, registry.ErrInvalidAccountOwner)
	})
}
