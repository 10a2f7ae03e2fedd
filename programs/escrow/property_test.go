package escrow_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/programerr"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/protocol"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
)

// TestPropertyConservation drives the escrow with a long random sequence of valid and invalid
// instructions (jobs of 1-4 devices for 6-20 s, some in Clusters, proposed by the renter or the
// scheduler, accepted, attested, settled, quit, replaced, topped up, cancelled, expired and
// closed, while real time runs the usage windows and the deadlines) and after every step reads
// the chain back and checks:
//   - every job conserves its deposit: vault + paid out + fees + refunded == deposited, and the
//     deposit is the cost of its places for its whole (topped-up) duration;
//   - every slot: paid <= verified <= its wall time on the job, neither ever decreasing; slots
//     and jobs only move forward through their states; an ended job holds exactly what its
//     slots may still be paid for their time, a live one at least that;
//   - the tokens: the providers' payout accounts, the accounts they collect into and their
//     Unclaimed records hold exactly the paid_out of every job ever made (closed ones
//     included), the unclaimed vault holds exactly what the records owe, the treasury's IOSD
//     account gained the treasury fees, and the IOSD supply fell by the burned fees, which the
//     economy counted;
//   - usage: oracles 0 and 1 are honest (each slot's honest cumulative time is a fixed function
//     of its wall time), oracle 2 is faulty (its value is honest, 0, the most allowed, or one
//     second low): every slot's verified_secs agrees, within the registry's band, with the
//     honest value of a counted window, and a collection counts exactly when votes.h says;
//   - no party is blocked: providers close or hand over their payout accounts (and
//     repair them) at random, which never makes settle or close_job fail; at the end every job
//     is ended, counted, settled and closed, and every Unclaimed record collected by its owner;
//   - each renter's IOSD is its funding less what its live jobs hold or paid and what its closed
//     jobs paid out: a closed job gave back exactly deposited - paid_out - fees;
//   - the registry: a device is Hired for a job exactly when it holds a hired slot of it (a job
//     that has not ended), and Active otherwise;
//   - each Cluster counts the jobs created in it and those not closed;
//   - the configuration: the admin proposes random valid configurations (fee, burn share,
//     acceptance window, grace, scheduler, treasury) and anyone applies them after the delay;
//     each applies at once or waits by the rule, and an exit step (settle, quit, replace,
//     cancel, expire, close, count, collect) never fails with an error outside exitErrors:
//     every job keeps the terms it was created with, its fees going to its own treasury;
//   - a rejected instruction fails with one of the escrow's named errors: the one the step was
//     built to trigger when the program's order of checks makes it certain; a step that is
//     surely valid succeeds, with the exact amounts, events and state it should have.
//
// PROPERTY_SEED replays a sequence of choices (the chain's clock is real time, so a replay may
// land a step on the other side of a deadline); PROPERTY_STEPS sets its length.
func TestPropertyConservation(t *testing.T) {
	rng, steps := chaintest.PropertyRand(t, 150)
	start := time.Now()
	w := newEscrowWorld(t, rng)
	w.step, w.doing = -1, "setup"
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("failed at step %d (%s); replay with the PROPERTY_SEED above", w.step, w.doing)
		}
	})
	w.check()
	t.Logf("setup: %s", time.Since(start).Round(time.Millisecond))

	// An op that has work on some job (a place to fill, a proposal to accept, usage to count or
	// pay, a job to end or close) weighs four times more, so that jobs run their course; waiting
	// weighs half as much while a job waits for devices that could join it (its acceptance window
	// is short).
	ops := []struct {
		name   string
		weight int
		work   func(*escrow.Job) bool
		run    func() verdict
	}{
		{"create_job", 6, nil, w.createJob}, {"top_up", 2, nil, w.topUp}, {"assign_devices", 4, w.assignable, w.assign},
		{"accept_job", 4, w.acceptable, w.accept}, {"record_usage", 4, attestable, w.recordUsage}, {"settle", 4, owes, w.settle},
		{"quit_job", 1, nil, w.quit}, {"replace_device", 2, nil, w.replace}, {"cancel_job", 1, nil, w.cancel},
		{"expire_job", 2, w.expirable, w.expire}, {"close_job", 2, closable, w.closeJob}, {"cluster", 2, nil, w.cluster},
		{"count_usage", 1, counting, w.countUsage}, {"sabotage_payout", 1, nil, w.sabotage}, {"repair_payout", 1, w.anyBroken, w.repair},
		{"collect_unclaimed", 1, nil, w.collect}, {"reconfigure", 2, nil, w.reconfigure}, {"wait", 20, nil, w.wait},
	}
	loop := time.Now()
	for w.step = 0; w.step < steps; w.step++ {
		weights, total := make([]int, len(ops)), 0
		for i, op := range ops {
			weights[i] = op.weight
			if op.work != nil && slices.ContainsFunc(w.jobs, func(j *worldJob) bool { return op.work(j.last) }) {
				weights[i] *= 4
			}
			if op.name == "wait" && slices.ContainsFunc(w.jobs, func(j *worldJob) bool { return w.starting(j.last) }) {
				weights[i] /= 2
			}
			total += weights[i]
		}
		n, i := w.rng.IntN(total), 0
		for ; n >= weights[i]; i++ {
			n -= weights[i]
		}
		name, run := ops[i].name, ops[i].run
		if len(w.jobs) == 0 && name != "wait" && name != "cluster" {
			name, run = "create_job", w.createJob
		}
		w.doing = name
		v := run()
		if v.name != "" {
			name, w.doing = v.name, v.name
		}
		w.judge(name, v)
		w.check()
	}
	w.report(time.Since(loop))
	w.step, w.doing = steps, "drain"
	w.drain()
}

// escrowWorld is the property test's view of who exists. Every check reads the chain; the world
// remembers only what the chain forgets (closed jobs) and what it read last (to see changes).
type escrowWorld struct {
	t     *testing.T
	e     *env
	rng   *rand.Rand
	step  int
	doing string

	payers     []solana.PrivateKey // fee payers, in turn: a repeated instruction is a new transaction
	turn       int
	stranger   solana.PrivateKey                     // neither a renter, the scheduler nor an oracle
	live       escrow.ConfigParams                   // the escrow's live configuration, as the steps set it
	schedulers []solana.PrivateKey                   // reconfigure chooses from these
	wallets    []solana.PublicKey                    // and these treasuries
	treasury   map[solana.PublicKey]solana.PublicKey // each treasury wallet's IOSD account
	rule       voteRule
	renters    []*worldRenter
	providers  []worldProvider
	byDevice   map[solana.PublicKey]int              // index in providers by registry Device
	deviceJob  map[solana.PublicKey]solana.PublicKey // each Device's current job, as last read

	jobs                                     []*worldJob // created and not closed
	created                                  int
	closedStates                             map[uint8]int             // closed jobs by their final state
	closedPaid, closedTreasury, closedBurned uint64                    // what closed jobs paid out and in fees
	treasury0, supply0, economyBurned0       uint64                    // treasury0: both treasuries' IOSD
	outcomes                                 map[string]map[string]int // op -> "ok" or error name -> count
	open                                     int                       // steps whose outcome raced the chain's clock
}

type worldRenter struct {
	renter
	funded      uint64 // the IOSD it was given
	closedOut   uint64 // what its closed jobs paid providers and in fees
	nextID      uint64
	clusterID   uint64
	cluster     solana.PublicKey
	clusterOpen bool   // the Cluster account exists
	clusterJobs uint32 // jobs created in it since it was created
}

type worldProvider struct {
	chaintest.Provider
	payout solana.PublicKey // the owner's IOSD account
	sink   solana.PublicKey // another IOSD account of the owner's: collects, and a closed payout's balance
	broken *payoutBreak     // what the owner did to its payout account, nil while usable
}

// payoutBreak is how a provider made its payout account unusable.
type payoutBreak struct {
	how  int               // breakClosed or breakHandedOver
	heir solana.PrivateKey // the account's new owner, when handed over
}

const (
	breakClosed = iota
	breakHandedOver
)

type worldJob struct {
	addr    solana.PublicKey
	r       *worldRenter
	cluster solana.PublicKey
	last    *escrow.Job // as the last check read it
}

// verdict is a step's result and what the test knew of it beforehand.
type verdict struct {
	name string // the operation, when the step chose another than its own
	err  error
	want *programerr.Error // the step surely fails with this error
	pass bool              // the step surely succeeds
	then func()            // checks of a successful step, once it is judged
}

