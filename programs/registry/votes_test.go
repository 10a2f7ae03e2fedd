package registry_test

import (
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// Issue 9, attack 3 on registry proofs: one compromised oracle among three (quorum 2) used to
// decide a window alone by voting first (the lower median of its 0 and the first honest vote).
// Now, whether the faulty oracle votes first or last, low, high or slightly low, the window
// counts the low end of the votes that agree (band 5% here), so the faulty vote moves the
// uptime, the benchmark and the challenge outcome by at most the band, or not at all. Voting
// last, after the window counted, it is a late report: no uptime, its benchmark joins the
// latest, and the window's tally is not made twice.
//
// Each device first counts a base window 25 windows before the voted one, so the votes report
// the 50 s since then (cumulative uptime): honest oracles 46 and 45 (benchmarks 1,000 and
// 1,004, challenge passed), the faulty one the value of the case (benchmark 1, challenge failed
// or, when slightly low, 960 and failed).
func TestProofFaultyOracleMovesValuesByAtMostTheBand(t *testing.T) {
	e := newEnv(t)
	e.initialize(t, func(p *registry.ConfigParams) { p.VoteBandBps, p.VoteDeadlineSecs = 500, 600 })
	payer := e.Funded(t)
	const faulty = 2
	cases := []struct {
		name      string
		uptime    uint32
		benchmark uint64
		first     bool
		// what counts: proven uptime after the base window's 2 s, benchmark, challenges passed
		proven, bench uint64
		passed        uint32
	}{
		{"low first", 0, 1, true, 2 + 45, 1_000, 1},
		{"low last", 0, 1, false, 2 + 45, 1_000, 1},
		{"high first", 50, 1_000_000, true, 2 + 45, 1_000, 1},
		{"high last", 50, 1_000_000, false, 2 + 45, 1_000, 1},
		// within the band of the first honest vote: it agrees, counts at once, and the lowest
		// agreeing values are within 5% of honest ones; one pass and one fail decide nothing
		{"slightly low first", 44, 960, true, 2 + 44, 960, 0},
		{"slightly low last", 44, 960, false, 2 + 45, 960, 1}, // its late report's benchmark joins the latest
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO)
			base := chaintest.PastWindow(26)
			window := base + 25
			e.ProveUptime(t, payer, p, base, 2)
			honest := func(i int, uptime uint32, benchmark uint64) (solana.Signature, error) {
				return e.Vote(payer, i, p, report(window, uptime, benchmark, registry.ChallengePassed))
			}
			bad := func() (solana.Signature, error) {
				return e.Vote(payer, faulty, p, report(window, tc.uptime, tc.benchmark, registry.ChallengeFailed))
			}
			if tc.first {
				_, err := bad()
				require.NoError(t, err)
			}
			_, err := honest(0, 46, 1_000)
			require.NoError(t, err)
			if e.Device(t, p).LastProofWindow != window {
				_, err = honest(1, 45, 1_004)
				require.NoError(t, err)
			}
			if !tc.first {
				// counted already: a late report, no uptime; its benchmark and outcome become its
				// latest, and the window's tally, made by the honest votes, is not made again
				_, err := bad()
				require.NoError(t, err)
			}
			d := e.Device(t, p)
			require.Equal(t, window, d.LastProofWindow)
			require.Equal(t, tc.proven, d.ProvenUptimeSecs)
			require.Equal(t, tc.bench, d.BenchmarkScore)
			require.Equal(t, tc.passed, d.ChallengesPassed)
			require.Zero(t, d.ChallengesFailed)
			e.proofClosed(t, p, window)
		})
	}
}

