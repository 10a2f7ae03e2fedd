package registry_test

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// TestPropertyRandomOperations runs a long random sequence of valid and invalid registry
// instructions from several providers, oracles, the keeper and strangers, and after every
// step reads the chain back and checks the registry's invariants:
//   - every vault holds exactly its device's stake plus its unstake ticket;
//   - a ticket exists exactly when pending_unstake > 0 and holds that amount;
//   - each provider's total_stake is the sum of its devices' stake;
//   - a device's status follows from its fields (the status machine);
//   - every pending slash's escrow holds the slashed amount;
//   - no IO is created or lost: the tracked accounts plus what was burned always add up;
//   - a rejected instruction fails with one of the registry's own named errors;
//   - with oracle 2 faulty (its votes 0, the whole span, or slightly low, its benchmarks and
//     challenge reports wrong) and the honest oracles reporting the span up to 0.5% low, every
//     counted uptime lies within the band below an honest value and never above the span, the
//     benchmark is 0 or within the band of an honest one, and no challenge ever fails (the
//     honest oracles always see it pass);
//   - the configuration changes at random (proposed, applied after its delay, or refused) and
//     the registry pauses and resumes, yet an exit (request_unstake, withdraw_unstaked,
//     deregister_device, a release, finalize_slash, resolve_appeal) only ever fails for a
//     reason of its own (exitErrors), never a configuration-caused one.
//
// PROPERTY_SEED replays a sequence; PROPERTY_STEPS sets its length.
func TestPropertyRandomOperations(t *testing.T) {
	rng, steps := chaintest.PropertyRand(t, 250)

	e := newEnv(t)
	// a deadline short enough for count_proof to run within the test
	params := e.initialize(t, func(p *registry.ConfigParams) { p.VoteDeadlineSecs = 8 })
	w := &world{e: e, params: params, history: []registry.ConfigParams{params}, rng: rng,
		escrows: []solana.PrivateKey{e.escrow, e.Funded(t)}}
	for i := 0; i < 3; i++ {
		spec := chaintest.H100
		if i == 2 {
			spec = registry.DeviceSpec{HardwareModel: registry.ModelRTX4090, VramGib: 24, GpuCount: 2, Region: 840, BandwidthTier: 2}
		}
		w.providers = append(w.providers, e.NewProvider(t, spec, 10_000*chaintest.IO, uint64(rng.IntN(3_000))*chaintest.IO))
	}
	w.supply0 = w.e.Supply(t, w.e.IOMint)
	w.total0 = w.trackedBalance(t)
	w.check(t)

	ops := []chaintest.Op[*testing.T]{
		{Name: "stake", Run: w.stake}, {Name: "request_unstake", Run: w.requestUnstake}, {Name: "withdraw_unstaked", Run: w.withdraw},
		{Name: "submit_proof", Run: w.submitProof}, {Name: "submit_proof", Run: w.submitProof}, {Name: "submit_proof (two oracles)", Run: w.submitProofs}, {Name: "close_stale_proof", Run: w.closeStale},
		{Name: "count_proof", Run: w.countProof},
		{Name: "slash", Run: w.slash}, {Name: "resolve_appeal", Run: w.resolveAppeal}, {Name: "finalize_slash", Run: w.finalizeSlash},
		{Name: "set_device_job", Run: w.setJob}, {Name: "deregister_device", Run: w.deregister}, {Name: "wait", Run: w.wait},
		{Name: "update_config", Run: w.updateConfig}, {Name: "apply_config", Run: w.applyConfig}, {Name: "set_pause", Run: w.setPause},
	}
	chaintest.RunSteps(t, rng, steps, e.Registry.ID, ops, w.check)
	t.Logf("windows counted: %d", w.counted)
}

// world is the property test's view of who exists; all state is read from the chain.
type world struct {
	e         *env
	params    registry.ConfigParams   // the live parameters
	history   []registry.ConfigParams // every parameter set that was live
	escrows   []solana.PrivateKey     // escrow authorities the configuration switches between
	rng       *rand.Rand
	providers []chaintest.Provider
	slashes   []slashRef
	supply0   uint64
	total0    uint64
	counted   int // windows counted, checked against the band
}

