package economy_test

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/protocol"
)

// faulty is the property test's faulty oracle; oracles 0 and 1 are honest.
const faulty = 2

// TestPropertyInvariants runs a random sequence of valid and invalid economy instructions
// (prices, fresh and stale; burns and redemptions of any size, redemptions before any burn;
// epoch cranks; reward attestations; claims; community funding) with an emission budget small
// enough for the cap to bind. Oracle 2 is faulty: its prices and reward values are 0-like,
// huge, slightly off or random. After every step it checks:
//   - circulating IO (the mint's supply) never exceeds the cap, and moved exactly by what the
//     economy minted and burned;
//   - the schedule's emission to date is its sum over the advanced epochs (capped); IO burned
//     for IOSD and minted by redemptions are what the events say; an advance_epoch adds back
//     nothing beyond the net burn max(0, burned - redeemed) not yet added back, so after
//     every step the emission to date (schedule and burns added back) is at most the
//     schedule plus the largest net burn an advance_epoch saw. (A redemption after an
//     add-back lowers the net burn but cannot take back IO already added back: it holds
//     back later add-backs instead, until burns make up for it);
//   - IOSD's supply moved exactly by what the economy minted and burned;
//   - each conversion used the counting rule (gpunet/votes.h, as protocol.DecideVotes): the agreeing
//     fresh prices' low end for burns, high end for redemptions, the highest confidence among
//     them, rounded down; and that price is within the band of an honest oracle's fresh price;
//   - each claim paid the low end of its oracles' agreeing values less what was paid, within
//     the vote band of an honest value, and no device was paid more than its honest oracles
//     attested; claims never exceed the provider pool;
//   - a configuration step proposes random parameters (sometimes over a ceiling): a change that
//     only reduces the admin's power is live at once, any other is pending until
//     max(min_config_delay_secs, the registry's unstake cooldown) later; apply_config applies
//     it no sooner, only once every epoch that ended by then was advanced (each epoch is split
//     by the share live when it is advanced), and pays the old community pool what it
//     accrued; the live parameters are always within the limits;
//   - each circuit breaker: what passed through it in the breaker window ending at a
//     conversion (by the chain's clock), that conversion included, is within the limit in
//     force for it;
//   - claim_rewards and fund_community_pool, the ways out, never fail because of the
//     configuration: only for want of an agreeing quorum, of anything to claim or of pool;
//   - a rejected instruction fails with one of the economy's own named errors.
//
// PROPERTY_SEED replays a sequence; PROPERTY_STEPS sets its length.
func TestPropertyInvariants(t *testing.T) {
	rng, steps := chaintest.PropertyRand(t, 200)
	budget := uint64(30_000 * io)
	e := newEnv(t, func(e *env, p *economy.ConfigParams) {
		p.GenesisTime -= 40 // 20 epochs have ended
		p.SupplyCap = e.Supply(t, e.IOMint) + budget
		p.BreakerWindowSecs = 10
	})
	rc, err := e.Registry.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	limits := chaintest.EconomyLimits()
	w := &economyWorld{e: e, rng: rng, truth: 2_000_000, voteBand: rc.Params.VoteBandBps, limits: limits,
		delay: max(limits.MinConfigDelaySecs, rc.Params.UnstakeCooldownSecs),
		pools: []solana.PublicKey{e.params.CommunityPool, e.TokenAccount(t, e.IOMint, solana.NewWallet().PublicKey(), 0)}}
	w.io0, w.iosd0 = e.Supply(t, e.IOMint), e.Supply(t, e.IOSDMint)
	require.Equal(t, budget, e.config(t).EmissionBudget)
	for i := 0; i < 3; i++ {
		key := e.Funded(t) // IOSD from the faucet, so redemptions can come before burns
		w.holders = append(w.holders, holder{key: key, io: e.TokenAccount(t, e.IOMint, key.PublicKey(), 1_000*io), iosd: e.TokenAccount(t, e.IOSDMint, key.PublicKey(), 500*iosd)})
		w.devices = append(w.devices, e.NewProvider(t, chaintest.H100, 0, 0))
	}
	w.values = make([][3]uint64, len(w.devices))
	w.earned = make([]uint64, len(w.devices))
	ops := []chaintest.Op[*testing.T]{
		{Name: "submit_price", Run: w.submitPrice}, {Name: "submit_price", Run: w.submitPrice},
		{Name: "burn_io_for_iosd", Run: w.convert(true)}, {Name: "redeem_iosd_for_io", Run: w.convert(false)},
		{Name: "advance_epoch", Run: w.advance}, {Name: "submit_rewards", Run: w.submitRewards},
		{Name: "submit_rewards", Run: w.submitRewards}, {Name: "claim_rewards", Run: w.claim},
		{Name: "fund_community_pool", Run: w.fund}, {Name: "wait", Run: w.wait},
		{Name: "update_config", Run: w.updateConfig}, {Name: "apply_config", Run: w.applyConfig},
	}
	chaintest.RunSteps(t, rng, steps, e.prog.ID, ops, w.check)
}

