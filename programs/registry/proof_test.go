package registry_test

import (
	"math"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
)

// proofRent is the rent-exempt minimum of a ProofWindow (288 bytes) at mainnet rent.
const proofRent = (128 + 288) * 3480 * 2

// pastWindow is the index of a 2 s proof window that ended `back` windows before the last one.
// The localnet's Clock is the wall clock as of its latest slot, up to one 400 ms slot behind
// this process, so the window just ended by our clock may not have ended on chain: skip it.
func pastWindow(back uint64) uint64 { return uint64(time.Now().Unix())/2 - 2 - back }

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

// vote sends oracle e.oracles[i]'s report on p's device; payer pays the fee, so the oracle's
// lamports move by rent only.
func (e *env) vote(payer solana.PrivateKey, i int, p provider, r registry.ProofReport) (solana.Signature, error) {
	return e.client.Send(e.ctx, []solana.Instruction{must(e.prog.SubmitProof(e.oracles[i].PublicKey(), p.deviceKey.PublicKey(), r))}, payer, e.oracles[i])
}

// proveUptime counts window for p's device with uptime seconds from oracles 0 and 1 (the
// test quorum) and returns the counting transaction's signature.
func (e *env) proveUptime(t testing.TB, payer solana.PrivateKey, p provider, window uint64, uptime uint32) solana.Signature {
	_, err := e.vote(payer, 0, p, report(window, uptime, 0, registry.ChallengeNone))
	require.NoError(t, err)
	sig, err := e.vote(payer, 1, p, report(window, uptime, 0, registry.ChallengeNone))
	require.NoError(t, err)
	return sig
}

// proofWindow fetches and decodes a window's vote account.
func (e *env) proofWindow(t testing.TB, p provider, window uint64) *registry.ProofWindow {
	data, err := e.client.AccountData(e.ctx, e.prog.ProofAddress(p.device, window))
	require.NoError(t, err)
	w, err := registry.ParseAccount_ProofWindow(data)
	require.NoError(t, err)
	return w
}

// proofClosed asserts that a window's vote account is gone. (One direct call: chain.Client's
// AccountData retries a missing account for ~6 s before it reports ErrAccountNotFound.)
func (e *env) proofClosed(t testing.TB, p provider, window uint64) {
	_, err := e.client.RPC.GetAccountInfoWithOpts(e.ctx, e.prog.ProofAddress(p.device, window), &rpc.GetAccountInfoOpts{Commitment: rpc.CommitmentConfirmed})
	require.ErrorIs(t, err, rpc.ErrNotFound)
}

