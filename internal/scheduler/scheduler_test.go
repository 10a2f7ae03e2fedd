package scheduler

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/programerr"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/protocol"
)

const germany, france = 276, 250

// dev is a hireable H100 in Germany on tier 1 with 80 GiB, reputation 5000, throughput 100 and
// asks of 1 IOSD and 2 IO an hour, at address n, changed by edits.
func dev(n byte, edits ...func(*Candidate)) Candidate {
	c := Candidate{
		Address:    solana.PublicKey{31: n},
		Spec:       registry.DeviceSpec{HardwareModel: registry.ModelH100, VramGib: 80, GpuCount: 1, Region: germany, BandwidthTier: 1},
		Status:     registry.StatusActive,
		Reputation: 5000, Throughput: 100, AskIOSD: 1_000_000, AskIO: 200_000_000,
	}
	for _, e := range edits {
		e(&c)
	}
	return c
}

func ask(iosd uint64) func(*Candidate) { return func(c *Candidate) { c.AskIOSD = iosd } }
func throughput(t uint64) func(*Candidate) {
	return func(c *Candidate) { c.Throughput = t }
}
func reputation(r uint16) func(*Candidate) { return func(c *Candidate) { c.Reputation = r } }
func region(r uint16) func(*Candidate)     { return func(c *Candidate) { c.Spec.Region = r } }
func tier(t uint8) func(*Candidate)        { return func(c *Candidate) { c.Spec.BandwidthTier = t } }
func status(s uint8, why ...*programerr.Error) func(*Candidate) {
	return func(c *Candidate) { c.Status, c.NotHireable = s, why }
}

// req asks for count H100s at up to 10 IOSD an hour for 2 hours.
func req(count int, edits ...func(*Request)) Request {
	r := Request{Class: registry.ModelH100, Count: count, Mint: IOSD, MaxPrice: 10_000_000, Hours: 2}
	for _, e := range edits {
		e(&r)
	}
	return r
}

func addresses(devices []Device) []byte {
	out := []byte{}
	for _, d := range devices {
		out = append(out, d.Address[31])
	}
	return out
}

func match(t *testing.T, r Request, cands ...Candidate) *Result {
	res, err := Match(r, cands)
	require.NoError(t, err)
	return res
}

// Price per attested throughput first (exactly: 3/30 ties 1/10), then reputation, then the
// address; no attested throughput ranks last, the cheaper first.
func TestRanking(t *testing.T) {
	res := match(t, req(7),
		dev(1, ask(3), throughput(30), reputation(4000)), // 0.1 per unit
		dev(2, ask(1), throughput(10), reputation(6000)), // 0.1, better reputation
		dev(3, ask(1), throughput(10), reputation(6000)), // the same, higher address
		dev(4, ask(5), throughput(0)),                    // no attested throughput
		dev(5, ask(0), throughput(1)),                    // any price
		dev(6, ask(2), throughput(0)),
		dev(7, ask(1), throughput(9)), // 0.111...
	)
	require.Equal(t, []byte{5, 2, 3, 1, 7, 6, 4}, addresses(res.Devices))
	require.Equal(t, 7, res.Matched)
	require.Empty(t, res.Exclusions)
	require.True(t, res.Enough())
	require.Equal(t, uint64(5), Price(res.Devices, 10_000_000))

	// IO ranks by the IO asks.
	res = match(t, req(2, func(r *Request) { r.Mint = IO; r.MaxPrice = math.MaxUint64 }),
		dev(1, func(c *Candidate) { c.AskIO = 9 }), dev(2, func(c *Candidate) { c.AskIO = 8 }))
	require.Equal(t, []byte{2, 1}, addresses(res.Devices))
	require.Equal(t, []uint64{8, 9}, []uint64{res.Devices[0].Ask, res.Devices[1].Ask})
}

// The comparison is exact on 128-bit products: asks and throughputs near 2^64 neither overflow
// nor round.
func TestComparePerThroughputExtremes(t *testing.T) {
	big := uint64(math.MaxUint64)
	for _, c := range []struct {
		a, b entry
		want int
	}{
		{entry{ask: big, throughput: big}, entry{ask: big - 1, throughput: big}, 1},
		{entry{ask: big - 1, throughput: big}, entry{ask: big - 2, throughput: big - 1}, 1}, // (x-1)/x grows with x
		{entry{ask: big, throughput: 1}, entry{ask: 1, throughput: big}, 1},
		{entry{ask: 2, throughput: 6}, entry{ask: 1, throughput: 3}, 0},
		{entry{ask: 0, throughput: 0}, entry{ask: big, throughput: 1}, 1},
		{entry{ask: 0, throughput: 0}, entry{ask: 1, throughput: 0}, -1},
		{entry{ask: 0, throughput: 5}, entry{ask: 0, throughput: 7}, 0},
	} {
		require.Equal(t, c.want, comparePerThroughput(c.a, c.b), "%+v vs %+v", c.a, c.b)
		require.Equal(t, -c.want, comparePerThroughput(c.b, c.a))
	}
}