type economyWorld struct {
	e                *env
	rng              *rand.Rand
	holders          []holder
	devices          []chaintest.Provider
	truth            uint64      // the IO price honest oracles observe
	values           [][3]uint64 // each device's values as each oracle last attested them
	earned           []uint64    // each device's true cumulative reward
	burned, redeemed uint64      // IO burned for IOSD and minted by redemptions, from the events
	netAtAdvance     uint64      // the largest net burn an advance_epoch saw
	io0, iosd0       uint64
	cranks           int
	voteBand         uint16
	limits           economy.EconomyLimits
	delay            int64
	pools            []solana.PublicKey // the community pools the configuration step picks from
	takes            [2][]take          // each breaker's conversions: IOSD minted, IO redeemed
}

// take is a conversion through a circuit breaker: when (the chain's clock), how much, and the
// limit in force.
type take struct {
	at            int64
	amount, limit uint64
}

func (w *economyWorld) holder() holder { return w.holders[w.rng.IntN(len(w.holders))] }

// off is v moved by up to maxBps either way.
func (w *economyWorld) off(v uint64, maxBps int) uint64 {
	return v * uint64(10_000-maxBps+w.rng.IntN(2*maxBps+1)) / 10_000
}

// submitPrice: an honest oracle posts the truth give or take a third of the band (the truth
// drifts by up to 2% first); the faulty one posts 1, a huge price, a price just outside or
// inside the band, or anything; sometimes a stale one.
func (w *economyWorld) submitPrice(*testing.T) error {
	i, band := w.rng.IntN(3), int(w.e.params.PriceBandBps)
	price := w.off(w.truth, band/3)
	if i != faulty && w.rng.IntN(4) == 0 {
		w.truth = w.off(w.truth, 200)
		price = w.off(w.truth, band/3)
	}
	if i == faulty {
		price = []uint64{1, 1_000_000_000_000, w.truth * uint64(10_000-2*band) / 10_000, w.truth * uint64(10_000+2*band) / 10_000,
			w.off(w.truth, band), 1 + w.rng.Uint64N(10*w.truth)}[w.rng.IntN(6)]
	}
	at := time.Now().Unix() - 1
	if w.rng.IntN(6) == 0 {
		return w.e.priceAt(i, price, 0, at-120) // stale
	}
	if at <= w.e.published[i] {
		at = w.e.published[i] + 1
		time.Sleep(time.Until(time.Unix(at+1, 0)))
	}
	return w.e.priceAt(i, price, price*uint64(w.rng.IntN(6))/100, at)
}

// amount is a random amount up to max, sometimes 0 or more than max.
func (w *economyWorld) amount(max uint64) uint64 {
	switch r := w.rng.IntN(6); {
	case r == 0:
		return 0
	case r == 1 || max == 0:
		return max + 1
	}
	return 1 + w.rng.Uint64N(max)
}

