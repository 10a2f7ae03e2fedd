package protocol

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
)

func TestProofSpanMirrorsTheRegistry(t *testing.T) {
	p := &registry.ConfigParams{ProofWindowSecs: 10, MaxProofAgeSecs: 30, VoteDeadlineSecs: 4}
	tests := []struct {
		name   string
		device registry.Device
		window uint64
		from   uint64
	}{
		{"registered mid-window: from that window's start", registry.Device{RegisteredAt: 1_003}, 101, 1_000},
		{"registered after the window: the window alone", registry.Device{RegisteredAt: 1_055}, 101, 1_010},
		{"since the last counted window", registry.Device{RegisteredAt: 1, LastProofWindow: 99}, 101, 1_000},
		{"capped at the maximum age", registry.Device{RegisteredAt: 1, LastProofWindow: 90}, 101, 990},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			times, err := ProofSpan(p, &tc.device, tc.window)
			require.NoError(t, err)
			require.Equal(t, ProofTimes{Start: 1_010, End: 1_020, Deadline: 1_024, Span: 1_020 - tc.from}, times)
			require.Equal(t, tc.from, times.From())
			require.False(t, times.Countable(1_023))
			require.True(t, times.Countable(1_024))
		})
	}
	_, err := ProofSpan(&registry.ConfigParams{MaxProofAgeSecs: 30}, &registry.Device{}, 1)
	require.ErrorIs(t, err, registry.ErrInvalidConfigParams) // the C would divide by zero
	require.False(t, ProofTimes{}.Countable(-1))
}

// proofCase is one case for the registry oracle's proof rules.
type proofCase struct {
	params      registry.ConfigParams
	device      registry.Device
	window      uint64
	now         int64
	proof       registry.ProofWindow
	fingerprint uint64
}

// wideInt is an i64 with the edges likely: 0, small either side, the extremes, anything.
func wideInt(r *rand.Rand) int64 {
	switch r.IntN(5) {
	case 0:
		return []int64{0, 1, -1, math.MaxInt64, math.MinInt64}[r.IntN(5)]
	case 1:
		return r.Int64N(2_000_000) - 1_000_000
	default:
		return int64(wide(r))
	}
}

func randomProofCase(r *rand.Rand) proofCase {
	var c proofCase
	p := &c.params
	n := uint64(1 + r.IntN(3_600))
	if r.IntN(8) == 0 { // past the u64 products, or negative (cast to u64 as the C does); never 0
		n = max(1, wide(r))
	}
	p.ProofWindowSecs = int64(n)
	p.MaxProofAgeSecs = int64(around(r, n*uint64(1+r.IntN(10))))
	p.VoteDeadlineSecs = r.Int64N(1_000)
	if r.IntN(8) == 0 {
		p.MaxProofAgeSecs, p.VoteDeadlineSecs = wideInt(r), wideInt(r)
	}
	c.window = r.Uint64N(1 << 30)
	if r.IntN(8) == 0 {
		c.window = around(r, math.MaxUint64/n)
	}
	start := c.window * n     // wraps where the C overflows
	m := int64(min(n, 1<<30)) // a window's length, bounded for the offsets
	d := &c.device
	switch r.IntN(6) { // registered before, in, at the end of, after the window, at 0, anywhere
	case 0:
		d.RegisteredAt = int64(start) - r.Int64N(20*m)
	case 1:
		d.RegisteredAt = int64(start) + r.Int64N(m)
	case 2:
		d.RegisteredAt = int64(around(r, start+n))
	case 3:
		d.RegisteredAt = int64(start) + r.Int64N(20*m)
	case 4:
		d.RegisteredAt = 0
	default:
		d.RegisteredAt = wideInt(r)
	}
	switch r.IntN(4) { // never counted, counted recently (or this window, or later), long ago, anything
	case 0:
		d.LastProofWindow = 0
	case 1:
		d.LastProofWindow = around(r, c.window-min(c.window, 1))
	case 2:
		d.LastProofWindow = c.window - min(c.window, r.Uint64N(40))
	default:
		d.LastProofWindow = wide(r)
	}
	d.Status = uint8(r.UintN(6))
	end := int64(start + n)
	switch r.IntN(5) { // the window's end, its start plus the age cap, either side, anything
	case 0, 1:
		c.now = int64(around(r, uint64(end)))
	case 2:
		c.now = int64(around(r, start+uint64(p.MaxProofAgeSecs)))
	case 3:
		c.now = end + r.Int64N(40*m)
	default:
		c.now = wideInt(r)
	}
	w := &c.proof
	w.Window = around(r, c.window)
	w.Base = d.LastProofWindow
	if r.IntN(3) == 0 {
		w.Base = around(r, d.LastProofWindow)
	}
	c.fingerprint = r.Uint64()
	w.OracleSet = c.fingerprint
	if r.IntN(4) == 0 {
		w.OracleSet = r.Uint64()
	}
	return c
}

