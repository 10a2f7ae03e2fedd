package protocol

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/programerr"
	"github.com/gpunet/gpunet/client/registry"
)

// oracleCases is how many random cases each program's C oracle answers.
const oracleCases = 100_000

// repoRoot is the repository root, from this package's directory.
const repoRoot = "../.."

// askOracle builds the C oracle of program (`make oracles`), writes it the cases, one a line,
// and returns its answers, one a line.
func askOracle(t *testing.T, program string, cases []string) []string {
	t.Helper()
	build := exec.Command("make", "-s", "oracles")
	build.Dir = repoRoot
	out, err := build.CombinedOutput()
	require.NoError(t, err, "make oracles: %s", out)

	cmd := exec.Command(filepath.Join(repoRoot, "target", "oracle", program+"-oracle"))
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	written := make(chan error, 1)
	go func() {
		w := bufio.NewWriter(stdin)
		for _, c := range cases {
			if _, err := io.WriteString(w, c+"\n"); err != nil {
				written <- err
				return
			}
		}
		if err := w.Flush(); err != nil {
			written <- err
			return
		}
		written <- stdin.Close()
	}()
	var answers []string
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		answers = append(answers, lines.Text())
	}
	require.NoError(t, lines.Err())
	require.NoError(t, <-written)
	require.NoError(t, cmd.Wait(), "%s oracle: %s", program, stderr.String())
	require.Len(t, answers, len(cases))
	return answers
}

// code is the program error code of err, 0 for nil.
func code(t *testing.T, err error) uint32 {
	if err == nil {
		return 0
	}
	var named *programerr.Error
	require.ErrorAs(t, err, &named)
	return named.Code
}

// wide is a u64 with the edges likely: 0, 1, small, large, near the top, anything.
func wide(r *rand.Rand) uint64 {
	switch r.IntN(6) {
	case 0:
		return uint64(r.IntN(2))
	case 1:
		return r.Uint64N(1_000_000)
	case 2:
		return r.Uint64N(1 << 40)
	case 3:
		return math.MaxUint64 - r.Uint64N(1_000_000)
	default:
		return r.Uint64()
	}
}

// around is a value at, just below or just above target, or wide.
func around(r *rand.Rand, target uint64) uint64 {
	switch r.IntN(4) {
	case 0:
		return target
	case 1:
		return target - min(target, r.Uint64N(3))
	case 2:
		return target + min(math.MaxUint64-target, r.Uint64N(3))
	default:
		return wide(r)
	}
}

func randomRegistryCase(r *rand.Rand) (registry.Config, registry.Device) {
	var c registry.Config
	var d registry.Device
	if r.IntN(4) == 0 {
		c.Paused = uint8(r.UintN(256))
	}
	p := &c.Params
	p.BaseStake = wide(r)
	p.ProbationSecs = int64(r.Uint64N(1_000_000)) - 1_000
	p.HardwareClassCount = uint8(r.UintN(uint(len(p.HardwareClasses)) + 4))
	for i := range p.HardwareClasses {
		mult := []uint32{0, 5_000, registry.Bps, registry.Bps + 1, 15_000, 100_000, r.Uint32()}[r.IntN(7)]
		p.HardwareClasses[i] = registry.HardwareClass{Model: r.Uint32N(8), MultiplierBps: mult}
	}
	d.Status = uint8(r.UintN(6))
	d.Spec.HardwareModel = r.Uint32N(10)
	minimum, err := MinStake(p, d.Spec.HardwareModel)
	if err != nil {
		minimum = wide(r)
	}
	d.Stake = around(r, minimum)
	if r.IntN(4) == 0 {
		d.PendingSlashes = uint16(r.UintN(3))
	}
	if r.IntN(4) == 0 {
		d.CurrentJob[0] = 1
	}
	d.ProvenUptimeSecs = around(r, uint64(max(p.ProbationSecs, 0)))
	return c, d
}