// checkPrice: a conversion's price is the rule's (low end for burns, high end for redemptions)
// with the highest confidence of the agreeing prices, and within the band of an honest fresh
// price. A price within 2 s of going stale may count on chain and not by this clock (or the
// reverse); then only the band is checked.
func (w *economyWorld) checkPrice(t *testing.T, before *economy.Config, toIOSD bool, price, conf uint64) {
	now, age, band := time.Now().Unix(), before.Params.MaxPriceAgeSecs, before.Params.PriceBandBps
	var fresh []economy.PriceSubmission
	exact := true
	honest := false
	for i, s := range before.Prices[:3] {
		if s.Price == 0 || s.PublishTime < now-age-2 {
			continue
		}
		if s.PublishTime < now-age+2 {
			exact = false
		}
		fresh = append(fresh, s)
		honest = honest || i != faulty && protocol.VotesAgree(price, s.Price, band)
	}
	require.True(t, honest, "price %d not within the band of an honest fresh price: %+v", price, before.Prices[:3])
	if !exact {
		return
	}
	var votes []uint64
	for _, s := range fresh {
		votes = append(votes, s.Price)
	}
	agreed, outcome := protocol.DecideVotes(protocol.VoteRule{Quorum: 2, BandBps: band}, votes, true)
	require.Equal(t, protocol.VotesDecided, outcome, "converted without an agreeing quorum: %v", votes)
	var wantConf uint64
	for _, s := range fresh {
		if s.Price >= agreed.Lo && s.Price <= agreed.Hi {
			wantConf = max(wantConf, s.Conf)
		}
	}
	want := agreed.Hi
	if toIOSD {
		want = agreed.Lo
	}
	require.Equal(t, [2]uint64{want, wantConf}, [2]uint64{price, conf})
}

// convert burns (toIOSD) or redeems a random amount, and checks the price it used and what it
// paid at that price, rounded down.
func (w *economyWorld) convert(toIOSD bool) func(*testing.T) error {
	return func(t *testing.T) error {
		h := w.holder()
		before := w.e.config(t)
		send, from := w.e.redeem, h.iosd
		if toIOSD {
			send, from = w.e.burn, h.io
		}
		sig, err := send(h, w.amount(w.e.TokenBalance(t, from)))
		if err != nil {
			return err
		}
		switch ev := w.e.eventsOf(t, sig)[0].(type) {
		case *economy.IoBurned:
			w.checkPrice(t, before, true, ev.Price, ev.Conf)
			require.Equal(t, chaintest.Must(protocol.IOSDForIO(ev.Price, ev.Conf, ev.IoAmount)), ev.IosdAmount)
			w.burned += ev.IoAmount
			w.checkBreaker(t, 0, take{w.e.chainTime(t, sig), ev.IosdAmount, before.Params.IosdMintLimit})
		case *economy.IosdRedeemed:
			w.checkPrice(t, before, false, ev.Price, ev.Conf)
			require.Equal(t, chaintest.Must(protocol.IOForIOSD(ev.Price, ev.Conf, ev.IosdAmount)), ev.IoAmount)
			w.redeemed += ev.IoAmount
			w.checkBreaker(t, 1, take{w.e.chainTime(t, sig), ev.IoAmount, before.Params.IoRedeemLimit})
		}
		return nil
	}
}

// checkBreaker: what breaker b let through in the window's length ending at this take, the
// take included, is within the limit in force for it.
func (w *economyWorld) checkBreaker(t *testing.T, b int, now take) {
	w.takes[b] = append(w.takes[b], now)
	var span uint64
	for _, x := range w.takes[b] {
		if x.at > now.at-w.e.params.BreakerWindowSecs {
			span += x.amount
		}
	}
	require.LessOrEqual(t, span, now.limit, "breaker %d let %d through in %d s up to %d", b, span, w.e.params.BreakerWindowSecs, now.at)
}

func (w *economyWorld) advance(t *testing.T) error {
	return w.advanceBy(t, uint8(w.rng.IntN(26))) // 0 and 25 are invalid
}