type slashRef struct {
	p        chaintest.Provider
	evidence [32]byte
	payer    solana.PrivateKey
}

func (w *world) pick() chaintest.Provider { return w.providers[w.rng.IntN(len(w.providers))] }

// amount is a random amount around the interesting boundaries: zero, small, large, too large.
func (w *world) amount(max uint64) uint64 {
	switch w.rng.IntN(5) {
	case 0:
		return 0
	case 1:
		return max + 1 + uint64(w.rng.IntN(100))
	case 2:
		return max
	}
	return uint64(w.rng.Int64N(int64(max) + 1))
}

func (w *world) stake(t *testing.T) error {
	p := w.pick()
	return w.e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(w.e.Registry.Stake(p.Owner.PublicKey(), p.DeviceKey.PublicKey(), p.Token, w.amount(2_000*chaintest.IO))))
}

func (w *world) requestUnstake(t *testing.T) error {
	p := w.pick()
	err := w.e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(w.e.Registry.RequestUnstake(p.Owner.PublicKey(), p.DeviceKey.PublicKey(), w.amount(w.e.Device(t, p).Stake))))
	return exitErr(t, "request_unstake", err, registry.ErrInvalidAmount, registry.ErrInsufficientStake, registry.ErrDeviceHired,
		registry.ErrDeviceSuspended, registry.ErrDeviceDeregistered)
}

func (w *world) withdraw(t *testing.T) error {
	p := w.pick()
	err := w.e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(w.e.Registry.WithdrawUnstaked(p.Owner.PublicKey(), p.DeviceKey.PublicKey(), p.Token)))
	// InvalidAccountOwner: there is no ticket
	return exitErr(t, "withdraw_unstaked", err, registry.ErrUnstakeLocked, registry.ErrDeviceSuspended, registry.ErrInvalidAccountOwner)
}

// The honest oracles' view: the device was up for the whole span, reported up to 0.5% low,
// with a benchmark of 1,000 (up to 0.5% low) and passing challenges. Oracle 2 is faulty.
const (
	faultyOracle    = 2
	honestBenchmark = 1_000
)

// span mirrors registry_proof_times: the seconds from the end of the device's last counted
// window (or its registration window) to the end of window, capped at max_proof_age_secs.
func (w *world) span(d *registry.Device, window uint64) uint64 {
	size := uint64(w.params.ProofWindowSecs)
	from := (d.LastProofWindow + 1) * size
	if d.LastProofWindow == 0 {
		from = min(window*size, uint64(d.RegisteredAt)/size*size)
	}
	end := (window + 1) * size
	if end <= from {
		return 0
	}
	return min(end-from, uint64(w.params.MaxProofAgeSecs))
}

// lessBy is v less up to bps basis points, at random.
func (w *world) lessBy(v uint64, bps int) uint64 { return v - v*uint64(w.rng.IntN(bps+1))/10_000 }

func (w *world) submitProof(t *testing.T) error {
	// mostly the windows that ended on chain (its clock trails ours), sometimes one still
	// running or past its deadline
	window := uint64(time.Now().Unix())/uint64(w.params.ProofWindowSecs) - []uint64{2, 2, 2, 3, 3, 0, 6}[w.rng.IntN(7)]
	return w.vote(t, w.pick(), w.rng.IntN(len(w.e.Oracles)), window)
}

// submitProofs has two distinct oracles vote on the same window, the second only if the first
// vote was accepted, so quorums meet often.
func (w *world) submitProofs(t *testing.T) error {
	p, order := w.pick(), w.rng.Perm(len(w.e.Oracles))
	window := uint64(time.Now().Unix())/uint64(w.params.ProofWindowSecs) - 2 - uint64(w.rng.IntN(2))
	if err := w.vote(t, p, order[0], window); err != nil {
		return err
	}
	return w.vote(t, p, order[1], window)
}