func registryLine(c *registry.Config, d *registry.Device) string {
	p := &c.Params
	var b strings.Builder
	fmt.Fprintf(&b, "hire %d %d %d %d %d %d %d %d %d %d", c.Paused, d.Status, d.Stake, d.Spec.HardwareModel,
		d.PendingSlashes, d.CurrentJob[0], d.ProvenUptimeSecs, p.ProbationSecs, p.BaseStake, p.HardwareClassCount)
	for _, h := range p.HardwareClasses {
		fmt.Fprintf(&b, " %d %d", h.Model, h.MultiplierBps)
	}
	return b.String()
}

// TestRegistryRulesMatchC: Hireable, MinStake and NextStatus give the host-compiled C's
// answers (registry_view_hireable, registry_view_min_stake, registry_refresh_status) on
// 100,000 random devices and configs, and NotHireable's first reason is Hireable's error.
func TestRegistryRulesMatchC(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 1))
	configs := make([]registry.Config, oracleCases)
	devices := make([]registry.Device, oracleCases)
	lines := make([]string, oracleCases)
	for i := range lines {
		configs[i], devices[i] = randomRegistryCase(r)
		lines[i] = registryLine(&configs[i], &devices[i])
	}
	answers := askOracle(t, "registry", lines)
	outcomes := map[string]int{}
	for i, answer := range answers {
		c, d := &configs[i], &devices[i]
		hire := Hireable(c, d)
		minimum, err := MinStake(&c.Params, d.Spec.HardwareModel)
		want := fmt.Sprintf("%d %d %d %d", code(t, hire), code(t, err), minimum, NextStatus(d, &c.Params))
		require.Equal(t, answer, want, "case %d: %s", i, lines[i])
		reasons := NotHireable(c, d)
		if hire == nil {
			require.Empty(t, reasons, "case %d", i)
			outcomes["hireable"]++
		} else {
			require.Same(t, hire, reasons[0], "case %d", i)
			outcomes[reasons[0].Name]++
		}
	}
	t.Logf("hireability outcomes over %d cases: %v", oracleCases, outcomes)
	for _, name := range []string{"hireable", "ProgramPaused", "DeviceNotHireable", "StakeBelowMinimum",
		"UnknownHardwareClass", "ArithmeticOverflow"} {
		require.Greater(t, outcomes[name], 100, "too few %s cases", name)
	}
}

func randomJob(r *rand.Rand) escrow.Job {
	var j escrow.Job
	j.PricePerHour = r.Uint64N(1 << 32)
	if r.IntN(4) == 0 {
		j.PricePerHour = wide(r)
	}
	j.DeviceCount = uint8(r.UintN(256))
	j.DurationSecs = int64(r.Uint64N(1 << 40))
	j.FeeBps = uint16(r.UintN(uint(escrow.Bps) + 1))
	j.FeeBurnBps = uint16(r.UintN(uint(escrow.Bps) + 1))
	if r.IntN(8) == 0 {
		j.FeeBps, j.FeeBurnBps = uint16(r.Uint32()), uint16(r.Uint32())
	}
	j.StartedAt = int64(r.Uint64N(1 << 40))
	if r.IntN(2) == 0 {
		j.EndedAt = j.StartedAt + int64(r.Uint64N(1<<20))
	}
	j.Deposited = wide(r)
	j.PaidOut, j.FeesTreasury, j.FeesBurned, j.Refunded = wide(r)>>2, wide(r)>>2, wide(r)>>2, wide(r)>>2
	if r.IntN(2) == 0 {
		j.PaidOut, j.FeesTreasury, j.FeesBurned, j.Refunded = 0, 0, 0, 0
	}
	j.SlotCount = uint8(r.UintN(uint(escrow.MaxSlots) + 1))
	odd := r.IntN(8) == 0 // seconds paid past what a slot may earn
	for i := range j.Slots[:j.SlotCount] {
		s := &j.Slots[i]
		s.State = uint8(r.UintN(5))
		s.LeftAt = int64(r.Uint64N(1 << 20))
		if r.IntN(4) > 0 {
			s.JoinedAt = j.StartedAt + int64(r.Uint64N(1<<20))
			s.LeftAt = s.JoinedAt + int64(r.Uint64N(1<<20)) - 1_000
			s.VerifiedSecs = r.Uint64N(1 << 19)
			s.PaidSecs = r.Uint64N(s.VerifiedSecs + 1)
		}
		if odd {
			s.PaidSecs = around(r, s.VerifiedSecs)
		}
	}
	return j
}