func (w *economyWorld) advanceBy(t *testing.T, maxEpochs uint8) error {
	w.cranks++
	before := w.e.config(t)
	sig, err := w.e.advance(w.cranks, maxEpochs)
	if err == nil {
		net := w.burned - min(w.burned, w.redeemed)
		require.LessOrEqual(t, w.e.config(t).TotalAddedBack, max(before.TotalAddedBack, net), "added back beyond the net burn")
		w.netAtAdvance = max(w.netAtAdvance, net)
		for _, ev := range w.e.eventsOf(t, sig) { // each epoch split by the live share
			ev := ev.(*economy.EpochAdvanced)
			community, _, err := protocol.EpochSplit(ev.Scheduled+ev.AddedBack, before.Params.CommunityBps)
			require.NoError(t, err)
			require.Equal(t, community, ev.Community, "epoch %d", ev.Epoch)
		}
	}
	return err
}

// atOnce is economy_change_at_once: the change only reduces the admin's power.
func atOnce(live, next economy.ConfigParams) bool {
	return next.CommunityPool == live.CommunityPool && next.CommunityBps <= live.CommunityBps &&
		next.IosdMintLimit <= live.IosdMintLimit && next.IoRedeemLimit <= live.IoRedeemLimit &&
		next.PriceBandBps <= live.PriceBandBps && next.MaxPriceAgeSecs <= live.MaxPriceAgeSecs &&
		next.NetEmissionLimit == live.NetEmissionLimit
}

// updateConfig proposes random parameters from the live ones: each tunable changes or not,
// sometimes beyond its ceiling (refused), the breakers small enough to bind.
func (w *economyWorld) updateConfig(t *testing.T) error {
	before := w.e.config(t)
	next, r := before.Params, w.rng
	ceiling := func(max uint64) uint64 { return max + uint64(r.IntN(20)/19) } // 1 in 20 over
	if r.IntN(2) == 0 {
		next.CommunityBps = uint16(r.Uint64N(ceiling(uint64(w.limits.MaxCommunityBps)) + 1))
	}
	if r.IntN(3) == 0 {
		next.CommunityPool = w.pools[r.IntN(len(w.pools))]
	}
	if r.IntN(3) == 0 {
		next.NetEmissionLimit = r.Uint64N(20_000) * io
	}
	if r.IntN(2) == 0 {
		next.IosdMintLimit = min(r.Uint64N(3_000)*iosd, ceiling(w.limits.MaxIosdMintLimit))
	}
	if r.IntN(2) == 0 {
		next.IoRedeemLimit = min(r.Uint64N(1_500)*io, ceiling(w.limits.MaxIoRedeemLimit))
	}
	if r.IntN(3) == 0 {
		next.PriceBandBps = uint16(50 + r.IntN(250))
	}
	if r.IntN(3) == 0 {
		next.MaxPriceAgeSecs = int64(30 + r.IntN(60))
	}
	sig, err := w.e.updateConfig(next)
	if err != nil && !replayed(err) {
		require.True(t, errors.Is(err, economy.ErrInvalidConfigParams) || errors.Is(err, economy.ErrEpochsNotAdvanced), "update_config: %v", err)
		return err
	}
	if err != nil {
		return err
	}
	after := w.e.config(t)
	if atOnce(before.Params, next) {
		require.Equal(t, []any{&economy.ConfigUpdated{Admin: w.e.Admin.PublicKey(), Params: next}}, w.e.eventsOf(t, sig))
		require.Equal(t, [3]any{next, economy.ConfigParams{}, int64(0)}, [3]any{after.Params, after.Pending, after.PendingAppliesAt})
		return nil
	}
	at := w.e.chainTime(t, sig) + w.delay
	require.Equal(t, []any{&economy.ConfigProposed{Admin: w.e.Admin.PublicKey(), Params: next, AppliesAt: at}}, w.e.eventsOf(t, sig))
	require.Equal(t, [3]any{before.Params, next, at}, [3]any{after.Params, after.Pending, after.PendingAppliesAt})
	return nil
}

