package protocol

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/programerr"
	"github.com/gpunet/gpunet/client/registry"
)

// randomBand is a band in bps with the edges likely: none, tiny, the programs' usual, 100%,
// past 100%, the most a u16 holds, anything.
func randomBand(r *rand.Rand) uint16 {
	return []uint16{0, 1, 100, 500, 10_000, 10_001, math.MaxUint16, uint16(r.Uint32())}[r.IntN(8)]
}

// randomVotes is up to 20 votes (past VotesMax) near one honest value: the value itself, at or
// next to either edge of its band, a repeat of an earlier vote, 0, the u64 top, or anything;
// sometimes all equal.
func randomVotes(r *rand.Rand, band uint16, k int) []uint64 {
	base := wide(r)
	if r.IntN(2) == 0 {
		base = r.Uint64N(1 << 40)
	}
	below := uint64(0)
	if off, ok := mulDiv(base, uint64(band), bandDenominator); ok {
		below = base - min(base, off)
	}
	above := uint64(math.MaxUint64)
	if band < bandDenominator {
		if up, ok := mulDiv(base, bandDenominator, bandDenominator-uint64(band)); ok {
			above = up
		}
	}
	allEqual := r.IntN(10) == 0
	votes := make([]uint64, k)
	for i := range votes {
		switch r.IntN(8) {
		case 0, 1:
			votes[i] = base
		case 2:
			votes[i] = around(r, below)
		case 3:
			votes[i] = around(r, above)
		case 4:
			votes[i] = base
			if i > 0 {
				votes[i] = votes[r.IntN(i)]
			}
		case 5:
			votes[i] = []uint64{0, math.MaxUint64}[r.IntN(2)]
		default:
			votes[i] = wide(r)
		}
		if allEqual {
			votes[i] = base
		}
	}
	return votes
}

// voteCase is one case for the economy oracle's vote rules: a bare collection, and a price
// and a reward record decided under one registry config.
type voteCase struct {
	rule   VoteRule
	final  bool
	votes  []uint64
	seed   uint8
	rc     registry.Config
	config economy.Config
	now    int64
	record economy.RewardRecord
}

// oracleSet is the fingerprint a Config or record was submitted under: mostly the current
// set's, sometimes another.
func oracleSet(r *rand.Rand, p *registry.ConfigParams) uint64 {
	if r.IntN(4) == 0 {
		return []uint64{0, OracleSetFingerprint(p) + 1, r.Uint64()}[r.IntN(3)]
	}
	return OracleSetFingerprint(p)
}

func randomVoteCase(r *rand.Rand) voteCase {
	var v voteCase
	v.rule = VoteRule{Quorum: uint8(r.UintN(6)), BandBps: randomBand(r)}
	if r.IntN(8) == 0 {
		v.rule.Quorum = []uint8{VotesMax, VotesMax + 1, math.MaxUint8}[r.IntN(3)]
	}
	v.final = r.IntN(2) == 0
	v.votes = randomVotes(r, v.rule.BandBps, r.IntN(2*VotesMax-11))

	v.seed = uint8(r.UintN(256))
	p := &v.rc.Params
	for i := range p.Oracles {
		for b := range p.Oracles[i] {
			p.Oracles[i][b] = v.seed + uint8(i)
		}
	}
	p.OracleCount = uint8(r.IntN(len(p.Oracles) + 2))
	p.OracleQuorum = uint8(r.UintN(uint(min(p.OracleCount, 5)) + 2))
	p.VoteBandBps = randomBand(r)

	c := &v.config
	c.Params.PriceBandBps = randomBand(r)
	c.Params.MaxPriceAgeSecs = r.Int64N(1 << 20)
	v.now = 1<<40 + r.Int64N(1<<40)
	prices := randomVotes(r, c.Params.PriceBandBps, len(c.Prices))
	for i := range c.Prices {
		s := &c.Prices[i]
		s.Price, s.Conf = prices[i], wide(r)>>r.UintN(64)
		switch r.IntN(4) {
		case 0:
			s.PublishTime = v.now - c.Params.MaxPriceAgeSecs + int64(r.IntN(5)) - 2 // at the edge of stale
		case 1:
			s.PublishTime = int64(wide(r))
		default:
			s.PublishTime = v.now - r.Int64N(c.Params.MaxPriceAgeSecs+1)
		}
		if r.IntN(6) == 0 {
			s.Price = 0
		}
	}
	c.PriceOracleSet = oracleSet(r, p)

	copy(v.record.Values[:], randomVotes(r, p.VoteBandBps, len(v.record.Values)))
	for i := range v.record.Values {
		if r.IntN(6) == 0 {
			v.record.Values[i] = 0
		}
	}
	v.record.OracleSet = oracleSet(r, p)
	return v
}