func proofLine(c *proofCase) string {
	p, d, w := &c.params, &c.device, &c.proof
	return fmt.Sprintf("window %d %d %d %d %d %d %d %d %d %d %d %d", p.ProofWindowSecs, p.MaxProofAgeSecs,
		p.VoteDeadlineSecs, d.RegisteredAt, d.LastProofWindow, d.Status, c.window, c.now, w.Window, w.Base,
		w.OracleSet, c.fingerprint)
}

// TestProofRulesMatchC: ProofSpan, CheckProofWindow and ProofCurrent give the host-compiled
// C's answers (registry_proof_times, submit_proof.c's check_window, registry_proof_current)
// on 100,000 random windows, devices and clocks, the u64 and i64 extremes included.
func TestProofRulesMatchC(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 5))
	cases := make([]proofCase, oracleCases)
	lines := make([]string, oracleCases)
	for i := range lines {
		cases[i] = randomProofCase(r)
		lines[i] = proofLine(&cases[i])
	}
	answers := askOracle(t, "registry", lines)
	outcomes := map[string]int{}
	for i, answer := range answers {
		c := &cases[i]
		times, spanErr := ProofSpan(&c.params, &c.device, c.window)
		checked, checkErr := CheckProofWindow(&c.params, &c.device, c.window, c.now)
		current := ProofCurrent(&c.proof, &c.device, c.fingerprint)
		want := fmt.Sprintf("%d %d %d %d %d %d %d %d %d %d %d", code(t, spanErr), times.Start, times.End, times.Deadline,
			times.Span, code(t, checkErr), checked.Start, checked.End, checked.Deadline, checked.Span, b2i(current))
		require.Equal(t, answer, want, "case %d: %s", i, lines[i])

		outcomes["span "+errName(spanErr)]++
		outcomes["check "+errName(checkErr)]++
		if errors.Is(checkErr, registry.ErrStaleProof) && c.window > c.device.LastProofWindow {
			outcomes["check StaleProof too old"]++
		}
		outcomes[fmt.Sprint("current ", current)]++
		if spanErr == nil {
			switch {
			case times.Span == uint64(c.params.MaxProofAgeSecs) && times.Span < times.End:
				outcomes["span capped"]++
			case c.device.LastProofWindow == 0 && times.From() == times.Start:
				outcomes["span from the window"]++
			case c.device.LastProofWindow == 0:
				outcomes["span from registration"]++
			case times.Span == 0:
				outcomes["span empty"]++
			default:
				outcomes["span from the last counted"]++
			}
		}
	}
	t.Logf("proof outcomes over %d cases: %v", oracleCases, outcomes)
	for _, name := range []string{"span ok", "span ArithmeticOverflow", "span capped", "span from the window",
		"span from registration", "span from the last counted", "span empty", "check ok", "check ArithmeticOverflow",
		"check ProofWindowNotClosed", "check StaleProof", "check StaleProof too old", "current true", "current false"} {
		require.Greater(t, outcomes[name], 100, "too few %q cases", name)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