// One honest oracle offline and the faulty one voting 0: the two votes never agree, so the
// window waits (nobody can close or replace it) until its deadline; then anyone counts it with
// count_proof, paying only the fee: it records nothing (ProofUndecided) and its rent goes back
// to the oracle that opened it. When the honest oracle is back, the next counted window
// catches the lost time up.
func TestCountProofAfterDeadlineWithAnHonestOracleOffline(t *testing.T) {
	e := newEnv(t)
	params := e.initialize(t, func(p *registry.ConfigParams) { p.VoteDeadlineSecs = 6 })
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO)
	payer := e.Funded(t)
	base := chaintest.PastWindow(3)
	e.ProveUptime(t, payer, p, base, 2)

	disputed := chaintest.PastWindow(0)
	_, err := e.Vote(payer, 2, p, report(disputed, 0, 0, registry.ChallengeNone)) // faulty, opens and pays
	require.NoError(t, err)
	span := uint32(disputed-base) * 2
	_, err = e.Vote(payer, 0, p, report(disputed, span, 0, registry.ChallengeNone))
	require.NoError(t, err)
	require.Equal(t, uint64(2), e.Device(t, p).ProvenUptimeSecs)

	cranker := e.Funded(t)
	oracle2 := e.Lamports(t, e.Oracles[2].PublicKey())
	t.Run("not before the deadline", func(t *testing.T) {
		_, err := e.CountProof(cranker, p, disputed)
		require.ErrorIs(t, err, registry.ErrProofStillOpen)
		require.ErrorIs(t, e.Send([]solana.PrivateKey{cranker}, chaintest.Must(e.Registry.CloseStaleProof(p.DeviceKey.PublicKey(), disputed, e.Oracles[2].PublicKey()))), registry.ErrProofStillOpen)
		require.Equal(t, uint8(2), e.proofWindow(t, p, disputed).Votes)
	})
	// the deadline: the window's end + 6 s, by the chain's clock (which trails this one)
	time.Sleep(time.Until(time.Unix(int64(disputed+1)*2+params.VoteDeadlineSecs+1, 0)))
	t.Run("anyone counts it after the deadline", func(t *testing.T) {
		before := e.Lamports(t, cranker.PublicKey())
		sig, err := e.CountProof(cranker, p, disputed)
		require.NoError(t, err)
		require.Equal(t, []any{&registry.ProofUndecided{Device: p.Device, Window: disputed, Base: base, Votes: 2}}, e.eventsOf(t, sig))
		require.Equal(t, before-5_000, e.Lamports(t, cranker.PublicKey())) // the fee only
		require.Equal(t, oracle2+proofRent, e.Lamports(t, e.Oracles[2].PublicKey()))
		d := e.Device(t, p)
		require.Equal(t, uint64(2), d.ProvenUptimeSecs)
		require.Equal(t, base, d.LastProofWindow)
		e.proofClosed(t, p, disputed)
	})
	t.Run("the next counted window catches up", func(t *testing.T) {
		next := chaintest.PastWindow(0)
		caught := uint32(next-base) * 2 // every second since the base window
		_, err := e.Vote(payer, 0, p, report(next, caught, 0, registry.ChallengeNone))
		require.NoError(t, err)
		sig, err := e.Vote(payer, 1, p, report(next, caught, 0, registry.ChallengeNone))
		require.NoError(t, err)
		events := e.eventsOf(t, sig)
		require.Len(t, events, 3) // recorded, counted, out of probation
		counted := events[1].(*registry.ProofCounted)
		require.Equal(t, base, counted.Base)
		require.Equal(t, uint64(caught), counted.UptimeSecs)
		require.Equal(t, uint64(2+caught), e.Device(t, p).ProvenUptimeSecs)
	})
}