func voteLine(v *voteCase) string {
	var b strings.Builder
	final := 0
	if v.final {
		final = 1
	}
	fmt.Fprintf(&b, "votes %d %d %d %d", v.rule.Quorum, v.rule.BandBps, final, len(v.votes))
	for _, x := range v.votes {
		fmt.Fprintf(&b, " %d", x)
	}
	p, c := &v.rc.Params, &v.config
	fmt.Fprintf(&b, " %d %d %d %d %d %d %d %d", v.seed, p.OracleCount, p.OracleQuorum, p.VoteBandBps,
		c.Params.PriceBandBps, c.Params.MaxPriceAgeSecs, v.now, c.PriceOracleSet)
	for _, s := range c.Prices {
		fmt.Fprintf(&b, " %d %d %d", s.Price, s.Conf, s.PublishTime)
	}
	fmt.Fprintf(&b, " %d", v.record.OracleSet)
	for _, x := range v.record.Values {
		fmt.Fprintf(&b, " %d", x)
	}
	return b.String()
}

// TestVoteRulesMatchC: DecideVotes, UsablePrice and AttestedReward (with OracleSetFingerprint)
// give the host-compiled C's answers (gp_votes_decide, economy_price, claim_rewards.c's
// attested) on 100,000 random collections, price sets and reward records, and DecideVotes
// leaves its votes as they were.
func TestVoteRulesMatchC(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 4))
	cases := make([]voteCase, oracleCases)
	lines := make([]string, oracleCases)
	for i := range lines {
		cases[i] = randomVoteCase(r)
		lines[i] = voteLine(&cases[i])
	}
	answers := askOracle(t, "economy", lines)
	outcomes := map[string]int{}
	for i, answer := range answers {
		v := &cases[i]
		given := slices.Clone(v.votes)
		votes, outcome := DecideVotes(v.rule, v.votes, v.final)
		require.Equal(t, given, v.votes, "case %d: DecideVotes changed its votes", i)
		price, priceErr := UsablePrice(&v.config, &v.rc, v.now)
		reward, rewardErr := AttestedReward(&v.record, &v.rc)
		want := fmt.Sprintf("%d %d %d %d %d %d %d %d %d %d", outcome, votes.Lo, votes.Hi, votes.Agreeing,
			code(t, priceErr), price.Lo, price.Hi, price.Conf, code(t, rewardErr), reward)
		require.Equal(t, answer, want, "case %d: %s", i, lines[i])

		outcomes[fmt.Sprintf("votes %d", outcome)]++
		if outcome == VotesDecided {
			switch {
			case len(v.votes) > VotesMax:
				outcomes["decided past VotesMax"]++
			case v.rule.BandBps == 0:
				outcomes["decided with band 0"]++
			case v.rule.BandBps == math.MaxUint16:
				outcomes["decided with the widest band"]++
			case votes.Lo != votes.Hi && (votes.Lo == 0 || votes.Hi == math.MaxUint64):
				outcomes["decided a range reaching 0 or the u64 top"]++
			}
		}
		if len(v.votes) > 0 && len(v.votes) < int(v.rule.Quorum) {
			outcomes["fewer votes than the quorum"]++
		}
		if len(slices.Compact(slices.Sorted(slices.Values(v.votes)))) < len(v.votes) {
			outcomes["duplicate votes"]++
		}
		for name, err := range map[string]error{"price": priceErr, "reward": rewardErr} {
			outcomes[name+" "+errName(err)]++
		}
		if priceErr == nil && price.Lo != price.Hi {
			outcomes["price range"]++
		}
	}
	t.Logf("vote outcomes over %d cases: %v", oracleCases, outcomes)
	for _, name := range []string{"votes 0", "votes 1", "votes 2", "decided past VotesMax", "decided with band 0",
		"decided with the widest band", "decided a range reaching 0 or the u64 top", "fewer votes than the quorum",
		"duplicate votes", "price ok", "price range", "price PriceUnavailable", "price PriceDisagreement", "reward ok",
		"reward RewardQuorumNotMet", "reward RewardDisagreement"} {
		require.Greater(t, outcomes[name], 100, "too few %q cases", name)
	}
}

// errName is a program error's name, "ok" for nil.
func errName(err error) string {
	if err == nil {
		return "ok"
	}
	return err.(*programerr.Error).Name
}