func newEscrowWorld(t *testing.T, rng *rand.Rand) *escrowWorld {
	e := newEnv(t)
	w := &escrowWorld{t: t, e: e, rng: rng, byDevice: map[solana.PublicKey]int{}, deviceJob: map[solana.PublicKey]solana.PublicKey{},
		closedStates: map[uint8]int{}, outcomes: map[string]map[string]int{}}
	for range 16 {
		w.payers = append(w.payers, e.Funded(t))
	}
	w.stranger = e.Funded(t)
	rc, err := e.Registry.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	w.rule = voteRule{VoteRule: protocol.RegistryVoteRule(&rc.Params), oracles: int(rc.Params.OracleCount)}
	// Two renters with plenty and a Cluster each, one with little and no Cluster (yet).
	for i, funds := range []uint64{100 * iosd, 100 * iosd, 60_000} {
		r := &worldRenter{renter: e.newRenter(t, funds), funded: funds, nextID: 1, clusterID: uint64(40 + i)}
		r.cluster = e.prog.ClusterAddress(r.key.PublicKey(), r.clusterID)
		if i < 2 {
			require.NoError(t, e.Send([]solana.PrivateKey{r.key}, chaintest.Must(e.prog.CreateCluster(r.key.PublicKey(), r.clusterID, [32]byte{byte(i)}))))
			r.clusterOpen = true
		}
		w.renters = append(w.renters, r)
	}
	for i := range 6 {
		p := e.ActiveProvider(t, w.payers[i])
		w.providers = append(w.providers, worldProvider{Provider: p, payout: e.TokenAccount(t, e.IOSDMint, p.Owner.PublicKey(), 0),
			sink: e.freshTokenAccount(t, p.Owner)})
		w.byDevice[p.Device] = i
	}
	// A second scheduler and treasury for reconfigure to choose from.
	w.live = e.params
	scheduler2, treasury2 := e.Funded(t), solana.NewWallet().PublicKey()
	w.schedulers, w.wallets = []solana.PrivateKey{e.scheduler, scheduler2}, []solana.PublicKey{e.params.Treasury, treasury2}
	w.treasury = map[solana.PublicKey]solana.PublicKey{e.params.Treasury: e.treasuryIOSD, treasury2: e.TokenAccount(t, e.IOSDMint, treasury2, 0)}
	w.treasury0 = w.treasuries()
	w.supply0 = e.Supply(t, e.IOSDMint)
	w.economyBurned0 = w.economyBurned()
	return w
}

func (w *escrowWorld) economyBurned() uint64 {
	c, err := w.e.Economy.FetchConfig(w.e.Ctx, w.e.Client)
	require.NoError(w.t, err)
	return c.IosdBurned
}

// send sends ix signed by signers, the fee paid by the next of the payers.
func (w *escrowWorld) send(ix solana.Instruction, signers ...solana.PrivateKey) (solana.Signature, error) {
	return w.e.SendSig(append([]solana.PrivateKey{w.nextPayer()}, signers...), ix)
}

// nextPayer is the next of the payers, in turn.
func (w *escrowWorld) nextPayer() solana.PrivateKey {
	w.turn++
	return w.payers[(w.turn-1)%len(w.payers)]
}

func (w *escrowWorld) fetch(addr solana.PublicKey) *escrow.Job {
	g, err := w.e.prog.FetchJob(w.e.Ctx, w.e.Client, addr)
	require.NoError(w.t, err)
	return g
}

// judge holds a step to what was known of it, and runs a successful step's own checks.
func (w *escrowWorld) judge(name string, v verdict) {
	t := w.t
	outcome := "ok"
	if v.err != nil {
		var ie *chain.InstructionError
		require.ErrorAs(t, v.err, &ie, "%s: not an instruction's error: %v", name, v.err)
		require.Equal(t, w.e.prog.ID, ie.Program, "%s: failed outside the escrow: %v", name, v.err)
		require.NotNil(t, ie.Custom, "%s: not one of the escrow's named errors: %v\n%s", name, v.err, logTail(ie.Logs))
		outcome = ie.Custom.Name
		require.False(t, v.pass, "%s: a valid step was rejected: %v\n%s", name, v.err, logTail(ie.Logs))
		if allowed, exit := exitErrors[name]; exit {
			require.True(t, slices.ContainsFunc(allowed, func(a *programerr.Error) bool { return a.Code == ie.Custom.Code }),
				"%s: an exit failed with %s\n%s", name, ie.Custom.Name, logTail(ie.Logs))
		}
		if v.want != nil {
			require.ErrorIs(t, v.err, v.want, "%s: want %s\n%s", name, v.want.Name, logTail(ie.Logs))
		}
	} else {
		if v.want != nil {
			require.Failf(t, "an invalid step succeeded", "%s: want %s", name, v.want.Name)
		}
		if v.then != nil {
			v.then()
		}
	}
	if v.want == nil && !v.pass {
		w.open++
	}
	if w.outcomes[name] == nil {
		w.outcomes[name] = map[string]int{}
	}
	w.outcomes[name][outcome]++
}

func logTail(logs []string) string { return strings.Join(logs[max(len(logs)-6, 0):], "\n") }

func (w *escrowWorld) report(took time.Duration) {
	var names []string
	ok, rejected := 0, 0
	for name := range w.outcomes {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		var parts []string
		for outcome, n := range w.outcomes[name] {
			parts = append(parts, fmt.Sprintf("%s=%d", outcome, n))
			if outcome == "ok" {
				ok += n
			} else {
				rejected += n
			}
		}
		sort.Strings(parts)
		w.t.Logf("  %-15s %s", name, strings.Join(parts, " "))
	}
	closed := 0
	for _, n := range w.closedStates {
		closed += n
	}
	live := map[uint8]int{}
	for _, j := range w.jobs {
		live[j.last.State]++
	}
	byState := func(n map[uint8]int) string {
		return fmt.Sprintf("open %d, assigned %d, running %d, completed %d, cancelled %d, expired %d", n[escrow.JobOpen],
			n[escrow.JobAssigned], n[escrow.JobRunning], n[escrow.JobCompleted], n[escrow.JobCancelled], n[escrow.JobExpired])
	}
	w.t.Logf("%d steps in %s: %d ok, %d rejected, %d raced the chain's clock (either outcome allowed); %d jobs created",
		w.step, took.Round(time.Millisecond), ok, rejected, w.open, w.created)
	w.t.Logf("  closed: %d (%s)", closed, byState(w.closedStates))
	w.t.Logf("  live:   %d (%s)", len(w.jobs), byState(live))
}

// expectation replays the program's checks in its own order: the first that surely fails
// names the step's error; one that depends on the race with the chain's clock leaves the
// outcome open.
type expectation struct {
	want   *programerr.Error
	unsure bool
}

func (x *expectation) fails(cond bool, err *programerr.Error) {
	if cond && x.want == nil && !x.unsure {
		x.want = err
	}
}

func (x *expectation) race(side, failing int, err *programerr.Error) {
	switch side {
	case failing:
		x.fails(true, err)
	case 0:
		if x.want == nil {
			x.unsure = true
		}
	}
}

// failsFrom: the check fails once the chain's clock has reached at.
func (x *expectation) failsFrom(at int64, err *programerr.Error) { x.race(chainReached(at), 1, err) }

// failsUntil: the check fails while the chain's clock has not reached at.
func (x *expectation) failsUntil(at int64, err *programerr.Error) { x.race(chainReached(at), -1, err) }

func (x *expectation) verdict(err error, then func()) verdict {
	return verdict{err: err, want: x.want, pass: x.want == nil && !x.unsure, then: then}
}

// chainReached says whether the chain's clock has reached unix time at: 1 surely, -1 surely not
// (not even when the next transaction runs), 0 perhaps. The chain's clock is the wall clock, in
// whole seconds, as of its latest 400 ms slot: never ahead of ours, behind by up to 1.4 s (the
// margins allow for a slow slot timer and for the reads between the guess and the send).
func chainReached(at int64) int {
	now := float64(time.Now().UnixMilli()) / 1000
	switch {
	case now >= float64(at)+2:
		return 1
	case now+1 < float64(at):
		return -1
	}
	return 0
}

func active(state uint8) bool { return state == escrow.SlotProposed || state == escrow.SlotHired }

func ended(g *escrow.Job) bool { return g.State >= escrow.JobCompleted }

func started(g *escrow.Job) bool { return g.StartedAt != 0 }

// placesTaken counts g's proposed and hired slots.
func placesTaken(g *escrow.Job) int {
	n := 0
	for _, s := range g.Slots[:g.SlotCount] {
		if active(s.State) {
			n++
		}
	}
	return n
}

// holds reports whether device is proposed or hired on g in a slot other than except.
func holds(g *escrow.Job, device solana.PublicKey, except int) bool {
	for i, s := range g.Slots[:g.SlotCount] {
		if i != except && active(s.State) && s.Device == device {
			return true
		}
	}
	return false
}

// canJoin reports whether a device could surely still accept a place on g: it waits for its
// devices within the acceptance window, or runs and its time is not up.
func (w *escrowWorld) canJoin(g *escrow.Job) bool {
	switch g.State {
	case escrow.JobOpen, escrow.JobAssigned:
		return chainReached(g.CreatedAt+g.AcceptanceWindowSecs) == -1
	case escrow.JobRunning:
		return chainReached(g.StartedAt+g.DurationSecs) == -1
	}
	return false
}

func (w *escrowWorld) assignable(g *escrow.Job) bool {
	return placesTaken(g) < int(g.DeviceCount) && w.canJoin(g)
}

func (w *escrowWorld) acceptable(g *escrow.Job) bool {
	return w.canJoin(g) && slices.ContainsFunc(g.Slots[:g.SlotCount], func(s escrow.Slot) bool { return s.State == escrow.SlotProposed })
}

// attestable: g has run and its usage is not counted to its end.
func attestable(g *escrow.Job) bool {
	return started(g) && !(ended(g) && g.LastUsageWindow != 0 && (int64(g.LastUsageWindow)+1)*g.UsageWindowSecs >= g.EndedAt)
}

// counting: g has a usage collection open.
func counting(g *escrow.Job) bool { return g.PendingVotes > 0 }

func owes(g *escrow.Job) bool {
	return slices.ContainsFunc(g.Slots[:g.SlotCount], func(s escrow.Slot) bool { return s.VerifiedSecs > s.PaidSecs })
}

// expirable: g's time is surely up (not accepted within the window, or its paid time over).
func (w *escrowWorld) expirable(g *escrow.Job) bool {
	switch g.State {
	case escrow.JobOpen, escrow.JobAssigned:
		return chainReached(g.CreatedAt+g.AcceptanceWindowSecs) == 1
	case escrow.JobRunning:
		return chainReached(g.StartedAt+g.DurationSecs) == 1
	}
	return false
}