func escrowLine(j *escrow.Job, from, to uint64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "arith %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d", j.PricePerHour, j.DeviceCount,
		j.DurationSecs, j.FeeBps, j.FeeBurnBps, j.StartedAt, j.EndedAt, j.Deposited, j.PaidOut, j.FeesTreasury,
		j.FeesBurned, j.Refunded, from, to, j.SlotCount)
	for _, s := range j.Slots[:j.SlotCount] {
		fmt.Fprintf(&b, " %d %d %d %d %d", s.State, s.JoinedAt, s.LeftAt, s.VerifiedSecs, s.PaidSecs)
	}
	return b.String()
}

// TestJobArithmeticMatchesC: Cost, Pay, Held and Reserve give the host-compiled C's answers
// (escrow_cost, escrow_pay, escrow_held, escrow_reserve) on 100,000 random jobs.
func TestJobArithmeticMatchesC(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 2))
	jobs := make([]escrow.Job, oracleCases)
	spans := make([][2]uint64, oracleCases)
	lines := make([]string, oracleCases)
	for i := range lines {
		jobs[i] = randomJob(r)
		spans[i] = [2]uint64{wide(r), wide(r)}
		if r.IntN(2) == 0 {
			spans[i] = [2]uint64{r.Uint64N(1 << 21), r.Uint64N(1 << 21)}
		}
		if r.IntN(4) > 0 && spans[i][0] > spans[i][1] {
			spans[i] = [2]uint64{spans[i][1], spans[i][0]}
		}
		lines[i] = escrowLine(&jobs[i], spans[i][0], spans[i][1])
	}
	answers := askOracle(t, "escrow", lines)
	failed := [4]int{}
	for i, answer := range answers {
		j := &jobs[i]
		cost, costErr := Cost(j.PricePerHour, j.DeviceCount, uint64(j.DurationSecs))
		pay, payErr := Pay(j, spans[i][0], spans[i][1])
		held, heldErr := Held(j)
		reserve, reserveErr := Reserve(j)
		want := fmt.Sprintf("%d %d %d %d %d %d %d %d %d %d %d", code(t, costErr), cost, code(t, payErr), pay.Gross,
			pay.Payout, pay.FeeTreasury, pay.FeeBurned, code(t, heldErr), held, code(t, reserveErr), reserve)
		require.Equal(t, answer, want, "case %d: %s", i, lines[i])
		for k, err := range []error{costErr, payErr, heldErr, reserveErr} {
			if err != nil {
				failed[k]++
			}
		}
	}
	t.Logf("overflows over %d cases (cost, pay, held, reserve): %v", oracleCases, failed)
	for k, n := range failed {
		require.Greater(t, n, 100, "too few overflows of rule %d", k)
		require.Less(t, n, oracleCases-10_000, "too few successes of rule %d", k)
	}
}

// TestAsksMatchC: AcceptsPrice gives the host-compiled C's answer (escrow_check_ask) on
// 100,000 random asks and prices, most of them at, just below or just above the ask.
func TestAsksMatchC(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 4))
	type askCase struct {
		d     registry.Device
		mint  Mint
		price uint64
	}
	cases := make([]askCase, oracleCases)
	lines := make([]string, oracleCases)
	for i := range cases {
		c := &cases[i]
		asks := [2]uint32{}
		for k := range asks {
			asks[k] = []uint32{0, 1, 450, r.Uint32(), math.MaxUint32}[r.IntN(5)]
		}
		c.d.AskIosd, c.d.AskIo = asks[0], asks[1]
		c.mint = Mint(r.IntN(2))
		ask := uint64(c.d.AskIosd)
		if c.mint == MintIO {
			ask = uint64(c.d.AskIo)
		}
		c.price = around(r, ask*registry.AskUnit)
		lines[i] = fmt.Sprintf("ask %d %d %d %d", c.d.AskIosd, c.d.AskIo, c.mint, c.price)
	}
	answers := askOracle(t, "escrow", lines)
	outcomes := map[string]int{}
	for i, answer := range answers {
		c := &cases[i]
		err := AcceptsPrice(&c.d, c.mint, c.price)
		require.Equal(t, answer, fmt.Sprint(code(t, err)), "case %d: %s", i, lines[i])
		outcomes[fmt.Sprintf("%d %s", c.mint, errName(err))]++
	}
	t.Logf("ask outcomes over %d cases (mint, error): %v", oracleCases, outcomes)
	for _, name := range []string{"0 ok", "0 PriceBelowAsk", "1 ok", "1 PriceBelowAsk", "1 IoNotAccepted"} {
		require.Greater(t, outcomes[name], 100, "too few %q cases", name)
	}
}