// count_proof's refusals, each with its exact error.
func TestCountProofNegative(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO)
	w := chaintest.PastWindow(1)
	_, err := e.Vote(e.Funded(t), 0, p, report(w, 2, 0, registry.ChallengeNone))
	require.NoError(t, err)
	k, cranker := p.DeviceKey.PublicKey(), e.Funded(t)
	count := func(mutate func(a []*solana.AccountMeta)) error {
		ix := chaintest.Must(e.Registry.CountProof(k, w, e.Oracles[0].PublicKey()))
		mutate(ix.Accounts())
		return e.Send([]solana.PrivateKey{cranker}, ix)
	}
	cases := []struct {
		name   string
		mutate func(a []*solana.AccountMeta)
		err    error
	}{
		{"before the deadline", func(a []*solana.AccountMeta) {}, registry.ErrProofStillOpen},
		{"rent to someone else", func(a []*solana.AccountMeta) { a[3].PublicKey = cranker.PublicKey() }, registry.ErrWrongOwner},
		{"another device's window", func(a []*solana.AccountMeta) {
			a[1].PublicKey = e.NewProvider(t, chaintest.H100, chaintest.IO, 0).Device
		}, registry.ErrInvalidPda},
		{"the device as the window", func(a []*solana.AccountMeta) { a[2].PublicKey = p.Device }, registry.ErrDuplicateAccount},
		{"a Provider as the window", func(a []*solana.AccountMeta) { a[2].PublicKey = e.Registry.ProviderAddress(p.Owner.PublicKey()) }, registry.ErrInvalidAccountData},
		{"a window that does not exist", func(a []*solana.AccountMeta) { a[2].PublicKey = e.Registry.ProofAddress(p.Device, w-1) }, registry.ErrInvalidAccountOwner},
		{"a spoofed config", func(a []*solana.AccountMeta) { a[0].PublicKey = p.Device }, registry.ErrInvalidAccountData},
		{"a read-only window", func(a []*solana.AccountMeta) { a[2].IsWritable = false }, registry.ErrAccountNotWritable},
		{"a read-only payer", func(a []*solana.AccountMeta) { a[3].IsWritable = false }, registry.ErrAccountNotWritable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, count(tc.mutate), tc.err)
		})
	}
	require.Equal(t, uint8(1), e.proofWindow(t, p, w).Votes)
}

// update_config refuses a new proof_window_secs: window ids are multiples of it, so a new size
// would renumber them and time already counted could be counted again.
func TestUpdateConfigRefusesWindowSizeChange(t *testing.T) {
	e := newEnv(t)
	params := e.initialize(t)
	for _, size := range []int64{1, 3, 4} {
		changed := params
		changed.ProofWindowSecs = size
		changed.MaxProofAgeSecs = max(changed.MaxProofAgeSecs, size)
		require.ErrorIs(t, e.update(t, e.Admin, changed), registry.ErrProofWindowFixed)
	}
	rc, err := e.Registry.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	require.Equal(t, params, rc.Params)
	params.MaxProofAgeSecs++ // every other parameter can still change
	require.NoError(t, e.update(t, e.Admin, params))
}

// Raising base_stake leaves an Active device's status as it was until something refreshes it,
// but hiring checks the stake against the current minimum: a CPU-only device Active with
// 200 IO is refused with StakeBelowMinimum once the admin asks 201 IO, and is hireable again
// after it stakes the difference (which refreshes its status).
func TestHireChecksTheCurrentMinimumStake(t *testing.T) {
	e := newEnv(t)
	params := e.initialize(t)
	cpu := registry.DeviceSpec{HardwareModel: registry.ModelCPU, GpuCount: 0, Region: 276, BandwidthTier: 1}
	p := e.NewProvider(t, cpu, 1_000*chaintest.IO, 200*chaintest.IO)
	payer := e.Funded(t)
	e.ProveUptime(t, payer, p, chaintest.PastWindow(3), 2)
	e.ProveUptime(t, payer, p, chaintest.PastWindow(2), 2)
	require.Equal(t, registry.StatusActive, e.Device(t, p).Status)

	params.BaseStake = 201 * chaintest.IO
	e.UpdateRegistry(t, params) // a delayed change: proposed, waited for, applied
	k, job := p.DeviceKey.PublicKey(), solana.NewWallet().PublicKey()
	hire := chaintest.Must(e.Registry.HireDevice(e.escrow.PublicKey(), k, job))
	require.ErrorIs(t, e.Send([]solana.PrivateKey{e.escrow}, hire), registry.ErrStakeBelowMinimum)
	require.Equal(t, registry.StatusActive, e.Device(t, p).Status)

	require.NoError(t, e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(e.Registry.Stake(p.Owner.PublicKey(), k, p.Token, chaintest.IO))))
	require.NoError(t, e.Send([]solana.PrivateKey{e.escrow}, hire))
	d := e.Device(t, p)
	require.Equal(t, registry.StatusHired, d.Status)
	require.Equal(t, job, d.CurrentJob)
}