// A vote is recorded without touching the device; the vote reaching the quorum counts the
// lower median, closes the window and pays its rent to that oracle; later votes are stale.
func TestSubmitProofQuorum(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	p := e.newProvider(t, H100, 5_000*IO, 2_000*IO)
	payer := e.funded(t)
	w := pastWindow(2)
	proof := e.prog.ProofAddress(p.device, w)
	before := e.device(t, p)

	t.Run("first vote creates the window and leaves the device alone", func(t *testing.T) {
		oracle0 := e.lamports(t, e.oracles[0].PublicKey())
		sig, err := e.vote(payer, 0, p, report(w, 2, 1_000, registry.ChallengePassed))
		require.NoError(t, err)
		require.Equal(t, []any{&registry.ProofRecorded{Device: p.device, Oracle: e.oracles[0].PublicKey(), Window: w, Votes: 1}}, e.eventsOf(t, sig))
		require.Equal(t, before, e.device(t, p))

		_, bump, err := solana.FindProgramAddress([][]byte{[]byte("proof"), p.device[:], leU64(w)}, e.prog.ID)
		require.NoError(t, err)
		want := registry.ProofWindow{Device: p.device, Payer: e.oracles[0].PublicKey(), Window: w, VotedMask: 1, ChallengeMask: 1, ChallengePassMask: 1, Votes: 1, Bump: bump, Version: 1}
		want.Uptime[0] = 2
		want.Benchmark[0] = 1_000
		require.Equal(t, &want, e.proofWindow(t, p, w))
		require.Equal(t, uint64(proofRent), e.lamports(t, proof))
		require.Equal(t, oracle0-proofRent, e.lamports(t, e.oracles[0].PublicKey()))
	})
	t.Run("the same oracle twice", func(t *testing.T) {
		_, err := e.vote(payer, 0, p, report(w, 1, 1_000, registry.ChallengePassed))
		require.ErrorIs(t, err, registry.ErrDuplicateVote)
	})
	t.Run("a non-oracle", func(t *testing.T) {
		stranger := e.funded(t)
		ix := must(e.prog.SubmitProof(stranger.PublicKey(), p.deviceKey.PublicKey(), report(w, 2, 0, registry.ChallengeNone)))
		require.ErrorIs(t, e.send([]solana.PrivateKey{stranger}, ix), registry.ErrNotOracle)
	})
	t.Run("the quorum counts the lower median", func(t *testing.T) {
		oracle1 := e.lamports(t, e.oracles[1].PublicKey())
		sig, err := e.vote(payer, 1, p, report(w, 1, 0, registry.ChallengeNone))
		require.NoError(t, err)
		// uptime: lower median of {2, 1}; benchmark: the only non-zero one; challenge: 1 of 1
		// reporting oracles saw it pass. EMA: (0*7 + 1/2 window)/8 = 625 bps. Reputation:
		// (625*50 + 6666*30 + 0*20)/100 with challenges (1+1)/(1+0+2) = 6666.
		require.Equal(t, []any{
			&registry.ProofRecorded{Device: p.device, Oracle: e.oracles[1].PublicKey(), Window: w, Votes: 2},
			&registry.ProofCounted{Device: p.device, Window: w, UptimeSecs: 1, BenchmarkScore: 1_000, ProvenUptimeSecs: 1, Reputation: 2312, Challenge: registry.ChallengePassed},
		}, e.eventsOf(t, sig))
		want := *before
		want.ProvenUptimeSecs = 1
		want.BenchmarkScore = 1_000
		want.LastProofWindow = w
		want.LastProofSlot = e.txOf(t, sig).Slot
		want.Epoch = w * 2 / 3600
		want.EpochUptimeSecs = 1
		want.UptimeEmaBps = 625
		want.ChallengesPassed = 1
		want.Reputation = 2312
		require.Equal(t, &want, e.device(t, p))
		e.proofClosed(t, p, w)
		require.Equal(t, oracle1+proofRent, e.lamports(t, e.oracles[1].PublicKey()))
	})
	t.Run("a late vote for the counted window", func(t *testing.T) {
		_, err := e.vote(payer, 2, p, report(w, 2, 0, registry.ChallengeNone))
		require.ErrorIs(t, err, registry.ErrStaleProof)
		e.proofClosed(t, p, w)
	})
	t.Run("a vote for an older window", func(t *testing.T) {
		_, err := e.vote(payer, 0, p, report(w-1, 2, 0, registry.ChallengeNone))
		require.ErrorIs(t, err, registry.ErrStaleProof)
	})
	t.Run("the next window counts on top", func(t *testing.T) {
		for pastWindow(1) <= w {
			time.Sleep(200 * time.Millisecond)
		}
		next := pastWindow(1)
		_, err := e.vote(payer, 2, p, report(next, 2, 0, registry.ChallengeFailed))
		require.NoError(t, err)
		sig, err := e.vote(payer, 1, p, report(next, 2, 500, registry.ChallengePassed))
		require.NoError(t, err)
		// 1 pass, 1 fail: a tie counts as failed. EMA (625*7 + 10000)/8 = 1796; challenges
		// (1+1)/(1+1+2) = 5000; reputation (1796*50 + 5000*30)/100 = 2398.
		events := e.eventsOf(t, sig)
		require.Len(t, events, 2)
		require.Equal(t, &registry.ProofCounted{Device: p.device, Window: next, UptimeSecs: 2, BenchmarkScore: 500, ProvenUptimeSecs: 3, Reputation: 2398, Challenge: registry.ChallengeFailed}, events[1])
		d := e.device(t, p)
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
	p := e.newProvider(t, H100, 5_000*IO, 0)
	payer := e.funded(t)
	w := pastWindow(2)

	reports := []struct {
		name string
		r    registry.ProofReport
		err  error
	}{
		{"window not ended", report(currentWindow(), 0, 0, registry.ChallengeNone), registry.ErrProofWindowNotClosed},
		{"window in the future", report(currentWindow()+5, 0, 0, registry.ChallengeNone), registry.ErrProofWindowNotClosed},
		{"window older than max_proof_age_secs", report(pastWindow(31), 2, 0, registry.ChallengeNone), registry.ErrStaleProof},
		{"window start overflows", report(math.MaxUint64, 0, 0, registry.ChallengeNone), registry.ErrArithmeticOverflow},
		{"uptime above the window length", report(w, 3, 0, registry.ChallengeNone), registry.ErrInvalidProof},
		{"unknown challenge result", report(w, 2, 0, 3), registry.ErrInvalidProof},
		{"non-zero padding", registry.ProofReport{Window: w, UptimeSecs: 2, Padding: [3]uint8{0, 1, 0}}, registry.ErrInvalidProof},
	}
	for _, tc := range reports {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.vote(payer, 0, p, tc.r)
			require.ErrorIs(t, err, tc.err)
		})
	}
	t.Run("a window just inside max_proof_age_secs is recorded", func(t *testing.T) {
		// pastWindow(27) starts 58-60 s ago by this clock, which the chain's trails: within 60 s.
		_, err := e.vote(payer, 0, p, report(pastWindow(27), 2, 0, registry.ChallengeNone))
		require.NoError(t, err)
	})

	r := report(w, 2, 0, registry.ChallengeNone)
	edit := func(mutate func(accounts []*solana.AccountMeta)) solana.Instruction {
		ix := must(e.prog.SubmitProof(e.oracles[0].PublicKey(), p.deviceKey.PublicKey(), r))
		mutate(ix.Accounts())
		return ix
	}
	t.Run("the oracle must sign", func(t *testing.T) {
		ix := edit(func(a []*solana.AccountMeta) { a[3].IsSigner = false })
		require.ErrorIs(t, e.send([]solana.PrivateKey{payer}, ix), registry.ErrMissingSigner)
	})
	t.Run("the proof PDA of another window", func(t *testing.T) {
		ix := edit(func(a []*solana.AccountMeta) { a[2].PublicKey = e.prog.ProofAddress(p.device, w-1) })
		require.ErrorIs(t, e.send([]solana.PrivateKey{payer, e.oracles[0]}, ix), registry.ErrInvalidPda)
	})
	t.Run("the proof PDA of another device", func(t *testing.T) {
		other := e.prog.DeviceAddress(solana.NewWallet().PublicKey())
		ix := edit(func(a []*solana.AccountMeta) { a[2].PublicKey = e.prog.ProofAddress(other, w) })
		require.ErrorIs(t, e.send([]solana.PrivateKey{payer, e.oracles[0]}, ix), registry.ErrInvalidPda)
	})
	t.Run("an existing vote account of another window", func(t *testing.T) {
		open := w - 2
		_, err := e.vote(payer, 1, p, report(open, 2, 0, registry.ChallengeNone))
		require.NoError(t, err)
		ix := edit(func(a []*solana.AccountMeta) { a[2].PublicKey = e.prog.ProofAddress(p.device, open) })
		require.ErrorIs(t, e.send([]solana.PrivateKey{payer, e.oracles[0]}, ix), registry.ErrInvalidPda)
		require.Equal(t, uint8(1), e.proofWindow(t, p, open).Votes)
	})
	t.Run("a Device passed as the vote account", func(t *testing.T) {
		ix := edit(func(a []*solana.AccountMeta) { a[2].PublicKey = p.device })
		require.ErrorIs(t, e.send([]solana.PrivateKey{payer, e.oracles[0]}, ix), registry.ErrInvalidAccountData)
	})
	t.Run("a Provider passed as the device", func(t *testing.T) {
		ix := edit(func(a []*solana.AccountMeta) { a[1].PublicKey = e.prog.ProviderAddress(p.owner.PublicKey()) })
		require.ErrorIs(t, e.send([]solana.PrivateKey{payer, e.oracles[0]}, ix), registry.ErrInvalidAccountData)
	})
	t.Run("a device account the registry does not own", func(t *testing.T) {
		ix := edit(func(a []*solana.AccountMeta) { a[1].PublicKey = p.token })
		require.ErrorIs(t, e.send([]solana.PrivateKey{payer, e.oracles[0]}, ix), registry.ErrInvalidAccountOwner)
	})
	t.Run("a spoofed config", func(t *testing.T) {
		ix := edit(func(a []*solana.AccountMeta) { a[0].PublicKey = p.device })
		require.ErrorIs(t, e.send([]solana.PrivateKey{payer, e.oracles[0]}, ix), registry.ErrInvalidAccountData)
	})
	t.Run("a fake system program", func(t *testing.T) {
		ix := edit(func(a []*solana.AccountMeta) { a[4].PublicKey = solana.TokenProgramID })
		require.ErrorIs(t, e.send([]solana.PrivateKey{payer, e.oracles[0]}, ix), registry.ErrInvalidProgramId)
	})
	require.Equal(t, uint64(0), e.device(t, p).ProvenUptimeSecs)
}