// economyCase is one case for the economy's oracle: a conversion and an advance_epoch.
type economyCase struct {
	price, conf, amount uint64
	config              economy.Config
	now                 int64
	maxEpochs           uint8
}

func randomEconomyCase(r *rand.Rand) economyCase {
	var e economyCase
	e.price = r.Uint64N(1 << 40)
	e.conf = r.Uint64N(e.price/4 + 1)
	e.amount = r.Uint64N(1 << 50)
	if r.IntN(4) == 0 {
		e.conf = around(r, e.price/2)
	}
	if r.IntN(4) == 0 {
		e.price, e.conf, e.amount = wide(r), wide(r), wide(r)
	}
	c := &e.config
	p := &c.Params
	p.GenesisTime = int64(r.Uint64N(1 << 40))
	p.EpochSecs = 1 + int64(r.Uint64N(1_000_000))
	p.EpochsPerMonth = 1 + r.Uint32N(1_000)
	p.MonthlyDecayE9 = r.Uint64N(economy.E9 + 1)
	p.CommunityBps = uint16(r.UintN(uint(economy.Bps) + 1))
	p.NetEmissionLimit = r.Uint64N(1 << 40)
	c.EmissionBudget = r.Uint64N(1 << 50)
	c.TotalScheduled = around(r, c.EmissionBudget) >> r.UintN(2)
	c.NextEpoch = r.Uint64N(1 << 20)
	month := c.NextEpoch / uint64(p.EpochsPerMonth)
	c.Month = month - min(month, r.Uint64N(30)) // the C steps month by month up to the epoch's
	c.MonthEmission = r.Uint64N(1 << 50)
	c.IoBurned, c.IoRedeemed, c.TotalAddedBack = r.Uint64N(1<<40), r.Uint64N(1<<40), r.Uint64N(1<<40)
	c.ProviderPoolTotal, c.CommunityAccrued = r.Uint64N(1<<60), r.Uint64N(1<<60)
	if r.IntN(8) == 0 { // the edges: overflows, decay past 100%, shares past 100%, genesis in the far past or future
		p.GenesisTime, p.EpochSecs = int64(wide(r)), int64(wide(r)>>r.UintN(64))
		p.EpochsPerMonth = max(1, r.Uint32())
		p.MonthlyDecayE9, p.CommunityBps = around(r, economy.E9), uint16(r.Uint32())
		p.NetEmissionLimit, c.EmissionBudget, c.MonthEmission = wide(r), wide(r), wide(r)
		c.ProviderPoolTotal, c.CommunityAccrued, c.TotalScheduled = wide(r), wide(r), wide(r)
		c.IoBurned, c.IoRedeemed, c.TotalAddedBack = wide(r), wide(r), wide(r)
		c.Month = c.NextEpoch / uint64(p.EpochsPerMonth)
	}
	end, err := EpochEnd(p, c.NextEpoch)
	if err != nil {
		end = uint64(p.GenesisTime)
	}
	e.now = int64(end) + (int64(r.IntN(30))-3)*p.EpochSecs + int64(r.IntN(3)) - 1
	if r.IntN(16) == 0 {
		e.now = int64(wide(r))
	}
	e.maxEpochs = uint8(r.UintN(uint(economy.MaxEpochsPerCall) + 2))
	return e
}