// vote sends oracle i's report on p's window: honest, or faulty for oracle 2; sometimes
// signed by a non-oracle or naming the wrong rent payer.
func (w *world) vote(t *testing.T, p chaintest.Provider, i int, window uint64) error {
	oracle := w.e.Oracles[i]
	if w.rng.IntN(8) == 0 {
		oracle = w.e.Funded(t) // not an oracle
	}
	before := w.e.Device(t, p)
	span := w.span(before, window)
	report := registry.ProofReport{Window: window, UptimeSecs: uint32(w.lessBy(span, 50)), BenchmarkScore: w.lessBy(honestBenchmark, 50), Challenge: registry.ChallengePassed}
	if w.rng.IntN(3) == 0 {
		report.BenchmarkScore, report.Challenge = 0, registry.ChallengeNone // nothing tested this window
	}
	if i == faultyOracle {
		report.UptimeSecs = uint32([]uint64{0, span, w.lessBy(span, 200), span + 1}[w.rng.IntN(4)])
		report.BenchmarkScore = []uint64{0, 1, honestBenchmark * 1_000, w.lessBy(honestBenchmark, 200)}[w.rng.IntN(4)]
		report.Challenge = uint8(w.rng.IntN(3))
	}
	rentPayer := w.e.ProofPayer(p, window, oracle.PublicKey())
	if w.rng.IntN(10) == 0 {
		rentPayer = w.e.Keeper.PublicKey() // not the window's payer
	}
	err := w.e.Send([]solana.PrivateKey{oracle}, chaintest.Must(w.e.Registry.SubmitProof(oracle.PublicKey(), p.DeviceKey.PublicKey(), report, rentPayer)))
	w.checkCounted(t, p, before, window)
	return err
}

// countProof has a stranger count a window of a device, due or not.
func (w *world) countProof(t *testing.T) error {
	p := w.pick()
	window := uint64(time.Now().Unix())/uint64(w.params.ProofWindowSecs) - 3 - uint64(w.rng.IntN(6))
	before := w.e.Device(t, p)
	_, err := w.e.CountProof(w.e.Funded(t), p, window)
	w.checkCounted(t, p, before, window)
	return err
}

// checkCounted: if the step counted window, what it added to the proven uptime is within the
// band below an honest report of its span and at most the span.
func (w *world) checkCounted(t *testing.T, p chaintest.Provider, before *registry.Device, window uint64) {
	after := w.e.Device(t, p)
	if after.LastProofWindow == before.LastProofWindow {
		require.Equal(t, before.ProvenUptimeSecs, after.ProvenUptimeSecs, "uptime counted without a window")
		return
	}
	require.Equal(t, window, after.LastProofWindow)
	w.counted++
	span := w.span(before, window)
	counted := after.ProvenUptimeSecs - before.ProvenUptimeSecs
	honestLow := span - span*50/10_000
	require.LessOrEqual(t, counted, span, "counted above the span")
	require.GreaterOrEqual(t, counted, honestLow-honestLow*uint64(w.params.VoteBandBps)/10_000, "counted below the band of an honest value (span %d)", span)
}

func (w *world) closeStale(t *testing.T) error {
	p := w.pick()
	window := uint64(time.Now().Unix())/uint64(w.params.ProofWindowSecs) - uint64(w.rng.IntN(4))
	payer := w.e.Oracles[w.rng.IntN(len(w.e.Oracles))].PublicKey()
	return w.e.Send([]solana.PrivateKey{w.e.Keeper}, chaintest.Must(w.e.Registry.CloseStaleProof(p.DeviceKey.PublicKey(), window, payer)))
}