// applyConfig: the proposal applies no sooner than its time, after every epoch that ended by
// then was advanced, and the old community pool is paid what it accrued. Half the time every
// ended epoch is advanced first, as a caller that wants the change applied would, and half of
// those it first waits for the proposal's time.
func (w *economyWorld) applyConfig(t *testing.T) error {
	if w.rng.IntN(2) == 0 {
		if at := w.e.config(t).PendingAppliesAt; at != 0 && w.rng.IntN(2) == 0 {
			w.e.sleepUntilChain(t, at)
		}
		for w.advanceBy(t, 24) == nil {
		}
	}
	before := w.e.config(t)
	oldPool := w.e.TokenBalance(t, before.Params.CommunityPool)
	sig, err := w.e.applyConfig(t)
	if replayed(err) {
		return err
	}
	if err != nil {
		require.True(t, errors.Is(err, economy.ErrNoConfigProposal) || errors.Is(err, economy.ErrConfigDelayNotOver) ||
			errors.Is(err, economy.ErrEpochsNotAdvanced), "apply_config: %v", err)
		return err
	}
	after := w.e.config(t)
	require.GreaterOrEqual(t, w.e.chainTime(t, sig), before.PendingAppliesAt, "applied before its time")
	live, next := before.Params, before.Pending
	if live.CommunityBps != next.CommunityBps || live.CommunityPool != next.CommunityPool || live.NetEmissionLimit != next.NetEmissionLimit {
		require.Greater(t, live.GenesisTime+int64(before.NextEpoch+1)*live.EpochSecs, before.PendingAppliesAt,
			"an epoch that ended before the change was not advanced")
	}
	require.Equal(t, [3]any{before.Pending, economy.ConfigParams{}, int64(0)}, [3]any{after.Params, after.Pending, after.PendingAppliesAt})
	if before.Pending.CommunityPool != before.Params.CommunityPool {
		require.Equal(t, oldPool+before.CommunityAccrued-before.CommunityFunded, w.e.TokenBalance(t, before.Params.CommunityPool))
		require.Equal(t, after.CommunityAccrued, after.CommunityFunded)
	}
	return nil
}

// submitRewards: a device may earn more; an honest oracle attests what it earned so far, often
// with the other honest one (otherwise they lag each other); the faulty one attests 1 more than
// its last, a huge value, a value just inside or outside the band below the truth, or anything;
// sometimes an oracle attests less than its last.
func (w *economyWorld) submitRewards(*testing.T) error {
	d := w.rng.IntN(len(w.devices))
	if w.rng.IntN(2) == 0 {
		w.earned[d] += uint64(1+w.rng.IntN(2_000)) * io
	}
	oracles := []int{w.rng.IntN(3)}
	if oracles[0] != faulty && w.rng.IntN(2) == 0 {
		oracles = append(oracles, 1-oracles[0])
	}
	for _, o := range oracles {
		value := w.earned[d]
		if o == faulty {
			band := uint64(w.voteBand)
			value = []uint64{w.values[d][o] + 1, 1_000_000_000 * io, w.earned[d] * (10_000 - band) / 10_000,
				w.earned[d] * (10_000 - 2*band) / 10_000, 1 + w.rng.Uint64N(10*w.earned[d]+1)}[w.rng.IntN(5)]
		}
		if w.rng.IntN(6) == 0 {
			value = w.values[d][o] / 2 // lower than before: refused
		}
		if err := w.e.rewards(o, w.devices[d].Device, value); err != nil {
			return err
		}
		w.values[d][o] = value
	}
	return nil
}

// replayed is the same transaction sent again in one block: it ran once (RunSteps counts it as
// a success).
func replayed(err error) bool {
	var te *chain.TransactionError
	return errors.As(err, &te) && te.Kind == "AlreadyProcessed"
}

// exitErrors are the only reasons a claim may fail: none is the configuration's.
var exitErrors = []error{economy.ErrRewardQuorumNotMet, economy.ErrRewardDisagreement, economy.ErrNothingToClaim,
	economy.ErrRewardPoolExhausted, economy.ErrInvalidAccountOwner /* no RewardRecord yet */}

func requireExitError(t *testing.T, err error, also ...error) {
	for _, want := range append(also, exitErrors...) {
		if errors.Is(err, want) {
			return
		}
	}
	require.Fail(t, "an exit path failed", "%v", err)
}