func closable(g *escrow.Job) bool { return ended(g) && settled(g) && !counting(g) }

// starting: g waits for its devices, and a free device could take one of its places.
func (w *escrowWorld) starting(g *escrow.Job) bool {
	if started(g) || !w.canJoin(g) {
		return false
	}
	for _, p := range w.providers {
		free := w.deviceJob[p.Device].IsZero()
		proposed := slices.ContainsFunc(g.Slots[:g.SlotCount], func(s escrow.Slot) bool { return s.State == escrow.SlotProposed && s.Device == p.Device })
		if free && (proposed || placesTaken(g) < int(g.DeviceCount) && !holds(g, p.Device, -1)) {
			return true
		}
	}
	return false
}

func settled(g *escrow.Job) bool {
	for _, s := range g.Slots[:g.SlotCount] {
		if s.PaidSecs != s.VerifiedSecs {
			return false
		}
	}
	return true
}

// someJob picks a live job, four times in five one that fits when there is one.
func (w *escrowWorld) someJob(fits func(*escrow.Job) bool) *worldJob {
	if w.rng.IntN(5) > 0 {
		var fit []*worldJob
		for _, j := range w.jobs {
			if fits(j.last) {
				fit = append(fit, j)
			}
		}
		if len(fit) > 0 {
			return fit[w.rng.IntN(len(fit))]
		}
	}
	return w.jobs[w.rng.IntN(len(w.jobs))]
}

// someSlot picks a slot of g that fits, three times in four when there is one, else any index
// up to two past the last slot.
func (w *escrowWorld) someSlot(g *escrow.Job, fits func(escrow.Slot) bool) uint8 {
	var fit []uint8
	for i, s := range g.Slots[:g.SlotCount] {
		if fits(s) {
			fit = append(fit, uint8(i))
		}
	}
	if len(fit) > 0 && w.rng.IntN(4) > 0 {
		return fit[w.rng.IntN(len(fit))]
	}
	return uint8(w.rng.IntN(min(int(g.SlotCount)+2, int(escrow.MaxSlots))))
}

func (w *escrowWorld) anyProvider() worldProvider { return w.providers[w.rng.IntN(len(w.providers))] }

// otherProvider is a provider other than p.
func (w *escrowWorld) otherProvider(p worldProvider) worldProvider {
	for {
		if q := w.anyProvider(); q.Device != p.Device {
			return q
		}
	}
}

// holder is the provider of slot's device on g, or any provider for a slot without one.
func (w *escrowWorld) holder(g *escrow.Job, slot uint8) worldProvider {
	if i, ok := w.byDevice[g.Slots[slot].Device]; ok && slot < g.SlotCount {
		return w.providers[i]
	}
	return w.anyProvider()
}

// candidate is a provider to propose for g: three times in four one whose device is free and
// not on g (nor in taken) when there is one, else any.
func (w *escrowWorld) candidate(g *escrow.Job, taken []solana.PublicKey) worldProvider {
	if w.rng.IntN(4) > 0 {
		var free []worldProvider
		for _, p := range w.providers {
			if w.deviceJob[p.Device].IsZero() && !holds(g, p.Device, -1) && !slices.Contains(taken, p.Device) {
				free = append(free, p)
			}
		}
		if len(free) > 0 {
			return free[w.rng.IntN(len(free))]
		}
	}
	return w.anyProvider()
}

func (w *escrowWorld) otherRenter(r *worldRenter) *worldRenter {
	for {
		if o := w.renters[w.rng.IntN(len(w.renters))]; o != r {
			return o
		}
	}
}

// authority is who proposes or replaces devices for j: its renter or the scheduler, one time
// in ten a stranger; stranger reports which.
func (w *escrowWorld) authority(j *worldJob) (key solana.PrivateKey, stranger bool) {
	switch w.rng.IntN(10) {
	case 0:
		return w.stranger, true
	case 1, 2, 3, 4:
		for _, key := range w.schedulers {
			if key.PublicKey() == w.live.Scheduler {
				return key, false
			}
		}
		require.FailNow(w.t, "no key for the live scheduler")
	}
	return j.r.key, false
}

// treasuries is what both treasuries' IOSD accounts hold.
func (w *escrowWorld) treasuries() uint64 {
	var sum uint64
	for _, wallet := range w.wallets {
		sum += w.e.TokenBalance(w.t, w.treasury[wallet])
	}
	return sum
}

// exitErrors are the errors an exit step may fail with: its own misuse, the job's state and the
// clock, never the configuration, which reconfigure changes under running jobs (every term a
// job depends on is fixed at its creation).
var exitErrors = map[string][]*programerr.Error{
	"settle":            {escrow.ErrInvalidSlot, escrow.ErrWrongTokenAccount, escrow.ErrInvalidMint, escrow.ErrNothingToSettle},
	"quit_job":          {escrow.ErrInvalidJobState, escrow.ErrInvalidSlot, escrow.ErrWrongDevice},
	"cancel_job":        {escrow.ErrNotRenter, escrow.ErrInvalidJobState, escrow.ErrWrongTokenAccount, escrow.ErrWrongDeviceAccounts},
	"expire_job":        {escrow.ErrJobNotExpired, escrow.ErrInvalidJobState, escrow.ErrWrongTokenAccount, escrow.ErrWrongDeviceAccounts},
	"close_job":         {escrow.ErrNotRenter, escrow.ErrWrongTokenAccount, escrow.ErrInvalidJobState, escrow.ErrUsageNotFinal, escrow.ErrUnsettledUsage, escrow.ErrWrongCluster},
	"collect_unclaimed": {escrow.ErrInvalidAccountOwner, escrow.ErrWrongRentPayer},
	"count_usage":       {escrow.ErrNoUsageCollection, escrow.ErrUsageCollectionOpen},
	"replace_device": {escrow.ErrNotRenterOrScheduler, escrow.ErrInvalidJobState, escrow.ErrJobTimeUp, escrow.ErrInvalidSlot, escrow.ErrWrongDevice,
		escrow.ErrDeviceNotHireable, escrow.ErrDeviceAlreadyOnJob, escrow.ErrNoFreeSlot},
}

// reconfigure is the admin proposing a random valid configuration (a fee up to the limit, any
// burn share, a 4-8 s acceptance window, a 6-9 s grace, either scheduler, either treasury; the
// usage window stays), applied at once or pending by escrow_change_at_once's rule (restated
// here); or anyone applying the pending proposal (half the time when one is pending; one time
// in six otherwise, to see NoConfigProposal).
func (w *escrowWorld) reconfigure() verdict {
	t, e := w.t, w.e
	c := e.config(t)
	require.Equal(t, w.live, c.Params)
	if pending := c.PendingAppliesAt != 0; pending && w.rng.IntN(2) == 0 || !pending && w.rng.IntN(6) == 0 {
		var x expectation
		x.fails(c.PendingAppliesAt == 0, escrow.ErrNoConfigProposal)
		x.failsUntil(c.PendingAppliesAt, escrow.ErrConfigDelayNotOver)
		_, err := w.send(chaintest.Must(e.prog.ApplyConfig()))
		v := x.verdict(err, func() {
			got := e.config(t)
			require.Equal(t, c.Pending, got.Params)
			require.Zero(t, got.PendingAppliesAt)
			w.live = got.Params
		})
		v.name = "apply_config"
		return v
	}
	next := c.Params
	next.FeeBps = uint16(w.rng.IntN(int(e.limits.MaxFeeBps) + 1))
	next.FeeBurnBps = uint16(w.rng.IntN(10_001))
	next.AcceptanceWindowSecs = 4 + w.rng.Int64N(5)
	next.UsageGraceSecs = 6 + w.rng.Int64N(4)
	next.Scheduler = w.schedulers[w.rng.IntN(len(w.schedulers))].PublicKey()
	next.Treasury = w.wallets[w.rng.IntN(len(w.wallets))]
	atOnce := next.Scheduler == c.Params.Scheduler && next.Treasury == c.Params.Treasury && next.FeeBps <= c.Params.FeeBps &&
		next.FeeBurnBps >= c.Params.FeeBurnBps
	_, err := w.send(chaintest.Must(e.prog.UpdateConfig(e.Admin.PublicKey(), next)), e.Admin)
	return verdict{name: "update_config", err: err, pass: true, then: func() {
		got := e.config(t)
		if atOnce {
			require.Equal(t, next, got.Params, "applied at once")
			require.Zero(t, got.PendingAppliesAt)
			w.live = next
		} else {
			require.Equal(t, c.Params, got.Params, "proposed, not applied")
			require.Equal(t, next, got.Pending)
		}
	}}
}

// hiredList is HiredDevices(g), one time in eight made wrong (a device missing, out of order or
// one too many); wrong reports whether it was.
func (w *escrowWorld) hiredList(g *escrow.Job) (list []solana.PublicKey, wrong bool) {
	list = onescrow.HiredDevices(g)
	if w.rng.IntN(8) > 0 {
		return list, false
	}
	switch {
	case len(list) > 1 && list[0] != list[len(list)-1] && w.rng.IntN(2) == 0:
		return append([]solana.PublicKey{list[len(list)-1]}, list[:len(list)-1]...), true
	case len(list) > 0 && w.rng.IntN(2) == 0:
		return list[:len(list)-1], true
	}
	return append(slices.Clone(list), w.anyProvider().Device), true
}