func (w *world) slash(t *testing.T) error {
	p := w.pick()
	var evidence [32]byte
	binary := fmt.Sprintf("evidence %d", w.rng.IntN(6)) // repeats on purpose: one slash per evidence
	evidence = sha256.Sum256([]byte(binary))
	offence := uint8(w.rng.IntN(5)) // 4 is not an offence
	// the keeper submits what oracles 0 and 1 signed
	authority, cosigners := w.e.Keeper, []solana.PrivateKey{w.e.Oracles[0], w.e.Oracles[1]}
	switch w.rng.IntN(5) {
	case 1: // an oracle quorum on its own
		authority, cosigners = w.e.Oracles[0], []solana.PrivateKey{w.e.Oracles[1]}
	case 2: // a lone oracle: no quorum
		authority, cosigners = w.e.Oracles[2], nil
	case 3: // a stranger
		authority, cosigners = w.e.Funded(t), nil
	case 4: // the keeper alone
		cosigners = nil
	}
	var cosignerKeys []solana.PublicKey
	for _, c := range cosigners {
		cosignerKeys = append(cosignerKeys, c.PublicKey())
	}
	err := w.e.Send(append([]solana.PrivateKey{authority}, cosigners...),
		chaintest.Must(w.e.Registry.Slash(authority.PublicKey(), p.Owner.PublicKey(), p.DeviceKey.PublicKey(), w.e.IOMint, offence, evidence, cosignerKeys...)))
	if err == nil {
		w.slashes = append(w.slashes, slashRef{p: p, evidence: evidence, payer: authority})
	}
	return err
}

func (w *world) someSlash() (slashRef, bool) {
	if len(w.slashes) == 0 {
		return slashRef{}, false
	}
	return w.slashes[w.rng.IntN(len(w.slashes))], true
}

func (w *world) resolveAppeal(t *testing.T) error {
	s, ok := w.someSlash()
	if !ok {
		return nil
	}
	err := w.e.Send([]solana.PrivateKey{w.e.Admin}, chaintest.Must(w.e.Registry.ResolveAppeal(w.e.Admin.PublicKey(), s.p.Owner.PublicKey(), s.p.DeviceKey.PublicKey(), s.evidence, s.payer.PublicKey())))
	return exitErr(t, "resolve_appeal", err, registry.ErrAppealWindowClosed, registry.ErrSlashNotPending)
}

func (w *world) finalizeSlash(t *testing.T) error {
	s, ok := w.someSlash()
	if !ok {
		return nil
	}
	cranker := w.e.Funded(t)
	err := w.e.Send([]solana.PrivateKey{cranker}, chaintest.Must(w.e.Registry.FinalizeSlash(s.p.DeviceKey.PublicKey(), s.evidence, w.e.IOMint, w.e.Treasury, w.e.Pool, s.payer.PublicKey())))
	return exitErr(t, "finalize_slash", err, registry.ErrAppealWindowOpen, registry.ErrSlashNotPending)
}

func (w *world) setJob(t *testing.T) error {
	p := w.pick()
	k := p.DeviceKey.PublicKey()
	escrow := w.escrows[w.rng.IntN(len(w.escrows))] // the live authority or not
	if w.rng.IntN(2) == 0 {
		return w.e.Send([]solana.PrivateKey{escrow}, chaintest.Must(w.e.Registry.HireDevice(escrow.PublicKey(), k, solana.NewWallet().PublicKey())))
	}
	// the authority that hired the device releases whatever job holds it, whatever the
	// configuration says now (the zero key when none: refused as InvalidInstructionData)
	d := w.e.Device(t, p)
	for _, a := range w.escrows {
		if a.PublicKey() == d.HiredBy {
			escrow = a
		}
	}
	err := w.e.Send([]solana.PrivateKey{escrow}, chaintest.Must(w.e.Registry.ReleaseDevice(escrow.PublicKey(), k, d.CurrentJob)))
	return exitErr(t, "release", err, registry.ErrNotDeviceJob, registry.ErrInvalidInstructionData) // no job: the zero key
}

func (w *world) deregister(t *testing.T) error {
	p := w.pick()
	err := w.e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(w.e.Registry.DeregisterDevice(p.Owner.PublicKey(), p.DeviceKey.PublicKey(), p.Token)))
	return exitErr(t, "deregister_device", err, registry.ErrDeviceNotEmpty, registry.ErrDeviceDeregistered)
}