// Probation served with the minimum stake makes a device Active on the counting vote; the
// same uptime with too little stake leaves it in probation.
func TestSubmitProofEndsProbation(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	staked := e.newProvider(t, H100, 5_000*IO, 2_000*IO) // H100 minimum: 200 IO x 10
	short := e.newProvider(t, H100, 5_000*IO, 1_999*IO)
	payer := e.funded(t)
	w1, w2 := pastWindow(3), pastWindow(2)

	sig := e.proveUptime(t, payer, staked, w1, 2)
	require.Len(t, e.eventsOf(t, sig), 2) // recorded, counted: still in probation
	d := e.device(t, staked)
	require.Equal(t, registry.StatusProbation, d.Status)
	require.Equal(t, uint64(2), d.ProvenUptimeSecs)
	require.Equal(t, uint32(1250), d.UptimeEmaBps) // (0*7 + 10000)/8

	sig = e.proveUptime(t, payer, staked, w2, 2)
	// EMA (1250*7 + 10000)/8 = 2343; reputation (2343*50 + 5000*30 + 0*20)/100 = 2671.
	require.Equal(t, []any{
		&registry.ProofRecorded{Device: staked.device, Oracle: e.oracles[1].PublicKey(), Window: w2, Votes: 2},
		&registry.ProofCounted{Device: staked.device, Window: w2, UptimeSecs: 2, ProvenUptimeSecs: 4, Reputation: 2671},
		&registry.DeviceStatusChanged{Device: staked.device, From: registry.StatusProbation, To: registry.StatusActive},
	}, e.eventsOf(t, sig))
	d = e.device(t, staked)
	require.Equal(t, registry.StatusActive, d.Status)
	require.Equal(t, uint64(4), d.ProvenUptimeSecs)
	require.Equal(t, uint32(2343), d.UptimeEmaBps)
	require.Equal(t, uint16(2671), d.Reputation)
	require.Equal(t, uint32(0), d.ChallengesPassed+d.ChallengesFailed)
	require.Equal(t, uint64(0), d.BenchmarkScore) // no oracle reported one

	e.proveUptime(t, payer, short, w1, 2)
	sig = e.proveUptime(t, payer, short, w2, 2)
	require.Len(t, e.eventsOf(t, sig), 2) // no status change
	d = e.device(t, short)
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
	p := e.newProvider(t, H100, 5_000*IO, 2_000*IO)
	k := p.deviceKey.PublicKey()
	lonely, later := pastWindow(2), pastWindow(1)
	oracle := e.oracles[0]
	_, err := e.vote(e.funded(t), 0, p, report(lonely, 1, 0, registry.ChallengeNone))
	require.NoError(t, err)
	cranker := e.funded(t)
	closeIx := func(window uint64, payer solana.PublicKey) solana.Instruction {
		return must(e.prog.CloseStaleProof(k, window, payer))
	}

	t.Run("still open", func(t *testing.T) {
		require.ErrorIs(t, e.send([]solana.PrivateKey{cranker}, closeIx(lonely, oracle.PublicKey())), registry.ErrProofStillOpen)
	})
	e.proveUptime(t, e.funded(t), p, later, 2) // a later window counts: the lonely one is stale
	t.Run("rent to someone else", func(t *testing.T) {
		require.ErrorIs(t, e.send([]solana.PrivateKey{cranker}, closeIx(lonely, cranker.PublicKey())), registry.ErrWrongOwner)
	})
	t.Run("closed, rent to the oracle", func(t *testing.T) {
		before := e.lamports(t, oracle.PublicKey())
		sig, err := e.client.Send(e.ctx, []solana.Instruction{closeIx(lonely, oracle.PublicKey())}, cranker)
		require.NoError(t, err)
		require.Equal(t, before+proofRent, e.lamports(t, oracle.PublicKey()))
		require.False(t, e.exists(t, e.prog.ProofAddress(p.device, lonely)))
		require.Equal(t, []any{&registry.ProofClosed{Device: p.device, Window: lonely, Votes: 1}}, e.eventsOf(t, sig))
	})
	t.Run("twice", func(t *testing.T) {
		err := e.send([]solana.PrivateKey{e.funded(t)}, closeIx(lonely, oracle.PublicKey()))
		require.ErrorIs(t, err, registry.ErrInvalidAccountOwner)
	})
}