// A request a group fills alone is served by the group whose dearest needed device ranks best,
// even when another group has the single best device; otherwise the larger groups come first.
func TestCoLocation(t *testing.T) {
	cands := []Candidate{
		dev(1, ask(1)),                 // France tier 1: the best device, alone
		dev(2, ask(5)), dev(3, ask(6)), // Germany tier 1: two, dearest 6
		dev(4, ask(2), tier(0)),        // Germany tier 0: two, dearest 7
		dev(5, ask(7), tier(0)),        //
		dev(6, ask(3), region(france)), // France tier 1 (with 1)
		dev(7, ask(2), region(france)), //
		dev(8, ask(4), region(france)), //
		dev(9, ask(2), region(france), tier(2)),
	}
	cands[0].Spec.Region = france
	res := match(t, req(2), cands...)
	require.Equal(t, []byte{1, 7}, addresses(res.Devices)) // France tier 1: dearest 2
	require.Equal(t, []int{0, 0}, []int{res.Devices[0].Group, res.Devices[1].Group})

	// Four: only France tier 1 (1, 7, 6, 8) holds four.
	res = match(t, req(4), cands...)
	require.Equal(t, []byte{1, 7, 6, 8}, addresses(res.Devices))

	// Seven: no group holds seven; the largest first (France tier 1, four), then the two-device
	// groups by their best device (Germany tier 0's 2 before Germany tier 1's 5), never split
	// within a group out of rank order.
	res = match(t, req(7), cands...)
	require.Equal(t, []byte{1, 7, 6, 8, 4, 5, 2}, addresses(res.Devices))
	require.Equal(t, []int{0, 0, 0, 0, 1, 1, 2}, groupsOf(res.Devices))

	// Only tier 0 wanted, at most 6.
	res = match(t, req(2, func(r *Request) { r.Tier = new(uint8); r.MaxPrice = 6 }), cands...)
	require.Equal(t, []byte{4}, addresses(res.Devices))
	require.Equal(t, []Exclusion{{SlowerTier, 7}, {AbovePrice, 1}}, res.Exclusions)
}

func groupsOf(devices []Device) []int {
	var out []int
	for _, d := range devices {
		out = append(out, d.Group)
	}
	return out
}

// Each device of the class counts once, under the first reason in the fixed order; devices
// of other classes are not counted at all.
func TestExclusions(t *testing.T) {
	cands := []Candidate{
		dev(1), // matches
		dev(2, region(france)), dev(3, region(france), status(registry.StatusProbation, registry.ErrDeviceNotHireable)),
		dev(4, tier(3)),
		dev(5, status(registry.StatusActive, registry.ErrProgramPaused, registry.ErrStakeBelowMinimum)),
		dev(6, status(registry.StatusProbation, registry.ErrDeviceNotHireable)),
		dev(7, status(registry.StatusHired, registry.ErrDeviceNotHireable)),
		dev(8, status(registry.StatusSuspended, registry.ErrDeviceNotHireable)),
		dev(9, status(registry.StatusDeregistered, registry.ErrDeviceNotHireable)),
		dev(10, status(registry.StatusActive, registry.ErrStakeBelowMinimum)),
		dev(11, status(registry.StatusActive, registry.ErrUnknownHardwareClass)),
		dev(12, status(registry.StatusActive, registry.ErrArithmeticOverflow)),
		dev(13, func(c *Candidate) { c.Liveness = Offline }),
		dev(14, func(c *Candidate) { c.Liveness = Online }), // matches
		dev(15, func(c *Candidate) { c.Spec.VramGib = 40; c.AskIO = 0 }),
		dev(16, func(c *Candidate) { c.AskIO = 0 }),
		dev(17, func(c *Candidate) { c.AskIO = 300_000_001; c.Reputation = 0 }),
		dev(18, reputation(999)),
		dev(19, func(c *Candidate) { c.Spec.HardwareModel = registry.ModelA100_80G }),
	}
	res := match(t, req(3, func(r *Request) {
		r.Region, r.Tier, r.MinVRAM, r.Mint, r.MaxPrice, r.MinReputation = germany, new(uint8(2)), 48, IO, 300_000_000, 1000
	}), cands...)
	require.Equal(t, 18, res.Considered)
	require.Equal(t, 2, res.Matched)
	require.Equal(t, []Exclusion{
		{OtherRegion, 2}, {SlowerTier, 1}, {RegistryPaused, 1}, {InProbation, 1}, {Hired, 1}, {Suspended, 1},
		{Deregistered, 1}, {StakeBelowMinimum, 1}, {UnknownClass, 1}, {NotHireable, 1}, {DeviceOffline, 1},
		{TooLittleVRAM, 1}, {RefusesMint, 1}, {AbovePrice, 1}, {LowReputation, 1},
	}, res.Exclusions)
	require.Equal(t, []byte{1, 14}, addresses(res.Devices))
	require.False(t, res.Enough())
	require.Equal(t, "18 devices of class h100: 2 in other regions, 1 on slower bandwidth tiers, "+
		"1 unhireable while the registry is paused, 1 in probation, 1 hired, 1 suspended, 1 deregistered, "+
		"1 staked below the minimum, 1 of a class the registry no longer lists, 1 not hireable, 1 offline, "+
		"1 with less VRAM, 1 refusing IO, 1 above your max price, 1 below your min reputation; 2 matching, 3 wanted",
		res.Explain())
	require.Equal(t, 1, res.Excluded(InProbation))
	require.Equal(t, 0, match(t, req(1), cands...).Excluded(OtherRegion))
}

