package protocol

import (
	"math/bits"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/registry"
)

// IOSDForIO is what burning amount IO gives in IOSD at price (micro-USD per whole IO) with
// confidence conf: floor(amount x (price - 2 x conf) / IO), ErrPriceTooUncertain when price is
// not above 2 x conf (value in programs/economy/src/convert.c, to IOSD). burn_io_for_iosd
// prices at the low end of the agreeing oracle prices.
func IOSDForIO(price, conf, amount uint64) (uint64, error) {
	spread, err := convertSpread(conf)
	if err != nil {
		return 0, err
	}
	if price <= spread {
		return 0, economy.ErrPriceTooUncertain
	}
	return mulDivOr(economy.ErrArithmeticOverflow, amount, price-spread, economy.IO)
}

// IOForIOSD is what redeeming amount IOSD gives in IO at price with confidence conf:
// floor(amount x IO / (price + 2 x conf)) (value in programs/economy/src/convert.c, to IO).
// redeem_iosd_for_io prices at the high end of the agreeing oracle prices.
func IOForIOSD(price, conf, amount uint64) (uint64, error) {
	spread, err := convertSpread(conf)
	if err != nil {
		return 0, err
	}
	ioPrice, err := sumOr(economy.ErrArithmeticOverflow, price, spread)
	if err != nil {
		return 0, err
	}
	return mulDivOr(economy.ErrArithmeticOverflow, amount, economy.IO, ioPrice)
}

// convertSpread is ConfMultiplier x conf, the margin a conversion leaves the protocol.
func convertSpread(conf uint64) (uint64, error) {
	hi, spread := bits.Mul64(conf, uint64(economy.ConfMultiplier))
	if hi != 0 {
		return 0, economy.ErrArithmeticOverflow
	}
	return spread, nil
}

// EpochEnd is when epoch ends: genesis_time + (epoch + 1) x epoch_secs (economy_epoch_end,
// programs/economy/include/economy.h).
func EpochEnd(params *economy.ConfigParams, epoch uint64) (uint64, error) {
	hi, span := bits.Mul64(epoch+1, uint64(params.EpochSecs))
	if hi != 0 {
		return 0, economy.ErrArithmeticOverflow
	}
	return sumOr(economy.ErrArithmeticOverflow, span, uint64(params.GenesisTime))
}

// NextEmission is the scheduled emission of epoch c.NextEpoch, within what the emission budget
// has left, moving c's month and its emission to that epoch's (economy_next_emission,
// programs/economy/src/schedule.c): each month emits floor(the last x (10^9 - decay) / 10^9),
// spread over its epochs by rounding down cumulatively. EpochsPerMonth must not be 0 (the C
// divides by it; initialize refuses 0).
func NextEmission(c *economy.Config) (uint64, error) {
	h := uint64(c.Params.EpochsPerMonth)
	month, i := c.NextEpoch/h, c.NextEpoch%h
	for ; c.Month < month; c.Month++ {
		next, err := mulDivOr(economy.ErrArithmeticOverflow, c.MonthEmission, economy.E9-c.Params.MonthlyDecayE9, economy.E9)
		if err != nil {
			return 0, err
		}
		c.MonthEmission = next
	}
	before, err := mulDivOr(economy.ErrArithmeticOverflow, c.MonthEmission, i, h)
	if err != nil {
		return 0, err
	}
	after, err := mulDivOr(economy.ErrArithmeticOverflow, c.MonthEmission, i+1, h)
	if err != nil {
		return 0, err
	}
	return min(after-before, satSub(c.EmissionBudget, c.TotalScheduled)), nil
}

// AdvanceEpochs advances c as advance_epoch(maxEpochs) at unix time now does
// (economy_advance_epoch, programs/economy/src/advance_epoch.c) and returns the epochs'
// EpochAdvanced events: every ended epoch not advanced yet, up to maxEpochs, each emitting its
// schedule plus the net burn not yet added back (up to net_emission_limit), split
// community_bps to the community (rounded down) and the rest to providers. On an error c is
// left as it was, as the failed transaction leaves the Config.
func AdvanceEpochs(c *economy.Config, now int64, maxEpochs uint8) ([]economy.EpochAdvanced, error) {
	if maxEpochs == 0 || maxEpochs > economy.MaxEpochsPerCall {
		return nil, economy.ErrInvalidEpochCount
	}
	next := *c
	var events []economy.EpochAdvanced
	for len(events) < int(maxEpochs) {
		end, err := EpochEnd(&next.Params, next.NextEpoch)
		if err != nil {
			return nil, err
		}
		if end > uint64(now) {
			break
		}
		ev := economy.EpochAdvanced{Epoch: next.NextEpoch}
		if ev.Scheduled, err = NextEmission(&next); err != nil {
			return nil, err
		}
		backlog := satSub(satSub(next.IoBurned, next.IoRedeemed), next.TotalAddedBack)
		ev.AddedBack = min(backlog, next.Params.NetEmissionLimit)
		pool, err := sumOr(economy.ErrArithmeticOverflow, ev.Scheduled, ev.AddedBack)
		if err != nil {
			return nil, err
		}
		if ev.Community, ev.Provider, err = EpochSplit(pool, next.Params.CommunityBps); err != nil {
			return nil, err
		}
		for _, total := range []struct {
			to  *uint64
			add uint64
		}{
			{&next.TotalScheduled, ev.Scheduled}, {&next.TotalAddedBack, ev.AddedBack},
			{&next.ProviderPoolTotal, ev.Provider}, {&next.CommunityAccrued, ev.Community},
		} {
			if *total.to, err = sumOr(economy.ErrArithmeticOverflow, *total.to, total.add); err != nil {
				return nil, err
			}
		}
		next.NextEpoch++
		events = append(events, ev)
	}
	if len(events) == 0 {
		return nil, economy.ErrEpochNotDue
	}
	*c = next
	return events, nil
}