func (w *escrowWorld) createJob() verdict {
	t, e := w.t, w.e
	r := w.renters[[]int{0, 0, 1, 1, 2}[w.rng.IntN(5)]] // the last has little
	terms := onescrow.Terms{JobID: r.nextID, PricePerHour: price, DurationSecs: uint32(6 + w.rng.IntN(15)),
		DeviceCount: []uint8{1, 1, 2, 2, 3, 4}[w.rng.IntN(6)], Requirements: [32]byte{byte(w.step)}}
	if w.rng.IntN(4) == 0 {
		terms.PricePerHour = 1_234_567 // not a whole number of base units per second: rounding
	}
	switch w.rng.IntN(14) {
	case 0:
		terms.DeviceCount = []uint8{0, 17}[w.rng.IntN(2)]
	case 1:
		terms.DurationSecs = 0
	case 2:
		terms.DurationSecs = 1_000_000 // more than any renter holds
	case 3:
		for _, j := range w.jobs {
			if j.r == r {
				terms.JobID = j.last.JobId // its address is taken
			}
		}
	}
	if len(w.jobs) >= 8 {
		terms.DurationSecs = 0 // enough jobs: only invalid ones
	}
	clusterOpen, clusterOwner := false, r
	switch w.rng.IntN(8) {
	case 0, 1, 2:
		terms.Cluster, clusterOpen = r.cluster, r.clusterOpen
	case 3:
		clusterOwner = w.otherRenter(r)
		terms.Cluster, clusterOpen = clusterOwner.cluster, clusterOwner.clusterOpen
	}
	addr := e.prog.JobAddress(r.key.PublicKey(), terms.JobID)
	deposit := chaintest.Must(protocol.Cost(terms.PricePerHour, terms.DeviceCount, uint64(terms.DurationSecs)))
	var x expectation
	x.fails(terms.DurationSecs == 0 || terms.DurationSecs > 366*24*3600 || terms.DeviceCount == 0 || terms.DeviceCount > 16, escrow.ErrInvalidJobParams)
	x.fails(deposit == 0, escrow.ErrInvalidJobParams)
	x.fails(e.TokenBalance(t, r.token) < deposit, escrow.ErrInsufficientFunds)
	x.fails(slices.ContainsFunc(w.jobs, func(j *worldJob) bool { return j.addr == addr }), escrow.ErrAccountAlreadyInitialized)
	if !terms.Cluster.IsZero() {
		x.fails(!clusterOpen, escrow.ErrInvalidAccountOwner)
		x.fails(clusterOwner != r, escrow.ErrWrongCluster)
	}
	_, err := w.send(chaintest.Must(e.prog.CreateJob(r.key.PublicKey(), r.token, e.IOSDMint, terms)), r.key)
	return x.verdict(err, func() {
		g := w.fetch(addr)
		require.Equal(t, escrow.JobOpen, g.State)
		require.Equal(t, deposit, g.Deposited)
		require.Equal(t, terms.Cluster, g.Cluster)
		w.jobs = append(w.jobs, &worldJob{addr: addr, r: r, cluster: terms.Cluster})
		w.created++
		r.nextID++
		if !terms.Cluster.IsZero() {
			r.clusterJobs++
		}
	})
}

func (w *escrowWorld) topUp() verdict {
	t, e := w.t, w.e
	j := w.someJob(func(g *escrow.Job) bool { return g.State <= escrow.JobRunning })
	g, signer := j.last, j.r
	extra := uint32(1 + w.rng.IntN(8))
	switch w.rng.IntN(10) {
	case 0:
		signer = w.otherRenter(j.r)
	case 1:
		extra = 0
	case 2:
		extra = 1_000_000 // more than any renter holds
	}
	amount := chaintest.Must(protocol.Cost(g.PricePerHour, g.DeviceCount, uint64(g.DurationSecs)+uint64(extra))) - chaintest.Must(protocol.Cost(g.PricePerHour, g.DeviceCount, uint64(g.DurationSecs)))
	var x expectation
	x.fails(signer != j.r, escrow.ErrNotRenter)
	x.fails(g.State > escrow.JobRunning, escrow.ErrInvalidJobState)
	if g.State == escrow.JobRunning {
		x.failsFrom(g.StartedAt+g.DurationSecs, escrow.ErrJobTimeUp)
	}
	x.fails(extra == 0, escrow.ErrInvalidJobParams)
	x.fails(e.TokenBalance(t, signer.token) < amount, escrow.ErrInsufficientFunds)
	_, err := w.send(chaintest.Must(e.prog.TopUp(signer.key.PublicKey(), j.addr, signer.token, extra)), signer.key)
	return x.verdict(err, func() {
		got := w.fetch(j.addr)
		require.Equal(t, g.Deposited+amount, got.Deposited)
		require.Equal(t, g.DurationSecs+int64(extra), got.DurationSecs)
	})
}

func (w *escrowWorld) assign() verdict {
	t, e := w.t, w.e
	j := w.someJob(w.assignable)
	g := j.last
	authority, stranger := w.authority(j)
	n := 1 + w.rng.IntN(2)
	if free := int(g.DeviceCount) - placesTaken(g); free > 0 && w.rng.IntN(3) > 0 {
		n = free
	}
	var devices []solana.PublicKey
	for range n {
		devices = append(devices, w.candidate(g, devices).Device)
	}
	if w.rng.IntN(10) == 0 {
		devices = append(devices, devices[0]) // the same device twice
	}
	var x expectation
	x.fails(stranger, escrow.ErrNotRenterOrScheduler)
	x.fails(g.State > escrow.JobRunning, escrow.ErrInvalidJobState)
	if g.State == escrow.JobRunning {
		x.failsFrom(g.StartedAt+g.DurationSecs, escrow.ErrJobTimeUp)
	}
	taken, slots := placesTaken(g), int(g.SlotCount)
	var proposed []solana.PublicKey
	for _, d := range devices {
		x.fails(!w.deviceJob[d].IsZero(), escrow.ErrDeviceNotHireable)
		x.fails(holds(g, d, -1) || slices.Contains(proposed, d), escrow.ErrDeviceAlreadyOnJob)
		x.fails(taken >= int(g.DeviceCount), escrow.ErrTooManyDevices)
		x.fails(slots >= int(escrow.MaxSlots), escrow.ErrNoFreeSlot)
		taken, slots, proposed = taken+1, slots+1, append(proposed, d)
	}
	_, err := w.send(chaintest.Must(e.prog.AssignDevices(authority.PublicKey(), j.addr, devices...)), authority)
	return x.verdict(err, func() {
		got := w.fetch(j.addr)
		require.Equal(t, int(g.SlotCount)+len(devices), int(got.SlotCount))
		for i, d := range devices {
			s := got.Slots[int(g.SlotCount)+i]
			require.Equal(t, escrow.SlotProposed, s.State)
			require.Equal(t, d, s.Device)
		}
		if g.State == escrow.JobOpen {
			require.Equal(t, escrow.JobAssigned, got.State)
		}
	})
}

func (w *escrowWorld) accept() verdict {
	t, e := w.t, w.e
	proposed := func(s escrow.Slot) bool { return s.State == escrow.SlotProposed }
	j := w.someJob(w.acceptable)
	g := j.last
	slot := w.someSlot(g, proposed)
	p := w.holder(g, slot)
	payout := p.payout
	switch w.rng.IntN(12) {
	case 0:
		p = w.otherProvider(p) // not the slot's device
		payout = p.payout
	case 1:
		payout = w.otherProvider(p).payout
	case 2:
		payout = p.Token // an IO account
	}
	s := g.Slots[slot]
	var x expectation
	x.fails(slot >= g.SlotCount || s.State != escrow.SlotProposed, escrow.ErrInvalidSlot)
	x.fails(p.Device != s.Device, escrow.ErrWrongDevice)
	switch g.State {
	case escrow.JobAssigned:
		x.failsFrom(g.CreatedAt+g.AcceptanceWindowSecs, escrow.ErrAcceptanceWindowClosed)
	case escrow.JobRunning:
		x.failsFrom(g.StartedAt+g.DurationSecs, escrow.ErrJobTimeUp)
	default:
		x.fails(true, escrow.ErrInvalidJobState)
	}
	broken := w.brokenPayout(payout)
	x.fails(broken != nil && broken.how == breakClosed, escrow.ErrInvalidAccountOwner)
	x.fails(payout == p.Token, escrow.ErrInvalidMint)
	x.fails(payout != p.payout || broken != nil && broken.how == breakHandedOver, escrow.ErrWrongTokenAccount)
	x.fails(!w.deviceJob[p.Device].IsZero(), escrow.ErrDeviceNotHireable)
	_, err := w.send(chaintest.Must(e.prog.AcceptJob(j.addr, p.DeviceKey.PublicKey(), payout, slot)), p.DeviceKey)
	return x.verdict(err, func() {
		got := w.fetch(j.addr)
		s := got.Slots[slot]
		require.Equal(t, escrow.SlotHired, s.State)
		require.Equal(t, payout, s.Payout)
		if got.State == escrow.JobRunning {
			require.NotZero(t, s.JoinedAt, "a hired slot of a running job has joined")
		}
		if got.State == escrow.JobRunning && g.State == escrow.JobAssigned {
			for i, s := range got.Slots[:got.SlotCount] {
				if s.State == escrow.SlotHired {
					require.Equal(t, got.StartedAt, s.JoinedAt, "slot %d: the devices join when the job starts", i)
				}
			}
		}
	})
}