// The example, and a class nobody registered.
func TestExplainTooFew(t *testing.T) {
	var cands []Candidate
	for i := range 12 {
		switch {
		case i < 7:
			cands = append(cands, dev(byte(i), ask(20_000_000)))
		case i < 10:
			cands = append(cands, dev(byte(i), region(france)))
		default:
			cands = append(cands, dev(byte(i), status(registry.StatusProbation, registry.ErrDeviceNotHireable)))
		}
	}
	res := match(t, req(4, func(r *Request) { r.Region = germany }), cands...)
	require.Equal(t, "12 devices of class h100: 3 in other regions, 2 in probation, 7 above your max price; 0 matching, 4 wanted", res.Explain())
	require.Empty(t, res.Devices)

	res = match(t, req(1, func(r *Request) { r.Class = registry.ModelB200 }), cands...)
	require.Equal(t, "0 devices of class b200; 0 matching, 1 wanted", res.Explain())
	require.Equal(t, &Result{Request: res.Request, Exclusions: []Exclusion{}, Devices: []Device{}}, res)
}

// The same candidates in any order give the same result.
func TestDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cands := randomCandidates(rng, 2000)
	requests := make([]Request, 50)
	for i := range requests {
		requests[i] = randomRequest(rng)
	}
	want := make([]*Result, len(requests))
	for i, r := range requests {
		var err error
		want[i], err = Match(r, cands)
		require.NoError(t, err)
	}
	for range 3 {
		shuffled := append([]Candidate(nil), cands...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		x := NewIndex(shuffled)
		for i, r := range requests {
			got, err := x.Match(r)
			require.NoError(t, err)
			require.Equal(t, want[i], got)
		}
	}
	var matched int
	for _, w := range want {
		matched += len(w.Devices)
	}
	require.Positive(t, matched) // the random requests do select devices
}

func TestRequestValidate(t *testing.T) {
	for _, c := range []struct {
		edit func(*Request)
		err  string
	}{
		{func(r *Request) { r.Count = 0 }, "bad request: count 0: want at least 1 device"},
		{func(r *Request) { r.Hours = 0 }, "bad request: want at least 1 hour"},
		{func(r *Request) { r.MaxPrice = 0 }, "bad request: a max price of 0 pays nothing"},
		{func(r *Request) { r.MinReputation = 10_001 }, "bad request: min reputation 10001: the scale ends at 10000"},
		{func(r *Request) { r.Mint = 2 }, "bad request: mint 2"},
	} {
		_, err := Match(req(1, c.edit), nil)
		require.ErrorIs(t, err, ErrBadRequest)
		require.EqualError(t, err, c.err)
	}
}