func economyLine(e *economyCase) string {
	c := &e.config
	p := &c.Params
	return fmt.Sprintf("arith %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d", e.price, e.conf, e.amount,
		p.GenesisTime, p.EpochSecs, p.EpochsPerMonth, p.MonthlyDecayE9, p.CommunityBps, p.NetEmissionLimit,
		c.EmissionBudget, c.NextEpoch, c.Month, c.MonthEmission, c.TotalScheduled, c.TotalAddedBack, c.IoBurned,
		c.IoRedeemed, c.ProviderPoolTotal, c.CommunityAccrued, e.now, e.maxEpochs)
}

// TestEconomyArithmeticMatchesC: IOSDForIO, IOForIOSD, EpochEnd and AdvanceEpochs give the
// host-compiled C's answers (convert.c's value both ways, economy_epoch_end, the Config
// advance_epoch leaves) on 100,000 random conversions and Configs, and AdvanceEpochs' events
// add up to what it moved.
func TestEconomyArithmeticMatchesC(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 3))
	cases := make([]economyCase, oracleCases)
	lines := make([]string, oracleCases)
	for i := range lines {
		cases[i] = randomEconomyCase(r)
		lines[i] = economyLine(&cases[i])
	}
	answers := askOracle(t, "economy", lines)
	outcomes := map[string]int{}
	for i, answer := range answers {
		e := &cases[i]
		iosd, burnErr := IOSDForIO(e.price, e.conf, e.amount)
		io, redeemErr := IOForIOSD(e.price, e.conf, e.amount)
		end, endErr := EpochEnd(&e.config.Params, e.config.NextEpoch)
		before, after := e.config, e.config
		events, advanceErr := AdvanceEpochs(&after, e.now, e.maxEpochs)
		left := after
		if advanceErr != nil {
			require.Equal(t, before, after, "case %d: a failed advance changed the Config", i)
			left = economy.Config{}
		}
		want := fmt.Sprintf("%d %d %d %d %d %d %d %d %d %d %d %d %d %d", code(t, burnErr), iosd, code(t, redeemErr), io,
			code(t, endErr), end, code(t, advanceErr), left.NextEpoch, left.Month, left.MonthEmission, left.TotalScheduled,
			left.TotalAddedBack, left.ProviderPoolTotal, left.CommunityAccrued)
		require.Equal(t, answer, want, "case %d: %s", i, lines[i])
		var moved economy.EpochAdvanced
		for k, ev := range events {
			require.Equal(t, before.NextEpoch+uint64(k), ev.Epoch, "case %d", i)
			moved = economy.EpochAdvanced{Scheduled: moved.Scheduled + ev.Scheduled, AddedBack: moved.AddedBack + ev.AddedBack,
				Provider: moved.Provider + ev.Provider, Community: moved.Community + ev.Community}
		}
		if advanceErr == nil {
			require.Equal(t, economy.EpochAdvanced{Scheduled: after.TotalScheduled - before.TotalScheduled,
				AddedBack: after.TotalAddedBack - before.TotalAddedBack, Provider: after.ProviderPoolTotal - before.ProviderPoolTotal,
				Community: after.CommunityAccrued - before.CommunityAccrued}, moved, "case %d", i)
		}
		for name, err := range map[string]error{"burn": burnErr, "redeem": redeemErr, "advance": advanceErr} {
			outcomes[name+" "+errName(err)]++
		}
		if advanceErr == nil && len(events) > 1 {
			outcomes["advance several"]++
		}
	}
	t.Logf("economy outcomes over %d cases: %v", oracleCases, outcomes)
	for _, name := range []string{"burn ok", "burn PriceTooUncertain", "burn ArithmeticOverflow", "redeem ok",
		"redeem ArithmeticOverflow", "advance ok", "advance several", "advance EpochNotDue", "advance InvalidEpochCount",
		"advance ArithmeticOverflow"} {
		require.Greater(t, outcomes[name], 100, "too few %q cases", name)
	}
}