// EpochSplit is how advance_epoch splits an epoch's pool (its schedule plus what it adds back):
// floor(pool x communityBps / 10,000) to the community, the rest to providers (wrapping, as
// the C's does, were the share over 100%, which no Config allows).
func EpochSplit(pool uint64, communityBps uint16) (community, provider uint64, err error) {
	community, err = mulDivOr(economy.ErrArithmeticOverflow, pool, uint64(communityBps), uint64(economy.Bps))
	if err != nil {
		return 0, 0, err
	}
	return community, pool - community, nil
}

// satSub is a - b, or 0 below it (gp_sat_sub_u64).
func satSub(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

// Price is a usable conversion price (economy_price_t): the agreeing prices' range, burns
// valuing IO at Lo and redemptions at Hi, and the highest confidence among them.
type Price struct {
	Lo, Hi, Conf uint64
}

// UsablePrice is the price conversions use at unix time now (economy_price,
// programs/economy/src/price.c): each live oracle's latest price counts while it is non-zero
// and published at most MaxPriceAgeSecs ago, under the registry's current oracle set; the
// fresh prices are decided as a final collection with the registry's quorum and the Config's
// PriceBandBps. ErrPriceUnavailable with fewer than a quorum of fresh prices (or prices of
// another oracle set), ErrPriceDisagreement when no quorum agrees.
func UsablePrice(c *economy.Config, rc *registry.Config, now int64) (Price, error) {
	if c.PriceOracleSet != OracleSetFingerprint(&rc.Params) {
		return Price{}, economy.ErrPriceUnavailable
	}
	live := c.Prices[:min(int(rc.Params.OracleCount), len(c.Prices))]
	fresh := func(s economy.PriceSubmission) bool {
		return s.Price != 0 && s.PublishTime >= now-c.Params.MaxPriceAgeSecs
	}
	var prices []uint64
	for _, s := range live {
		if fresh(s) {
			prices = append(prices, s.Price)
		}
	}
	if len(prices) == 0 || len(prices) < int(rc.Params.OracleQuorum) {
		return Price{}, economy.ErrPriceUnavailable
	}
	votes, outcome := DecideVotes(VoteRule{Quorum: rc.Params.OracleQuorum, BandBps: c.Params.PriceBandBps}, prices, true)
	if outcome != VotesDecided {
		return Price{}, economy.ErrPriceDisagreement
	}
	// the agreeing group is every fresh price in [lo, hi]: a sorted run takes in equal ends
	p := Price{Lo: votes.Lo, Hi: votes.Hi}
	for _, s := range live {
		if fresh(s) && s.Price >= p.Lo && s.Price <= p.Hi {
			p.Conf = max(p.Conf, s.Conf)
		}
	}
	return p, nil
}

// AttestedReward is device record r's attested cumulative reward, what claim_rewards pays up
// to (attested, programs/economy/src/claim_rewards.c): the live oracles' non-zero values,
// submitted under the registry's current oracle set, decided as a final collection with the
// registry's rule, at the low end. ErrRewardQuorumNotMet with fewer than a quorum of values
// (or values of another oracle set), ErrRewardDisagreement when no quorum agrees.
func AttestedReward(r *economy.RewardRecord, rc *registry.Config) (uint64, error) {
	if r.OracleSet != OracleSetFingerprint(&rc.Params) {
		return 0, economy.ErrRewardQuorumNotMet
	}
	var values []uint64
	for _, v := range r.Values[:min(int(rc.Params.OracleCount), len(r.Values))] {
		if v != 0 {
			values = append(values, v)
		}
	}
	if len(values) == 0 || len(values) < int(rc.Params.OracleQuorum) {
		return 0, economy.ErrRewardQuorumNotMet
	}
	votes, outcome := DecideVotes(RegistryVoteRule(&rc.Params), values, true)
	if outcome != VotesDecided {
		return 0, economy.ErrRewardDisagreement
	}
	return votes.Lo, nil
}