// The estimate is the escrow's arithmetic: a deposit per job of at most 16 devices, each
// floored, and each device's pay, fee and burn floored as settling does.
func TestCost(t *testing.T) {
	fees := escrow.ConfigParams{FeeBps: 250, FeeBurnBps: 5000}
	est, err := Cost(IOSD, 333_333, 17, 3, fees)
	require.NoError(t, err)
	perDevice := protocol.Split{Gross: 999_999, Payout: 975_000, FeeTreasury: 12_500, FeeBurned: 12_499}
	require.Equal(t, Estimate{Mint: IOSD, PricePerHour: 333_333, Devices: 17, Secs: 10_800, Jobs: 2,
		Deposit: 16*999_999 + 999_999, Payout: 17 * 975_000, FeeTreasury: 17 * 12_500, FeeBurned: 17 * 12_499, PerDevice: perDevice}, est)
	want, err := protocol.Pay(&escrow.Job{PricePerHour: 333_333, FeeBps: 250, FeeBurnBps: 5000}, 0, 10_800)
	require.NoError(t, err)
	require.Equal(t, want, est.PerDevice)

	// Rounding: 1 base unit an hour for 1 hour on one device pays 1 and no fee (floored).
	est, err = Cost(IO, 1, 1, 1, fees)
	require.NoError(t, err)
	require.Equal(t, protocol.Split{Gross: 1, Payout: 1}, est.PerDevice)
	require.Equal(t, uint64(1), est.Deposit)

	// Overflow: hours x 3600, the deposit, and devices x pay.
	for _, c := range []struct {
		price uint64
		count int
		hours uint64
	}{
		{1, 1, math.MaxUint64/3600 + 1},
		{math.MaxUint64, 2, 1},
		{math.MaxUint64 / 2, 17, 1},
	} {
		_, err := Cost(IOSD, c.price, c.count, c.hours, fees)
		require.ErrorIs(t, err, escrow.ErrArithmeticOverflow, "%+v", c)
	}
	_, err = Cost(IOSD, 1, 0, 1, fees)
	require.ErrorIs(t, err, ErrBadRequest)

	// The job price of a selection: the highest ask, or the renter's max when none names one.
	require.Equal(t, uint64(9), Price([]Device{{Ask: 0}, {Ask: 9}, {Ask: 3}}, 100))
	require.Equal(t, uint64(100), Price([]Device{{Ask: 0}}, 100))
}

func TestParse(t *testing.T) {
	for s, want := range map[string]uint32{"cpu": 0, "RTX4090": 1, "a100-80g": 2, "h100": 3, "H200": 4, "b200": 5} {
		got, err := ParseClass(s)
		require.NoError(t, err)
		require.Equal(t, want, got)
		require.Equal(t, want, must(ParseClass(ClassName(got))))
	}
	_, err := ParseClass("v100")
	require.EqualError(t, err, `class "v100": want one of cpu, rtx4090, a100-80g, h100, h200, b200`)
	require.Equal(t, "model 9", ClassName(9))
	require.Equal(t, IO, must(ParseMint("IO")))
	require.Equal(t, IOSD, must(ParseMint("iosd")))
	_, err = ParseMint("usdc")
	require.EqualError(t, err, `mint "usdc": want iosd or io`)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// randomCandidates are n devices of 6 classes in 20 regions and 4 tiers; a quarter unhireable.
func randomCandidates(rng *rand.Rand, n int) []Candidate {
	cands := make([]Candidate, n)
	for i := range cands {
		c := &cands[i]
		for j := range 4 {
			binary.LittleEndian.PutUint64(c.Address[8*j:], rng.Uint64())
		}
		c.Spec = registry.DeviceSpec{HardwareModel: rng.Uint32N(6), VramGib: 8 << rng.IntN(5), GpuCount: 1,
			Region: uint16(rng.IntN(20) + 1), BandwidthTier: uint8(rng.IntN(4))}
		c.Status = registry.StatusActive
		if rng.IntN(4) == 0 {
			c.Status = uint8(rng.IntN(5))
			if c.Status != registry.StatusActive {
				c.NotHireable = []*programerr.Error{registry.ErrDeviceNotHireable}
			}
		}
		c.Reputation = uint16(rng.IntN(10_001))
		c.Throughput = rng.Uint64N(1 << 40)
		c.AskIOSD = rng.Uint64N(5_000) * registry.AskUnit
		c.AskIO = rng.Uint64N(3) * rng.Uint64N(10_000) * registry.AskUnit
		c.Liveness = Liveness(rng.IntN(3))
	}
	return cands
}

func randomRequest(rng *rand.Rand) Request {
	r := Request{Class: rng.Uint32N(6), Count: 1 + rng.IntN(16), MinVRAM: uint32(rng.IntN(64)), Mint: Mint(rng.IntN(2)),
		MaxPrice: 1 + rng.Uint64N(10_000_000), MinReputation: uint16(rng.IntN(8000)), Hours: 1 + rng.Uint64N(24)}
	if rng.IntN(2) == 0 {
		r.Region = uint16(rng.IntN(20) + 1)
	}
	if rng.IntN(2) == 0 {
		r.Tier = new(uint8(rng.IntN(4)))
	}
	return r
}
