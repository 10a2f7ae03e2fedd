package economy_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// TestPropertyInvariants runs a random sequence of valid and invalid economy instructions
// (prices, fresh and stale; burns and redemptions of any size; epoch cranks; honest and
// dishonest reward attestations; claims; community funding) with an emission budget small
// enough for the cap to bind, and after every step checks:
//   - circulating IO (the mint's supply) never exceeds the cap, and moved exactly by what the
//     economy minted and burned;
//   - the emission to date is the schedule's sum over the advanced epochs (capped);
//   - IOSD's supply moved exactly by what the economy minted and burned;
//   - each burn was valued at the lower median of the fresh prices less twice the highest
//     confidence, rounded down;
//   - no device was paid more than the lower median of a quorum of its oracles' values, and
//     the claims never exceed the provider pool;
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
	w := &economyWorld{e: e, rng: rng}
	w.io0, w.iosd0 = e.Supply(t, e.IOMint), e.Supply(t, e.IOSDMint)
	require.Equal(t, budget, e.config(t).EmissionBudget)
	for i := 0; i < 3; i++ {
		w.holders = append(w.holders, e.holder(t, 1_000*io))
		w.devices = append(w.devices, e.NewProvider(t, chaintest.H100, 0, 0))
	}
	w.values = make([][3]uint64, len(w.devices))
	ops := []chaintest.Op{
		{Name: "submit_price", Run: w.submitPrice}, {Name: "submit_price", Run: w.submitPrice},
		{Name: "burn_io_for_iosd", Run: w.burn}, {Name: "redeem_iosd_for_io", Run: w.redeem},
		{Name: "advance_epoch", Run: w.advance}, {Name: "submit_rewards", Run: w.submitRewards},
		{Name: "submit_rewards", Run: w.submitRewards}, {Name: "claim_rewards", Run: w.claim},
		{Name: "fund_community_pool", Run: w.fund}, {Name: "wait", Run: w.wait},
	}
	chaintest.RunSteps(t, rng, steps, e.prog.ID, ops, w.check)
}

type economyWorld struct {
	e          *env
	rng        *rand.Rand
	holders    []holder
	devices    []chaintest.Provider
	values     [][3]uint64 // each device's values as each oracle last attested them
	io0, iosd0 uint64
	cranks     int
}

func (w *economyWorld) holder() holder { return w.holders[w.rng.IntN(len(w.holders))] }

func (w *economyWorld) submitPrice(*testing.T) error {
	i := w.rng.IntN(3)
	price := uint64(1_500_000 + w.rng.IntN(1_000_000))
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

func (w *economyWorld) burn(t *testing.T) error {
	h := w.holder()
	before := w.e.config(t)
	sig, err := w.e.burn(h, w.amount(w.e.TokenBalance(t, h.io)))
	if err != nil {
		return err
	}
	ev := w.e.eventsOf(t, sig)[0].(*economy.IoBurned)
	// The price the burn used is the lower median of the fresh prices, with the highest confidence.
	var prices []uint64
	var conf uint64
	for _, s := range before.Prices[:3] {
		if s.Price != 0 && s.PublishTime >= time.Now().Unix()-w.e.params.MaxPriceAgeSecs {
			prices = append(prices, s.Price)
			conf = max(conf, s.Conf)
		}
	}
	require.GreaterOrEqual(t, len(prices), 2)
	require.Equal(t, lowerMedian(prices), ev.Price)
	require.Equal(t, conf, ev.Conf)
	require.Equal(t, ev.IoAmount*(ev.Price-2*ev.Conf)/io, ev.IosdAmount)
	return nil
}

func (w *economyWorld) redeem(t *testing.T) error {
	h := w.holder()
	_, err := w.e.redeem(h, w.amount(w.e.TokenBalance(t, h.iosd)))
	return err
}

func (w *economyWorld) advance(*testing.T) error {
	w.cranks++
	_, err := w.e.advance(w.cranks, uint8(w.rng.IntN(26))) // 0 and 25 are invalid
	return err
}

func (w *economyWorld) submitRewards(*testing.T) error {
	d, o := w.rng.IntN(len(w.devices)), w.rng.IntN(3)
	value := w.values[d][o] + uint64(w.rng.IntN(2_000))*io
	if w.rng.IntN(6) == 0 {
		value = w.values[d][o] / 2 // lower than before: refused
	}
	err := w.e.rewards(o, w.devices[d].Device, value)
	if err == nil {
		w.values[d][o] = value
	}
	return err
}

func (w *economyWorld) claim(*testing.T) error {
	p := w.devices[w.rng.IntN(len(w.devices))]
	_, err := w.e.claim(w.e.Keeper, p.Device, p.Token)
	return err
}

func (w *economyWorld) fund(*testing.T) error {
	return w.e.Send([]solana.PrivateKey{w.e.Keeper}, chaintest.Must(w.e.prog.FundCommunityPool(w.e.params.CommunityPool)))
}

func (w *economyWorld) wait(*testing.T) error {
	time.Sleep(time.Duration(300+w.rng.IntN(1000)) * time.Millisecond)
	return nil
}

func lowerMedian(v []uint64) uint64 {
	s := append([]uint64(nil), v...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j-1] > s[j]; j-- {
			s[j-1], s[j] = s[j], s[j-1]
		}
	}
	return s[(len(s)-1)/2]
}

func (w *economyWorld) check(t *testing.T) {
	e := w.e
	c := e.config(t)
	ioSupply := e.Supply(t, e.IOMint)
	require.LessOrEqual(t, ioSupply, e.params.SupplyCap, "circulating IO over the cap")
	require.Equal(t, w.io0+c.IoMinted-c.IoBurned, ioSupply, "IO supply")
	require.Equal(t, w.iosd0+c.IosdMinted-c.IosdBurned, e.Supply(t, e.IOSDMint), "IOSD supply")
	require.Equal(t, min(scheduled(c.NextEpoch), c.EmissionBudget), c.TotalScheduled, "emission to date")
	require.LessOrEqual(t, c.RewardsClaimed, c.ProviderPoolTotal)
	var claimed uint64
	for d, p := range w.devices {
		var attested []uint64
		for _, v := range w.values[d] {
			if v > 0 {
				attested = append(attested, v)
			}
		}
		paid := e.TokenBalance(t, p.Token)
		if len(attested) < 2 {
			require.Zero(t, paid, "device %d paid without a quorum", d)
		} else {
			require.LessOrEqual(t, paid, lowerMedian(attested), "device %d paid over its median", d)
		}
		claimed += paid
	}
	require.Equal(t, c.RewardsClaimed, claimed)
}