// exitErr fails the test when an exit failed for a reason other than its own (allowed): a
// configuration-caused error, the pause. It returns err for RunSteps' bookkeeping.
func exitErr(t *testing.T, name string, err error, allowed ...error) error {
	var te *chain.TransactionError
	if err == nil || (errors.As(err, &te) && te.Kind == "AlreadyProcessed") {
		return err
	}
	for _, a := range allowed {
		if errors.Is(err, a) {
			return err
		}
	}
	require.Fail(t, "an exit failed for a reason not its own", "%s: %v", name, err)
	return err
}

// updateConfig has the admin propose a random change of the live parameters: most are valid
// (some apply at once, most wait the delay), removing a class in use is refused.
func (w *world) updateConfig(t *testing.T) error {
	next := w.params
	switch w.rng.IntN(10) {
	case 0:
		next.SlashBps[w.rng.IntN(4)] = uint16(w.rng.IntN(10_001))
	case 1:
		next.AppealWindowSecs = 1 + w.rng.Int64N(6)
	case 2:
		next.UnstakeCooldownSecs = 1 + w.rng.Int64N(3)
	case 3:
		next.BaseStake = []uint64{100, 200, 300}[w.rng.IntN(3)] * chaintest.IO
	case 4:
		next.HardwareClasses[[]int{1, 3}[w.rng.IntN(2)]].MultiplierBps = uint32(10_000 + w.rng.IntN(100_000)) // RTX 4090, H100 at first
	case 5: // B200, never registered, goes or comes back
		if next.HardwareClassCount == 6 {
			next.HardwareClasses[5], next.HardwareClassCount = registry.HardwareClass{}, 5
		} else {
			next.HardwareClasses[5], next.HardwareClassCount = registry.HardwareClass{Model: registry.ModelB200, MultiplierBps: 300_000}, 6
		}
	case 6: // H100 is in use: HardwareClassInUse
		next.HardwareClasses[3] = next.HardwareClasses[next.HardwareClassCount-1]
		next.HardwareClasses[next.HardwareClassCount-1] = registry.HardwareClass{}
		next.HardwareClassCount--
	case 7:
		next.EscrowAuthority = w.escrows[w.rng.IntN(len(w.escrows))].PublicKey()
	case 8:
		next.SlashBurnBps = uint16(w.rng.IntN(10_001))
		next.SlashTreasuryBps = uint16(w.rng.IntN(10_001 - int(next.SlashBurnBps)))
	case 9: // the live parameters: cancels a proposal
	}
	err := w.e.Send([]solana.PrivateKey{w.e.Admin}, chaintest.Must(w.e.Registry.UpdateConfig(w.e.Admin.PublicKey(), next)))
	w.refreshParams(t)
	return err
}

// applyConfig has a stranger apply the pending proposal, due or not.
func (w *world) applyConfig(t *testing.T) error {
	err := w.e.apply(t)
	w.refreshParams(t)
	return err
}

func (w *world) setPause(t *testing.T) error {
	return w.e.Send([]solana.PrivateKey{w.e.Admin}, chaintest.Must(w.e.Registry.SetPause(w.e.Admin.PublicKey(), w.rng.IntN(3) == 0)))
}

// refreshParams reads the live parameters back after a configuration step.
func (w *world) refreshParams(t *testing.T) {
	p := w.e.registryConfig(t).Params
	if p != w.params {
		w.params = p
		w.history = append(w.history, p)
	}
}

// wait lets time pass so cooldowns, appeal windows and proof windows can end.
func (w *world) wait(t *testing.T) error {
	time.Sleep(time.Duration(200+w.rng.IntN(1200)) * time.Millisecond)
	return nil
}

// trackedBalance adds up every IO account the test's actors can move tokens between.
func (w *world) trackedBalance(t *testing.T) uint64 {
	sum := w.e.TokenBalance(t, w.e.Treasury) + w.e.TokenBalance(t, w.e.Pool)
	for _, p := range w.providers {
		sum += w.e.TokenBalance(t, p.Token) + w.e.TokenBalance(t, w.e.Registry.VaultAddress(p.Device))
	}
	for _, s := range w.slashes {
		sum += w.e.TokenBalance(t, w.e.Registry.SlashEscrowAddress(w.e.Registry.SlashAddress(s.p.Device, s.evidence)))
	}
	return sum
}