func (w *economyWorld) claim(t *testing.T) error {
	d := w.rng.IntN(len(w.devices))
	p := w.devices[d]
	paid := w.e.TokenBalance(t, p.Token)
	sig, err := w.e.claim(w.e.Keeper, p.Device, p.Token)
	if err != nil {
		if !replayed(err) {
			requireExitError(t, err)
		}
		return err
	}
	if paid == w.e.TokenBalance(t, p.Token) {
		return nil // the same claim transaction again in one block: it ran once
	}
	ev := w.e.eventsOf(t, sig)[0].(*economy.RewardsClaimed)
	var votes []uint64
	for _, v := range w.values[d] {
		if v > 0 {
			votes = append(votes, v)
		}
	}
	agreed, outcome := protocol.DecideVotes(protocol.VoteRule{Quorum: 2, BandBps: w.voteBand}, votes, true)
	require.Equal(t, protocol.VotesDecided, outcome, "device %d paid without an agreeing quorum: %v", d, w.values[d])
	lo := agreed.Lo
	require.Equal(t, &economy.RewardsClaimed{Device: p.Device, OwnerIo: p.Token, Amount: lo - paid, Cumulative: lo}, ev)
	require.True(t, protocol.VotesAgree(lo, w.values[d][0], w.voteBand) || protocol.VotesAgree(lo, w.values[d][1], w.voteBand),
		"device %d paid %d, not within the band of an honest value: %v", d, lo, w.values[d])
	return nil
}

// fund pays the live community pool; it fails only when nothing accrued.
func (w *economyWorld) fund(t *testing.T) error {
	err := w.e.Send([]solana.PrivateKey{w.e.Keeper}, chaintest.Must(w.e.prog.FundCommunityPool(w.e.config(t).Params.CommunityPool)))
	if err != nil && !replayed(err) {
		require.ErrorIs(t, err, economy.ErrInvalidAmount)
	}
	return err
}

func (w *economyWorld) wait(*testing.T) error {
	time.Sleep(time.Duration(300+w.rng.IntN(1000)) * time.Millisecond)
	return nil
}

func (w *economyWorld) check(t *testing.T) {
	e := w.e
	c := e.config(t)
	ioSupply := e.Supply(t, e.IOMint)
	require.LessOrEqual(t, ioSupply, e.params.SupplyCap, "circulating IO over the cap")
	require.Equal(t, w.io0+c.IoMinted-c.IoBurned, ioSupply, "IO supply")
	require.Equal(t, w.iosd0+c.IosdMinted-c.IosdBurned, e.Supply(t, e.IOSDMint), "IOSD supply")
	schedule := min(scheduled(c.NextEpoch), c.EmissionBudget)
	require.Equal(t, schedule, c.TotalScheduled, "emission to date")
	require.LessOrEqual(t, c.TotalScheduled+c.TotalAddedBack, schedule+w.netAtAdvance, "emission over the schedule and the largest net burn")
	require.Equal(t, c.TotalScheduled+c.TotalAddedBack, c.ProviderPoolTotal+c.CommunityAccrued)
	require.Equal(t, [2]uint64{w.burned, w.redeemed}, [2]uint64{c.IoBurned, c.IoRedeemed})
	require.LessOrEqual(t, c.RewardsClaimed, c.ProviderPoolTotal)
	var claimed uint64
	for d, p := range w.devices {
		paid := e.TokenBalance(t, p.Token)
		require.LessOrEqual(t, paid, max(w.values[d][0], w.values[d][1]), "device %d paid over its honest oracles' values", d)
		claimed += paid
	}
	require.Equal(t, c.RewardsClaimed, claimed)
	var pools uint64
	for _, p := range w.pools {
		pools += e.TokenBalance(t, p)
	}
	require.Equal(t, c.CommunityFunded, pools, "community pools")
	l := w.limits
	require.True(t, c.Params.CommunityBps <= l.MaxCommunityBps && c.Params.IosdMintLimit <= l.MaxIosdMintLimit &&
		c.Params.IoRedeemLimit <= l.MaxIoRedeemLimit, "live parameters beyond the limits: %+v", c.Params)
}