func (w *escrowWorld) recordUsage() verdict {
	t, e := w.t, w.e
	j := w.someJob(func(g *escrow.Job) bool { return attestable(g) && counting(g) })
	if !counting(j.last) || w.rng.IntN(3) == 0 {
		j = w.someJob(attestable)
	}
	g := j.last
	var window uint64
	switch now := uint64(time.Now().Unix() / e.params.UsageWindowSecs); {
	case counting(g) && w.rng.IntN(4) > 0:
		window = g.PendingWindow
	case g.LastUsageWindow > 0 && w.rng.IntN(16) == 0:
		window = g.LastUsageWindow
	case w.rng.IntN(8) == 0:
		window = now // not over
	default:
		window = now - 1 - uint64(w.rng.IntN(3)) // over, by our clock, 0-6 s ago
	}
	oi := w.rng.IntN(len(e.Oracles))
	if window == g.PendingWindow && counting(g) && w.rng.IntN(5) > 0 {
		for g.PendingMask>>oi&1 == 1 { // one that has not voted yet
			oi = w.rng.IntN(len(e.Oracles))
		}
	}
	oracle, stranger := e.Oracles[oi], w.rng.IntN(12) == 0
	if stranger {
		oracle = w.stranger
	}
	end := e.windowEnd(window)
	report := escrow.UsageReport{Window: window}
	for i, s := range g.Slots[:g.SlotCount] {
		report.Secs[i] = honestSecs(g, i, end)
		if oi == faultyOracle {
			report.Secs[i] = faultySecs(w.rng, report.Secs[i], capAt(g, s, end))
		}
	}
	invalid := w.rng.IntN(8) == 0
	if invalid {
		i := w.rng.IntN(min(int(g.SlotCount)+1, int(escrow.MaxSlots)))
		report.Secs[i] = capAt(g, g.Slots[i], end) + 1 + uint32(w.rng.IntN(3)) // past its time on the job
	}
	var x expectation
	x.fails(stranger, escrow.ErrNotOracle)
	x.fails(!started(g), escrow.ErrInvalidJobState)
	x.failsUntil(end, escrow.ErrUsageWindowNotClosed)
	x.fails(end <= g.StartedAt || int64(window)*e.params.UsageWindowSecs > jobEnd(g) || window <= g.LastUsageWindow, escrow.ErrStaleUsage)
	x.fails(invalid, escrow.ErrInvalidUsage)
	if counting(g) {
		x.fails(window < g.PendingWindow, escrow.ErrStaleUsage)
		x.fails(window == g.PendingWindow && g.PendingMask>>oi&1 == 1, escrow.ErrDuplicateVote)
		if window > g.PendingWindow {
			x.failsUntil(w.deadline(g.PendingWindow), escrow.ErrUsageCollectionOpen)
		}
	}
	sig, err := w.send(chaintest.Must(e.prog.RecordUsage(oracle.PublicKey(), j.addr, report)), oracle)
	return x.verdict(err, func() {
		got := w.fetch(j.addr)
		require.Contains(t, e.eventsOf(t, sig), &escrow.UsageVoted{Job: j.addr, Oracle: oracle.PublicKey(), Window: window,
			Secs: report.Secs, Votes: uint8(len(w.rowsAfter(g, window))) + 1}, "the vote's event carries its values")
		// A later window counts the open collection first, as it is.
		before := g
		var rows [][]uint32
		if counting(g) && window > g.PendingWindow {
			before = w.tally(g, pendingRows(g), g.PendingWindow)
		} else if counting(g) {
			rows = pendingRows(g)
		}
		rows = append(rows, report.Secs[:])
		counted := w.tally(before, rows, window)
		_, decided := w.rule.decideAll(before, rows)
		switch {
		case got.PendingVotes == 0:
			require.True(t, decided || len(rows) >= w.rule.oracles || chainReached(w.deadline(window)) >= 0,
				"counted before every slot was decided, every oracle voted or the deadline")
			require.Equal(t, window, got.LastUsageWindow)
			w.sameUsage(counted, got)
		default:
			require.False(t, decided || len(rows) >= w.rule.oracles, "decided, or every oracle voted: it counts")
			require.Equal(t, window, got.PendingWindow)
			require.Equal(t, len(rows), int(got.PendingVotes))
			require.Equal(t, before.LastUsageWindow, got.LastUsageWindow)
			w.sameUsage(before, got)
		}
	})
}

// rowsAfter is the votes g's collection holds that a vote for window joins.
func (w *escrowWorld) rowsAfter(g *escrow.Job, window uint64) [][]uint32 {
	if counting(g) && window == g.PendingWindow {
		return pendingRows(g)
	}
	return nil
}

func (w *escrowWorld) countUsage() verdict {
	j := w.someJob(counting)
	g := j.last
	var x expectation
	x.fails(!counting(g), escrow.ErrNoUsageCollection)
	if counting(g) {
		x.failsUntil(w.deadline(g.PendingWindow), escrow.ErrUsageCollectionOpen)
	}
	sig, err := w.send(chaintest.Must(w.e.prog.CountUsage(j.addr)))
	return x.verdict(err, func() {
		got := w.fetch(j.addr)
		require.Zero(w.t, got.PendingVotes)
		require.Equal(w.t, g.PendingWindow, got.LastUsageWindow)
		want := w.tally(g, pendingRows(g), g.PendingWindow)
		w.sameUsage(want, got)
		require.Len(w.t, w.e.eventsOf(w.t, sig), 1)
	})
}

// deadline is when anyone may count window's collection as it is.
func (w *escrowWorld) deadline(window uint64) int64 { return w.e.windowEnd(window) + voteDeadline }

// sameUsage asserts got's slots have want's verified seconds.
func (w *escrowWorld) sameUsage(want, got *escrow.Job) {
	for i := range int(want.SlotCount) {
		require.Equal(w.t, want.Slots[i].VerifiedSecs, got.Slots[i].VerifiedSecs, "slot %d: verified_secs", i)
	}
}

// pendingRows is g's open collection: one row of per-slot seconds per vote.
func pendingRows(g *escrow.Job) [][]uint32 {
	var rows [][]uint32
	for r := range int(g.PendingVotes) {
		rows = append(rows, g.Votes[r*int(escrow.MaxSlots):(r+1)*int(escrow.MaxSlots)])
	}
	return rows
}

// tally is g once the collection rows of window counted: each decided slot moves up to the lower end of
// its agreeing votes, the others keep their value.
func (w *escrowWorld) tally(g *escrow.Job, rows [][]uint32, window uint64) *escrow.Job {
	out := *g
	out.LastUsageWindow, out.PendingVotes = window, 0
	lo, _ := w.rule.decideAll(g, rows)
	for i, v := range lo {
		if v >= 0 {
			out.Slots[i].VerifiedSecs = max(out.Slots[i].VerifiedSecs, uint64(v))
		}
	}
	return &out
}

// voteRule is the registry's vote rule (gpunet/votes.h, as protocol.DecideVotes) and how many
// oracles vote.
type voteRule struct {
	protocol.VoteRule
	oracles int
}

// decideAll decides every slot of g as escrow_usage_tally does: lo[i] is slot i's value, -1 if
// undecided; all says whether every slot is decided.
func (r voteRule) decideAll(g *escrow.Job, rows [][]uint32) (lo []int64, all bool) {
	all = true
	for i := range int(g.SlotCount) {
		votes := make([]uint64, len(rows))
		for k, row := range rows {
			votes[k] = uint64(row[i])
		}
		agreed, outcome := protocol.DecideVotes(r.VoteRule, votes, true)
		decided := outcome == protocol.VotesDecided
		lo = append(lo, map[bool]int64{true: int64(agreed.Lo), false: -1}[decided])
		all = all && decided
	}
	return lo, all
}

// faultyOracle is the index of the oracle that may lie.
const faultyOracle = 2

// honestSecs is what the honest oracles report for slot i of g as of `at`: its wall time on
// the job less a downtime fixed per job and slot (so honest values only grow).
func honestSecs(g *escrow.Job, i int, at int64) uint32 {
	most := capAt(g, g.Slots[i], at)
	return most - min(most, uint32((g.JobId+uint64(i))%3))
}

// faultySecs is the faulty oracle's report: the honest value half the time, else 0, the most
// it may report, or one second low.
func faultySecs(rng *rand.Rand, honest, most uint32) uint32 {
	switch rng.IntN(6) {
	case 0:
		return 0
	case 1:
		return most
	case 2:
		return honest - min(honest, 1)
	}
	return honest
}

// jobEnd is when g's paid time ends: its end, or its scheduled end while it runs.
func jobEnd(g *escrow.Job) int64 {
	if g.EndedAt != 0 {
		return g.EndedAt
	}
	return g.StartedAt + g.DurationSecs
}

