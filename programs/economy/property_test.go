package economy_test

import (
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/internal/chaintest"
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
//   - each conversion used the counting rule (gpunet/votes.h, replayed here): the agreeing
//     fresh prices' low end for burns, high end for redemptions, the highest confidence among
//     them, rounded down; and that price is within the band of an honest oracle's fresh price;
//   - each claim paid the low end of its oracles' agreeing values less what was paid, within
//     the vote band of an honest value, and no device was paid more than its honest oracles
//     attested; claims never exceed the provider pool;
//   - a rejected instruction fails with one of the economy's own named errors.
//
// PROPERTY_SEED replays a sequence; PROPERTY_STEPS sets its length.
func TestPropertyInvariants(t *testing.T) {
	rng, steps := chaintest.PropertyRand(t, 200)
	budget := uint64(30_000 * io)
	e := newEnv(t, func(e *env, p *economy.ConfigParams) {
		p.GenesisTime -= 40 // 20 epochs have ended
		p.SupplyCap = e.Supply(t, e.IOMint) + budget
	})
	rc, err := e.Registry.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	w := &economyWorld{e: e, rng: rng, truth: 2_000_000, voteBand: rc.Params.VoteBandBps}
	w.io0, w.iosd0 = e.Supply(t, e.IOMint), e.Supply(t, e.IOSDMint)
	require.Equal(t, budget, e.config(t).EmissionBudget)
	for i := 0; i < 3; i++ {
		key := e.Funded(t) // IOSD from the faucet, so redemptions can come before burns
		w.holders = append(w.holders, holder{key: key, io: e.TokenAccount(t, e.IOMint, key.PublicKey(), 1_000*io), iosd: e.TokenAccount(t, e.IOSDMint, key.PublicKey(), 500*iosd)})
		w.devices = append(w.devices, e.NewProvider(t, chaintest.H100, 0, 0))
	}
	w.values = make([][3]uint64, len(w.devices))
	w.earned = make([]uint64, len(w.devices))
	ops := []chaintest.Op{
		{Name: "submit_price", Run: w.submitPrice}, {Name: "submit_price", Run: w.submitPrice},
		{Name: "burn_io_for_iosd", Run: w.convert(true)}, {Name: "redeem_iosd_for_io", Run: w.convert(false)},
		{Name: "advance_epoch", Run: w.advance}, {Name: "submit_rewards", Run: w.submitRewards},
		{Name: "submit_rewards", Run: w.submitRewards}, {Name: "claim_rewards", Run: w.claim},
		{Name: "fund_community_pool", Run: w.fund}, {Name: "wait", Run: w.wait},
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

// agree is votes.h's gp_votes_agree: |a - b| <= band of the larger.
func agree(a, b uint64, band uint16) bool {
	hi, diff := max(a, b), max(a, b)-min(a, b)
	lh, ll := bits.Mul64(diff, 10_000)
	rh, rl := bits.Mul64(hi, uint64(band))
	return lh < rh || (lh == rh && ll <= rl)
}

// decide is votes.h's gp_votes_decide on a final collection: the lowest of the largest groups
// of votes within the band of each other, and whether it reaches the quorum.
func decide(votes []uint64, quorum int, band uint16) (lo, hi uint64, ok bool) {
	v := slices.Sorted(slices.Values(votes))
	best := 0
	for i, j := 0, 0; i < len(v); i++ {
		j = max(j, i)
		for j+1 < len(v) && agree(v[i], v[j+1], band) {
			j++
		}
		if j-i+1 > best {
			best, lo, hi = j-i+1, v[i], v[j]
		}
	}
	return lo, hi, best >= quorum
}

// checkPrice: a conversion's price is the rule's (low end for burns, high end for redemptions)
// with the highest confidence of the agreeing prices, and within the band of an honest fresh
// price. A price within 2 s of going stale may count on chain and not by this clock (or the
// reverse); then only the band is checked.
func (w *economyWorld) checkPrice(t *testing.T, before *economy.Config, toIOSD bool, price, conf uint64) {
	now, age := time.Now().Unix(), w.e.params.MaxPriceAgeSecs
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
		honest = honest || i != faulty && agree(price, s.Price, w.e.params.PriceBandBps)
	}
	require.True(t, honest, "price %d not within the band of an honest fresh price: %+v", price, before.Prices[:3])
	if !exact {
		return
	}
	var votes []uint64
	for _, s := range fresh {
		votes = append(votes, s.Price)
	}
	lo, hi, ok := decide(votes, 2, w.e.params.PriceBandBps)
	require.True(t, ok, "converted without an agreeing quorum: %v", votes)
	var wantConf uint64
	for _, s := range fresh {
		if s.Price >= lo && s.Price <= hi {
			wantConf = max(wantConf, s.Conf)
		}
	}
	want := hi
	if toIOSD {
		want = lo
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
			require.Equal(t, ev.IoAmount*(ev.Price-2*ev.Conf)/io, ev.IosdAmount)
			w.burned += ev.IoAmount
		case *economy.IosdRedeemed:
			w.checkPrice(t, before, false, ev.Price, ev.Conf)
			require.Equal(t, ev.IosdAmount*io/(ev.Price+2*ev.Conf), ev.IoAmount)
			w.redeemed += ev.IoAmount
		}
		return nil
	}
}

func (w *economyWorld) advance(t *testing.T) error {
	w.cranks++
	addedBack := w.e.config(t).TotalAddedBack
	_, err := w.e.advance(w.cranks, uint8(w.rng.IntN(26))) // 0 and 25 are invalid
	if err == nil {
		net := w.burned - min(w.burned, w.redeemed)
		require.LessOrEqual(t, w.e.config(t).TotalAddedBack, max(addedBack, net), "added back beyond the net burn")
		w.netAtAdvance = max(w.netAtAdvance, net)
	}
	return err
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

func (w *economyWorld) claim(t *testing.T) error {
	d := w.rng.IntN(len(w.devices))
	p := w.devices[d]
	paid := w.e.TokenBalance(t, p.Token)
	sig, err := w.e.claim(w.e.Keeper, p.Device, p.Token)
	if err != nil {
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
	lo, _, ok := decide(votes, 2, w.voteBand)
	require.True(t, ok, "device %d paid without an agreeing quorum: %v", d, w.values[d])
	require.Equal(t, &economy.RewardsClaimed{Device: p.Device, OwnerIo: p.Token, Amount: lo - paid, Cumulative: lo}, ev)
	require.True(t, agree(lo, w.values[d][0], w.voteBand) || agree(lo, w.values[d][1], w.voteBand),
		"device %d paid %d, not within the band of an honest value: %v", d, lo, w.values[d])
	return nil
}

func (w *economyWorld) fund(*testing.T) error {
	return w.e.Send([]solana.PrivateKey{w.e.Keeper}, chaintest.Must(w.e.prog.FundCommunityPool(w.e.params.CommunityPool)))
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
}
