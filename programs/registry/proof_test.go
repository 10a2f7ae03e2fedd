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
)

// proofRent is the rent-exempt minimum of a ProofWindow (296 bytes) at mainnet rent.
const proofRent = (128 + 296) * 3480 * 2

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

// proofClosed asserts that a window's vote account is gone. (One direct call: chain.Client's
// AccountData retries a missing account for ~6 s before it reports ErrAccountNotFound.)
func (e *env) proofClosed(t testing.TB, p chaintest.Provider, window uint64) {
	_, err := e.Client.RPC.GetAccountInfoWithOpts(e.Ctx, e.Registry.ProofAddress(p.Device, window), &rpc.GetAccountInfoOpts{Commitment: rpc.CommitmentConfirmed})
	require.ErrorIs(t, err, rpc.ErrNotFound)
}

// A vote is recorded without touching the device; the vote reaching the quorum counts the
// lower median, closes the window and pays its rent to that oracle; later votes are stale.
func TestSubmitProofQuorum(t *testing.T) {
	e := newEnv(t)
	params := e.initialize(t)
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO)
	payer := e.Funded(t)
	w := chaintest.PastWindow(2)
	proof := e.Registry.ProofAddress(p.Device, w)
	before := e.Device(t, p)

	t.Run("first vote creates the window and leaves the device alone", func(t *testing.T) {
		oracle0 := e.Lamports(t, e.Oracles[0].PublicKey())
		sig, err := e.Vote(payer, 0, p, report(w, 2, 1_000, registry.ChallengePassed))
		require.NoError(t, err)
		require.Equal(t, []any{&registry.ProofRecorded{Device: p.Device, Oracle: e.Oracles[0].PublicKey(), Window: w, Votes: 1}}, e.eventsOf(t, sig))
		require.Equal(t, before, e.Device(t, p))

		_, bump, err := solana.FindProgramAddress([][]byte{[]byte("proof"), p.Device[:], leU64(w)}, e.Registry.ID)
		require.NoError(t, err)
		want := registry.ProofWindow{Device: p.Device, Payer: e.Oracles[0].PublicKey(), Window: w, OracleSet: registry.OracleSetFingerprint(params), VotedMask: 1, ChallengeMask: 1, ChallengePassMask: 1, Votes: 1, Bump: bump, Version: registry.LayoutVersion}
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
		ix := chaintest.Must(e.Registry.SubmitProof(stranger.PublicKey(), p.DeviceKey.PublicKey(), report(w, 2, 0, registry.ChallengeNone)))
		require.ErrorIs(t, e.Send([]solana.PrivateKey{stranger}, ix), registry.ErrNotOracle)
	})
	t.Run("the quorum counts the lower median", func(t *testing.T) {
		oracle1 := e.Lamports(t, e.Oracles[1].PublicKey())
		sig, err := e.Vote(payer, 1, p, report(w, 1, 0, registry.ChallengeNone))
		require.NoError(t, err)
		// uptime: lower median of {2, 1}; benchmark: the only non-zero one; challenge: 1 of 1
		// reporting oracles saw it pass. EMA: (0*7 + 1/2 window)/8 = 625 bps. Reputation:
		// (625*50 + 6666*30 + 0*20)/100 with challenges (1+1)/(1+0+2) = 6666.
		require.Equal(t, []any{
			&registry.ProofRecorded{Device: p.Device, Oracle: e.Oracles[1].PublicKey(), Window: w, Votes: 2},
			&registry.ProofCounted{Device: p.Device, Window: w, UptimeSecs: 1, BenchmarkScore: 1_000, ProvenUptimeSecs: 1, Reputation: 2312, Challenge: registry.ChallengePassed},
		}, e.eventsOf(t, sig))
		want := *before
		want.ProvenUptimeSecs = 1
		want.BenchmarkScore = 1_000
		want.LastProofWindow = w
		want.LastProofSlot = e.Tx(t, sig).Slot
		want.Epoch = w * 2 / 3600
		want.EpochUptimeSecs = 1
		want.UptimeEmaBps = 625
		want.ChallengesPassed = 1
		want.Reputation = 2312
		require.Equal(t, &want, e.Device(t, p))
		e.proofClosed(t, p, w)
		require.Equal(t, oracle1+proofRent, e.Lamports(t, e.Oracles[1].PublicKey()))
	})
	t.Run("a late vote for the counted window", func(t *testing.T) {
		_, err := e.Vote(payer, 2, p, report(w, 2, 0, registry.ChallengeNone))
		require.ErrorIs(t, err, registry.ErrStaleProof)
		e.proofClosed(t, p, w)
	})
	t.Run("a vote for an older window", func(t *testing.T) {
		_, err := e.Vote(payer, 0, p, report(w-1, 2, 0, registry.ChallengeNone))
		require.ErrorIs(t, err, registry.ErrStaleProof)
	})
	t.Run("the next window counts on top", func(t *testing.T) {
		for chaintest.PastWindow(1) <= w {
			time.Sleep(200 * time.Millisecond)
		}
		next := chaintest.PastWindow(1)
		_, err := e.Vote(payer, 2, p, report(next, 2, 0, registry.ChallengeFailed))
		require.NoError(t, err)
		sig, err := e.Vote(payer, 1, p, report(next, 2, 500, registry.ChallengePassed))
		require.NoError(t, err)
		// 1 pass, 1 fail: a tie counts as failed. EMA (625*7 + 10000)/8 = 1796; challenges
		// (1+1)/(1+1+2) = 5000; reputation (1796*50 + 5000*30)/100 = 2398.
		events := e.eventsOf(t, sig)
		require.Len(t, events, 2)
		require.Equal(t, &registry.ProofCounted{Device: p.Device, Window: next, UptimeSecs: 2, BenchmarkScore: 500, ProvenUptimeSecs: 3, Reputation: 2398, Challenge: registry.ChallengeFailed}, events[1])
		d := e.Device(t, p)
		require.Equal(t, uint64(3), d.ProvenUptimeSecs)
		require.Equal(t, uint64(500), d.BenchmarkScore)
		require.Equal(t, uint32(1796), d.UptimeEmaBps)
		require.Equal(t, uint32(1), d.ChallengesPassed)
		require.Equal(t, uint32(1), d.ChallengesFailed)
		require.Equal(t, next, d.LastProofWindow)
		if next*2/3600 == w*2/3600 {
			require.Equal(t, uint64(3), d.EpochUptimeSecs)
		} else {
			require.Equal(t, uint64(2), d.EpochUptimeSecs) // the hour turned between the windows
		}
		require.Equal(t, registry.StatusProbation, d.Status) // 3 s of 4 s probation
		e.proofClosed(t, p, next)
	})
}

// Reports and windows the program refuses, each with its exact error, on a device with no
// counted window (so staleness comes from the age rule alone).
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
		ix := chaintest.Must(e.Registry.SubmitProof(e.Oracles[0].PublicKey(), p.DeviceKey.PublicKey(), r))
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
		&registry.ProofRecorded{Device: staked.Device, Oracle: e.Oracles[1].PublicKey(), Window: w2, Votes: 2},
		&registry.ProofCounted{Device: staked.Device, Window: w2, UptimeSecs: 2, ProvenUptimeSecs: 4, Reputation: 2671},
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