func (w *escrowWorld) settle() verdict {
	t, e := w.t, w.e
	owed := func(s escrow.Slot) bool { return s.VerifiedSecs > s.PaidSecs }
	j := w.someJob(owes)
	g := j.last
	slot := w.someSlot(g, owed)
	s := g.Slots[slot]
	payout := s.Payout
	if payout.IsZero() || w.rng.IntN(10) == 0 {
		payout = w.anyProvider().payout
	}
	mine := w.treasury[g.Treasury] // the job's treasury, fixed at its creation
	treasury := mine
	switch w.rng.IntN(20) {
	case 0:
		treasury = j.r.token // not the treasury's
	case 1:
		treasury = e.Treasury // the treasury's IO account
	case 2:
		treasury = w.treasury[w.wallets[w.rng.IntN(len(w.wallets))]] // perhaps the other treasury's
	}
	var x expectation
	x.fails(slot >= g.SlotCount, escrow.ErrInvalidSlot)
	x.fails(payout != s.Payout, escrow.ErrWrongTokenAccount)
	x.fails(treasury == e.Treasury, escrow.ErrInvalidMint)
	x.fails(treasury != mine, escrow.ErrWrongTokenAccount)
	x.fails(s.VerifiedSecs <= s.PaidSecs, escrow.ErrNothingToSettle)
	paidBefore, treasuryBefore, supplyBefore := e.TokenBalance(t, payout), e.TokenBalance(t, mine), e.Supply(t, e.IOSDMint)
	p := w.holder(g, slot)
	owedBefore := w.unclaimed(p)
	payer := w.nextPayer() // it pays the rent of an Unclaimed record it creates
	sig, err := e.SendSig([]solana.PrivateKey{payer}, e.settleIx(payer.PublicKey(), j.addr, slot, payout, treasury, e.IOSDMint))
	return x.verdict(err, func() {
		settling := chaintest.Must(protocol.Pay(g, s.PaidSecs, s.VerifiedSecs))
		pay, fee, burned := settling.Payout, settling.FeeTreasury, settling.FeeBurned
		settled := &escrow.Settled{Job: j.addr, Device: s.Device, Secs: s.VerifiedSecs - s.PaidSecs, Payout: pay, FeeTreasury: fee,
			FeeBurned: burned, Slot: slot}
		if p.broken != nil && pay > 0 { // the payout account cannot take it: the owner's record does
			require.Equal(t, []any{&escrow.PayoutUnclaimed{Job: j.addr, Device: s.Device, Owner: p.Owner.PublicKey(), Payout: payout,
				Amount: pay, Slot: slot}, settled}, e.eventsOf(t, sig))
			require.Equal(t, owedBefore+pay, w.unclaimed(p), "the owner's unclaimed pay")
			pay = 0
		} else {
			require.Equal(t, []any{settled}, e.eventsOf(t, sig))
		}
		require.Equal(t, paidBefore+pay, e.TokenBalance(t, payout), "the provider's pay")
		require.Equal(t, treasuryBefore+fee, e.TokenBalance(t, mine), "the treasury's fee")
		require.Equal(t, supplyBefore-burned, e.Supply(t, e.IOSDMint), "the burned fee")
		require.Equal(t, s.VerifiedSecs, w.fetch(j.addr).Slots[slot].PaidSecs)
	})
}

// leaving picks a job with a device on it, one of its slots (mostly one with a device) and the
// provider of that slot's device (one time in ten another).
func (w *escrowWorld) leaving() (*worldJob, uint8, worldProvider) {
	j := w.someJob(func(g *escrow.Job) bool {
		return (g.State == escrow.JobAssigned || g.State == escrow.JobRunning) && placesTaken(g) > 0
	})
	slot := w.someSlot(j.last, func(s escrow.Slot) bool { return active(s.State) })
	p := w.holder(j.last, slot)
	if w.rng.IntN(10) == 0 {
		p = w.otherProvider(p)
	}
	return j, slot, p
}

func (w *escrowWorld) quit() verdict {
	j, slot, p := w.leaving()
	g := j.last
	s := g.Slots[slot]
	var x expectation
	x.fails(g.State != escrow.JobAssigned && g.State != escrow.JobRunning, escrow.ErrInvalidJobState)
	x.fails(slot >= g.SlotCount || !active(s.State), escrow.ErrInvalidSlot)
	x.fails(p.Device != s.Device, escrow.ErrWrongDevice)
	_, err := w.send(chaintest.Must(w.e.prog.QuitJob(j.addr, p.DeviceKey.PublicKey(), slot)), p.DeviceKey)
	return x.verdict(err, func() { w.left(j, g, slot) })
}

// left checks that slot of j (g before the step) left, at the time it stopped serving if it
// had joined.
func (w *escrowWorld) left(j *worldJob, g *escrow.Job, slot uint8) {
	got := w.fetch(j.addr).Slots[slot]
	require.Equal(w.t, escrow.SlotLeft, got.State)
	if got.JoinedAt == 0 {
		require.Zero(w.t, got.LeftAt)
		return
	}
	require.GreaterOrEqual(w.t, got.LeftAt, got.JoinedAt)
	require.LessOrEqual(w.t, got.LeftAt, min(time.Now().Unix(), g.StartedAt+g.DurationSecs))
}

func (w *escrowWorld) replace() verdict {
	j, slot, old := w.leaving()
	g := j.last
	fresh := w.candidate(g, nil)
	authority, stranger := w.authority(j)
	s := g.Slots[slot]
	var x expectation
	x.fails(stranger, escrow.ErrNotRenterOrScheduler)
	x.fails(g.State != escrow.JobAssigned && g.State != escrow.JobRunning, escrow.ErrInvalidJobState)
	if g.State == escrow.JobRunning {
		x.failsFrom(g.StartedAt+g.DurationSecs, escrow.ErrJobTimeUp)
	}
	x.fails(slot >= g.SlotCount || !active(s.State), escrow.ErrInvalidSlot)
	x.fails(old.Device != s.Device, escrow.ErrWrongDevice)
	// The new device is proposed once the old one left (and was released, if it was hired).
	released := fresh.Device == s.Device && s.State == escrow.SlotHired
	x.fails(!w.deviceJob[fresh.Device].IsZero() && !released, escrow.ErrDeviceNotHireable)
	x.fails(holds(g, fresh.Device, int(slot)), escrow.ErrDeviceAlreadyOnJob)
	x.fails(g.SlotCount >= escrow.MaxSlots, escrow.ErrNoFreeSlot)
	_, err := w.send(chaintest.Must(w.e.prog.ReplaceDevice(authority.PublicKey(), j.addr, slot, old.Device, fresh.Device)), authority)
	return x.verdict(err, func() {
		w.left(j, g, slot)
		got := w.fetch(j.addr)
		require.Equal(w.t, g.SlotCount+1, got.SlotCount)
		require.Equal(w.t, fresh.Device, got.Slots[g.SlotCount].Device)
		require.Equal(w.t, escrow.SlotProposed, got.Slots[g.SlotCount].State)
	})
}

// ends checks a successful cancel or expiry of j (g before it): its state, its end, and the
// event of the refund of everything its slots cannot be paid for any more.
func (w *escrowWorld) ends(j *worldJob, g *escrow.Job, sig solana.Signature, state uint8) {
	t := w.t
	got := w.fetch(j.addr)
	require.Equal(t, state, got.State)
	if g.State == escrow.JobRunning {
		require.LessOrEqual(t, got.EndedAt, g.StartedAt+g.DurationSecs)
	}
	if state == escrow.JobCompleted {
		require.Equal(t, g.StartedAt+g.DurationSecs, got.EndedAt)
	}
	require.Equal(t, []any{&escrow.JobEnded{Job: j.addr, EndedAt: got.EndedAt, Refunded: got.Refunded - g.Refunded, State: state}}, w.e.eventsOf(t, sig))
}

func (w *escrowWorld) cancel() verdict {
	j := w.someJob(func(g *escrow.Job) bool { return g.State <= escrow.JobRunning })
	g, signer, token := j.last, j.r, j.r.token
	switch w.rng.IntN(12) {
	case 0:
		signer = w.otherRenter(j.r)
		token = signer.token
	case 1:
		token = w.otherRenter(j.r).token
	}
	hired, wrong := w.hiredList(g)
	var x expectation
	x.fails(signer != j.r, escrow.ErrNotRenter)
	x.fails(g.State > escrow.JobRunning, escrow.ErrInvalidJobState)
	x.fails(token != j.r.token, escrow.ErrWrongTokenAccount)
	x.fails(wrong, escrow.ErrWrongDeviceAccounts)
	sig, err := w.send(chaintest.Must(w.e.prog.CancelJob(signer.key.PublicKey(), j.addr, token, hired)), signer.key)
	return x.verdict(err, func() { w.ends(j, g, sig, escrow.JobCancelled) })
}

func (w *escrowWorld) expire() verdict {
	e := w.e
	j := w.someJob(w.expirable)
	g, token := j.last, j.r.token
	if w.rng.IntN(12) == 0 {
		token = w.otherRenter(j.r).token
	}
	hired, wrong := w.hiredList(g)
	var x expectation
	state := escrow.JobExpired
	switch g.State {
	case escrow.JobOpen, escrow.JobAssigned:
		x.failsUntil(g.CreatedAt+g.AcceptanceWindowSecs, escrow.ErrJobNotExpired)
	case escrow.JobRunning:
		x.failsUntil(g.StartedAt+g.DurationSecs, escrow.ErrJobNotExpired)
		state = escrow.JobCompleted
	default:
		x.fails(true, escrow.ErrInvalidJobState)
	}
	x.fails(token != j.r.token, escrow.ErrWrongTokenAccount)
	x.fails(wrong, escrow.ErrWrongDeviceAccounts)
	sig, err := w.send(chaintest.Must(e.prog.ExpireJob(j.addr, token, hired)))
	return x.verdict(err, func() { w.ends(j, g, sig, state) })
}