func (w *world) check(t *testing.T) {
	t.Helper()
	e := w.e
	burned := w.supply0 - w.e.Supply(t, w.e.IOMint)
	require.Equal(t, w.total0, w.trackedBalance(t)+burned, "IO conservation")

	stakeByProvider := map[solana.PublicKey]uint64{}
	for _, p := range w.providers {
		d := e.Device(t, p)
		vault := e.TokenBalance(t, e.Registry.VaultAddress(p.Device))
		require.Equal(t, d.Stake+d.PendingUnstake, vault, "vault of %s", p.Device)
		ticket, err := e.Client.AccountData(e.Ctx, e.Registry.TicketAddress(p.Device))
		if d.PendingUnstake == 0 {
			require.ErrorIs(t, err, chain.ErrAccountNotFound, "ticket without pending unstake")
		} else {
			require.NoError(t, err)
			tk, err := registry.ParseAccount_UnstakeTicket(ticket)
			require.NoError(t, err)
			require.Equal(t, d.PendingUnstake, tk.Amount)
		}
		stakeByProvider[d.Provider] += d.Stake
		w.checkStatus(t, d)
		if d.BenchmarkScore != 0 {
			low := uint64(honestBenchmark - honestBenchmark*50/10_000)
			require.LessOrEqual(t, d.BenchmarkScore, uint64(honestBenchmark), "benchmark above every honest one")
			require.GreaterOrEqual(t, d.BenchmarkScore, low-low*uint64(w.params.VoteBandBps)/10_000, "benchmark below the band")
		}
		require.Zero(t, d.ChallengesFailed, "the faulty oracle failed a challenge the honest ones passed")
	}
	for _, p := range w.providers {
		prov, err := e.Registry.FetchProvider(e.Ctx, e.Client, p.Owner.PublicKey())
		require.NoError(t, err)
		require.Equal(t, stakeByProvider[e.Registry.ProviderAddress(p.Owner.PublicKey())], prov.TotalStake)
	}
	for _, s := range w.slashes {
		data, err := e.Client.AccountData(e.Ctx, e.Registry.SlashAddress(s.p.Device, s.evidence))
		require.NoError(t, err)
		rec, err := registry.ParseAccount_SlashRecord(data)
		require.NoError(t, err)
		escrow := e.TokenBalance(t, e.Registry.SlashEscrowAddress(e.Registry.SlashAddress(s.p.Device, s.evidence)))
		if rec.Status == registry.SlashStatusPending {
			require.Equal(t, rec.Amount, escrow, "pending slash escrow")
		} else {
			require.Zero(t, escrow, "resolved slash escrow")
		}
	}
}

// checkStatus: the status is what the registry's status machine derives from the fields.
// A configuration change refreshes no device, so the status may follow any parameter set that
// was live since the start (the minimum stake is re-checked where hireability is decided).
func (w *world) checkStatus(t *testing.T, d *registry.Device) {
	if d.Status == registry.StatusDeregistered {
		require.Zero(t, d.Stake+d.PendingUnstake)
		return
	}
	var wants []uint8
	for _, params := range w.history {
		min := params.BaseStake
		for _, c := range params.HardwareClasses[:params.HardwareClassCount] {
			if c.Model == d.Spec.HardwareModel {
				min = params.BaseStake * uint64(max(c.MultiplierBps, 10_000)) / 10_000
			}
		}
		want := registry.StatusProbation
		switch {
		case d.PendingSlashes > 0:
			want = registry.StatusSuspended
		case !d.CurrentJob.IsZero():
			want = registry.StatusHired
		case d.ProvenUptimeSecs >= uint64(params.ProbationSecs) && d.Stake >= min:
			want = registry.StatusActive
		}
		if want == d.Status {
			return
		}
		wants = append(wants, want)
	}
	require.Fail(t, "status", "device %s has status %d, the status machine gives %v", d.DeviceKey, d.Status, wants)
}