func (w *escrowWorld) closeJob() verdict {
	t, e := w.t, w.e
	j := w.someJob(closable)
	g, r := j.last, j.r
	renterKey, token, cluster := r.key.PublicKey(), r.token, j.cluster
	switch w.rng.IntN(12) {
	case 0:
		renterKey = w.otherRenter(r).key.PublicKey()
	case 1:
		token = w.otherRenter(r).token
	case 2, 3:
		cluster = solana.PublicKey{}
	}
	var x expectation
	x.fails(renterKey != r.key.PublicKey(), escrow.ErrNotRenter)
	x.fails(token != r.token, escrow.ErrWrongTokenAccount)
	x.fails(!ended(g), escrow.ErrInvalidJobState)
	x.fails(started(g) && counting(g), escrow.ErrUsageNotFinal)
	if started(g) && !(g.LastUsageWindow != 0 && e.windowEnd(g.LastUsageWindow) >= g.EndedAt) {
		x.failsUntil(g.EndedAt+g.UsageGraceSecs, escrow.ErrUsageNotFinal)
	}
	x.fails(!settled(g), escrow.ErrUnsettledUsage)
	x.fails(cluster != j.cluster, escrow.ErrWrongCluster)
	vault, balance := e.TokenBalance(t, g.Vault), e.TokenBalance(t, r.token)
	rent, lamports := e.Lamports(t, j.addr)+e.Lamports(t, g.Vault), e.Lamports(t, r.key.PublicKey())
	sig, err := w.send(chaintest.Must(e.prog.CloseJob(j.addr, renterKey, token, cluster)))
	return x.verdict(err, func() {
		require.Equal(t, []any{&escrow.JobClosed{Job: j.addr, Refunded: vault}}, e.eventsOf(t, sig))
		require.Equal(t, balance+vault, e.TokenBalance(t, r.token), "the vault's balance goes to the renter")
		require.Equal(t, lamports+rent, e.Lamports(t, r.key.PublicKey()), "the rent goes to the renter")
		require.Zero(t, e.Lamports(t, j.addr))
		require.Zero(t, e.Lamports(t, g.Vault))
		fees := g.FeesTreasury + g.FeesBurned
		require.Equal(t, g.Deposited-g.PaidOut-fees, g.Refunded+vault, "the renter got back deposited - paid_out - fees")
		w.closed(j, g)
	})
}

// closed forgets j, closed when its state was g, and remembers what it paid.
func (w *escrowWorld) closed(j *worldJob, g *escrow.Job) {
	w.closedPaid += g.PaidOut
	w.closedTreasury += g.FeesTreasury
	w.closedBurned += g.FeesBurned
	j.r.closedOut += g.PaidOut + g.FeesTreasury + g.FeesBurned
	w.jobs = slices.DeleteFunc(w.jobs, func(k *worldJob) bool { return k == j })
	w.closedStates[g.State]++
}

// cluster closes a renter's Cluster, or creates it (again).
func (w *escrowWorld) cluster() verdict {
	e := w.e
	r := w.renters[w.rng.IntN(len(w.renters))]
	var x expectation
	if r.clusterOpen && w.rng.IntN(4) > 0 {
		x.fails(slices.ContainsFunc(w.jobs, func(j *worldJob) bool { return j.cluster == r.cluster }), escrow.ErrClusterNotEmpty)
		_, err := w.send(chaintest.Must(e.prog.CloseCluster(r.key.PublicKey(), r.clusterID)), r.key)
		v := x.verdict(err, func() { r.clusterOpen = false })
		v.name = "close_cluster"
		return v
	}
	x.fails(r.clusterOpen, escrow.ErrAccountAlreadyInitialized)
	_, err := w.send(chaintest.Must(e.prog.CreateCluster(r.key.PublicKey(), r.clusterID, [32]byte{byte(w.step)})), r.key)
	v := x.verdict(err, func() { r.clusterOpen, r.clusterJobs = true, 0 })
	v.name = "create_cluster"
	return v
}

// sabotage has a provider make its payout account unusable (through the token program, not
// the escrow): closed (its balance moved to its other account first) or handed over to a new
// owner (the payment mints have no freeze authority: initialize_config refuses one). Settling
// its slots must go on regardless.
func (w *escrowWorld) sabotage() verdict {
	t, e := w.t, w.e
	i := w.rng.IntN(len(w.providers))
	p := &w.providers[i]
	if p.broken != nil {
		return w.repair()
	}
	owner := p.Owner.PublicKey()
	b := &payoutBreak{how: w.rng.IntN(2)}
	switch b.how {
	case breakClosed:
		var ixs []solana.Instruction
		if balance := e.TokenBalance(t, p.payout); balance > 0 {
			ixs = append(ixs, token.NewTransferInstruction(balance, p.payout, p.sink, owner, nil).Build())
		}
		ixs = append(ixs, token.NewCloseAccountInstruction(p.payout, owner, owner, nil).Build())
		require.NoError(t, e.Send([]solana.PrivateKey{p.Owner}, ixs...))
	case breakHandedOver:
		b.heir = e.Funded(t)
		require.NoError(t, e.Send([]solana.PrivateKey{p.Owner},
			token.NewSetAuthorityInstruction(token.AuthorityAccountOwner, b.heir.PublicKey(), p.payout, owner, nil).Build()))
	}
	p.broken = b
	return verdict{pass: true}
}

// repair undoes a provider's sabotage: the account is made again (the same associated
// address) or handed back.
func (w *escrowWorld) repair() verdict {
	t, e := w.t, w.e
	var broken []int
	for i, p := range w.providers {
		if p.broken != nil {
			broken = append(broken, i)
		}
	}
	if len(broken) == 0 {
		return verdict{name: "sabotage_payout", pass: true}
	}
	p := &w.providers[broken[w.rng.IntN(len(broken))]]
	owner := p.Owner.PublicKey()
	switch p.broken.how {
	case breakClosed:
		require.Equal(t, p.payout, e.TokenAccount(t, e.IOSDMint, owner, 0))
	case breakHandedOver:
		require.NoError(t, e.Send([]solana.PrivateKey{p.broken.heir},
			token.NewSetAuthorityInstruction(token.AuthorityAccountOwner, owner, p.payout, p.broken.heir.PublicKey(), nil).Build()))
	}
	p.broken = nil
	return verdict{name: "repair_payout", pass: true}
}

// anyBroken: some provider's payout account is unusable (whatever the job).
func (w *escrowWorld) anyBroken(*escrow.Job) bool {
	return slices.ContainsFunc(w.providers, func(p worldProvider) bool { return p.broken != nil })
}

// brokenPayout is how the payout account was made unusable, nil if it is usable (or not a
// provider's payout account).
func (w *escrowWorld) brokenPayout(payout solana.PublicKey) *payoutBreak {
	for _, p := range w.providers {
		if p.payout == payout {
			return p.broken
		}
	}
	return nil
}

// unclaimed is what p's Unclaimed record owes it, 0 without one.
func (w *escrowWorld) unclaimed(p worldProvider) uint64 {
	u, err := w.e.prog.FetchUnclaimed(w.e.Ctx, w.e.Client, p.Owner.PublicKey(), w.e.IOSDMint)
	if err != nil {
		require.Zero(w.t, w.e.Lamports(w.t, w.e.prog.UnclaimedAddress(p.Owner.PublicKey(), w.e.IOSDMint)), "an Unclaimed record that does not decode")
		return 0
	}
	return u.Amount
}

// collect has a provider collect its unclaimed pay into its other account; one time in eight
// it names the wrong rent payer.
func (w *escrowWorld) collect() verdict {
	t, e := w.t, w.e
	p := w.anyProvider()
	for _, q := range w.providers {
		if w.unclaimed(q) > 0 && w.rng.IntN(2) == 0 {
			p = q
		}
	}
	owner := p.Owner.PublicKey()
	u, err := e.prog.FetchUnclaimed(e.Ctx, e.Client, owner, e.IOSDMint)
	payer := w.stranger.PublicKey()
	if err == nil && w.rng.IntN(8) > 0 {
		payer = u.Payer
	}
	var x expectation
	x.fails(err != nil, escrow.ErrInvalidAccountOwner)
	x.fails(err == nil && payer != u.Payer, escrow.ErrWrongRentPayer)
	sink, rent := e.TokenBalance(t, p.sink), e.Lamports(t, e.prog.UnclaimedAddress(owner, e.IOSDMint))
	before := e.Lamports(t, payer)
	_, err = w.send(chaintest.Must(e.prog.CollectUnclaimed(owner, e.IOSDMint, p.sink, payer)), p.Owner)
	return x.verdict(err, func() {
		require.Equal(t, sink+u.Amount, e.TokenBalance(t, p.sink), "the owner collects what it is owed")
		require.Zero(t, e.Lamports(t, e.prog.UnclaimedAddress(owner, e.IOSDMint)))
		// the rent goes back to its payer (less two signatures' fee, if it also paid the fee)
		require.GreaterOrEqual(t, e.Lamports(t, payer), before+rent-10_000, "the rent goes back to its payer")
	})
}

// drain ends what the random steps left: every live job is cancelled (or expired), its open
// collection counted after its deadline, every slot settled (whatever its payout account) and
// the job closed; then every owner collects its unclaimed pay. Nothing may fail: no party can
// block another's money or rent.
func (w *escrowWorld) drain() {
	t, e := w.t, w.e
	last := time.Now().Unix()
	for _, j := range w.jobs {
		g := w.fetch(j.addr)
		if g.State <= escrow.JobRunning {
			require.NoError(t, e.Send([]solana.PrivateKey{j.r.key}, chaintest.Must(e.prog.CancelJob(j.r.key.PublicKey(), j.addr, j.r.token, onescrow.HiredDevices(g)))))
			g = w.fetch(j.addr)
		}
		last = max(last, g.EndedAt+g.UsageGraceSecs, e.windowEnd(uint64(g.EndedAt/e.params.UsageWindowSecs))+voteDeadline)
	}
	waitUntil(last)
	for _, j := range slices.Clone(w.jobs) {
		if counting(w.fetch(j.addr)) {
			require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.CountUsage(j.addr))))
		}
		g := w.fetch(j.addr)
		for slot, s := range g.Slots[:g.SlotCount] {
			if s.VerifiedSecs > s.PaidSecs {
				payer := w.nextPayer()
				require.NoError(t, e.Send([]solana.PrivateKey{payer}, e.settleIx(payer.PublicKey(), j.addr, uint8(slot), s.Payout, w.treasury[g.Treasury], e.IOSDMint)))
			}
		}
		g = w.fetch(j.addr)
		j.last = g
		require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.CloseJob(j.addr, j.r.key.PublicKey(), j.r.token, j.cluster))))
		w.closed(j, g)
	}
	for _, p := range w.providers {
		if u, err := e.prog.FetchUnclaimed(e.Ctx, e.Client, p.Owner.PublicKey(), e.IOSDMint); err == nil {
			require.NoError(t, e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(e.prog.CollectUnclaimed(p.Owner.PublicKey(), e.IOSDMint, p.sink, u.Payer))))
		}
	}
	w.check()
	require.Empty(t, w.jobs)
	require.Zero(t, e.TokenBalance(t, e.prog.UnclaimedVaultAddress(e.IOSDMint)), "every unclaimed amount was collected")
}

// wait lets the chain's clock run: usage windows end, jobs run out of time, grace periods pass.
func (w *escrowWorld) wait() verdict {
	time.Sleep(time.Duration(700+w.rng.IntN(500)) * time.Millisecond)
	return verdict{pass: true}
}

// check reads every live job, the token accounts, the registry Devices and the Clusters, and
// holds them to the escrow's invariants.
func (w *escrowWorld) check() {
	t, e := w.t, w.e
	now := time.Now().Unix()
	hiredBy := map[solana.PublicKey]solana.PublicKey{}
	paid, treasury, burned := w.closedPaid, w.closedTreasury, w.closedBurned
	held := map[*worldRenter]uint64{}
	open := map[solana.PublicKey]uint32{}
	for _, j := range w.jobs {
		g := w.fetch(j.addr)
		e.conserved(t, g)
		w.checkJob(j, g, now)
		for _, s := range g.Slots[:g.SlotCount] {
			if s.State == escrow.SlotHired {
				require.True(t, hiredBy[s.Device].IsZero(), "device %s hired by two jobs", s.Device)
				hiredBy[s.Device] = j.addr
			}
		}
		paid += g.PaidOut
		treasury += g.FeesTreasury
		burned += g.FeesBurned
		held[j.r] += g.Deposited - g.Refunded
		if !j.cluster.IsZero() {
			open[j.cluster]++
		}
		j.last = g
	}

	var payouts, owed uint64
	for _, p := range w.providers {
		owed += w.unclaimed(p)
		payouts += e.TokenBalance(t, p.payout) + e.TokenBalance(t, p.sink)
	}
	require.Equal(t, paid, payouts+owed, "the providers hold, or are owed, every job's paid_out")
	require.Equal(t, owed, e.TokenBalance(t, e.prog.UnclaimedVaultAddress(e.IOSDMint)), "the unclaimed vault holds what the records owe")
	require.Equal(t, w.treasury0+treasury, w.treasuries(), "the treasuries hold every job's treasury fees")
	require.Equal(t, w.supply0-burned, e.Supply(t, e.IOSDMint), "the IOSD supply fell by every job's burned fees")
	require.Equal(t, w.economyBurned0+burned, w.economyBurned(), "the economy counted every burned fee")
	for i, r := range w.renters {
		require.Equal(t, r.funded-held[r]-r.closedOut, e.TokenBalance(t, r.token), "renter %d's IOSD", i)
	}

	for _, p := range w.providers {
		d := e.Device(t, p.Provider)
		job := hiredBy[p.Device]
		require.Equal(t, job, d.CurrentJob, "device %s: its job in the registry", p.Device)
		status := registry.StatusActive
		if !job.IsZero() {
			status = registry.StatusHired
		}
		require.Equal(t, status, d.Status, "device %s: its status", p.Device)
		w.deviceJob[p.Device] = d.CurrentJob
	}

	for i, r := range w.renters {
		if !r.clusterOpen {
			require.Zero(t, e.Lamports(t, r.cluster), "renter %d's closed cluster", i)
			continue
		}
		c, err := e.prog.FetchCluster(e.Ctx, e.Client, r.cluster)
		require.NoError(t, err)
		require.Equal(t, open[r.cluster], c.OpenJobs, "renter %d's cluster: open jobs", i)
		require.Equal(t, r.clusterJobs, c.TotalJobs, "renter %d's cluster: jobs created", i)
	}
}

// honest reports whether v is 0 or agrees (within the band) with the honest value of slot i of
// g as of a counted window.
func (w *escrowWorld) honest(g *escrow.Job, i int, v uint64) bool {
	for win := uint64(g.StartedAt / g.UsageWindowSecs); v > 0 && win <= g.LastUsageWindow; win++ {
		if protocol.VotesAgree(v, uint64(honestSecs(g, i, w.e.windowEnd(win))), w.rule.BandBps) {
			return true
		}
	}
	return v == 0
}

// checkJob holds one job g, read at unix time now, to its own invariants and to what the last
// check read (j.last).
func (w *escrowWorld) checkJob(j *worldJob, g *escrow.Job, now int64) {
	t := w.t
	require.Equal(t, j.r.key.PublicKey(), g.Renter)
	require.Equal(t, j.cluster, g.Cluster)
	require.Equal(t, chaintest.Must(protocol.Cost(g.PricePerHour, g.DeviceCount, uint64(g.DurationSecs))), g.Deposited, "the deposit is the cost of the whole duration")
	require.Equal(t, ended(g), g.EndedAt != 0, "ended_at is set when the job ends")
	switch g.State {
	case escrow.JobRunning, escrow.JobCompleted:
		require.True(t, started(g))
	case escrow.JobOpen, escrow.JobAssigned, escrow.JobExpired:
		require.False(t, started(g))
	}
	if !ended(g) {
		require.Zero(t, g.Refunded, "nothing is refunded before the end")
	}
	require.LessOrEqual(t, placesTaken(g), int(g.DeviceCount), "proposed and hired slots fit the places")

	var owed uint64 // what the slots may still be paid for their whole time on the job
	for i, s := range g.Slots {
		if i >= int(g.SlotCount) {
			require.Equal(t, escrow.Slot{}, s, "slot %d is past slot_count", i)
			continue
		}
		require.NotEqual(t, escrow.SlotEmpty, s.State, "slot %d", i)
		require.LessOrEqual(t, s.PaidSecs, s.VerifiedSecs, "slot %d: paid <= verified", i)
		require.LessOrEqual(t, s.VerifiedSecs, uint64(capAt(g, s, now)), "slot %d: verified <= its time on the job", i)
		require.True(t, w.honest(g, i, s.VerifiedSecs), "slot %d: verified %d is not within the band of an honest value", i, s.VerifiedSecs)
		if ended(g) {
			require.False(t, active(s.State), "slot %d of an ended job is still on it", i)
		}
		if s.JoinedAt != 0 {
			require.GreaterOrEqual(t, s.JoinedAt, g.StartedAt, "slot %d joined before the start", i)
		}
		owed += chaintest.Must(protocol.Pay(g, s.PaidSecs, uint64(capAt(g, s, math.MaxInt64)))).Gross
	}
	vault := w.e.TokenBalance(t, g.Vault)
	if ended(g) {
		require.Equal(t, owed, vault, "an ended job holds exactly what its slots may still be paid")
	} else {
		require.GreaterOrEqual(t, vault, owed, "the vault covers every slot's whole time")
	}

	prev := j.last
	if prev == nil {
		return
	}
	require.GreaterOrEqual(t, g.State, prev.State, "the job's state went back")
	if ended(prev) {
		require.Equal(t, prev.State, g.State, "an ended job changed state")
		require.Equal(t, prev.DurationSecs, g.DurationSecs)
	}
	for _, f := range []struct {
		name    string
		was, is uint64
	}{
		{"deposited", prev.Deposited, g.Deposited}, {"paid_out", prev.PaidOut, g.PaidOut},
		{"fees_treasury", prev.FeesTreasury, g.FeesTreasury}, {"fees_burned", prev.FeesBurned, g.FeesBurned},
		{"refunded", prev.Refunded, g.Refunded}, {"slot_count", uint64(prev.SlotCount), uint64(g.SlotCount)},
		{"last_usage_window", prev.LastUsageWindow, g.LastUsageWindow},
	} {
		require.GreaterOrEqual(t, f.is, f.was, "%s decreased", f.name)
	}
	for _, at := range []struct {
		name    string
		was, is int64
	}{{"created_at", prev.CreatedAt, g.CreatedAt}, {"started_at", prev.StartedAt, g.StartedAt}, {"ended_at", prev.EndedAt, g.EndedAt}} {
		if at.was != 0 {
			require.Equal(t, at.was, at.is, "%s changed", at.name)
		}
	}
	for i, p := range prev.Slots[:prev.SlotCount] {
		s := g.Slots[i]
		require.Equal(t, p.Device, s.Device, "slot %d: device changed", i)
		require.GreaterOrEqual(t, s.State, p.State, "slot %d: state went back", i)
		require.GreaterOrEqual(t, s.PaidSecs, p.PaidSecs, "slot %d: paid decreased", i)
		require.GreaterOrEqual(t, s.VerifiedSecs, p.VerifiedSecs, "slot %d: verified decreased", i)
		if p.JoinedAt != 0 {
			require.Equal(t, p.JoinedAt, s.JoinedAt, "slot %d: joined_at changed", i)
		}
		if !p.Payout.IsZero() {
			require.Equal(t, p.Payout, s.Payout, "slot %d: payout changed", i)
		}
		if p.State == escrow.SlotLeft {
			unpaid := s
			unpaid.VerifiedSecs, unpaid.PaidSecs = p.VerifiedSecs, p.PaidSecs
			require.Equal(t, p, unpaid, "slot %d: a slot that left changed but for its pay", i)
		}
	}
}
