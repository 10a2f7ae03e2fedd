package economy_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
)

// conversion is the outcome of one test conversion: its error, and the holder's IO and IOSD after.
type conversion struct {
	err      error
	io, iosd uint64
}

// convert burns (toIOSD) or redeems amount for a new holder with 1,000 IO and 1,000 IOSD and
// requires the outcome want: its named error, and the holder's balances after.
func (e *env) convert(t *testing.T, toIOSD bool, amount uint64, want conversion, msg ...any) {
	key := e.Funded(t)
	h := holder{key: key, io: e.TokenAccount(t, e.IOMint, key.PublicKey(), 1_000*io), iosd: e.TokenAccount(t, e.IOSDMint, key.PublicKey(), 1_000*iosd)}
	var err error
	if toIOSD {
		_, err = e.burn(h, amount)
	} else {
		_, err = e.redeem(h, amount)
	}
	if want.err == nil {
		require.NoError(t, err, msg...)
	} else {
		require.ErrorIs(t, err, want.err, msg...)
	}
	require.Equal(t, [2]uint64{want.io, want.iosd}, [2]uint64{e.TokenBalance(t, h.io), e.TokenBalance(t, h.iosd)}, msg...)
}

// Attack 2, the steps: three oracles, quorum 2; oracle 1's price is stale, oracle 0
// posts $2.00 +- 0.001 and oracle 2 posts $0.000001. The old rule took the lower median of the
// two fresh prices, $0.000001, and redeeming 1 IOSD minted 499.75 IO (49,975,012,493 base
// units) instead of 0.4995. Two fresh prices that disagree beyond the band are no price:
// both directions halt with PriceDisagreement and nothing moves.
func TestOneOracleCannotSetTheRedeemPrice(t *testing.T) {
	e := newEnv(t, func(_ *env, p *economy.ConfigParams) { p.MaxPriceAgeSecs = 10 })
	require.NoError(t, e.price(1, 2_000_000, 1_000))
	time.Sleep(11 * time.Second) // oracle 1's price goes stale
	require.NoError(t, e.price(0, 2_000_000, 1_000))
	require.NoError(t, e.price(2, 1, 0))
	ioSupply, iosdSupply := e.Supply(t, e.IOMint), e.Supply(t, e.IOSDMint)

	e.convert(t, false, iosd, conversion{economy.ErrPriceDisagreement, 1_000 * io, 1_000 * iosd})
	e.convert(t, true, io, conversion{economy.ErrPriceDisagreement, 1_000 * io, 1_000 * iosd})
	require.Equal(t, ioSupply, e.Supply(t, e.IOMint))
	require.Equal(t, iosdSupply, e.Supply(t, e.IOSDMint))

	// The honest oracle back: the prices agree, and 1 IOSD redeems at 2.00 + 2 x 0.001 for
	// 0.49950049 IO.
	require.NoError(t, e.price(1, 2_000_000, 1_000))
	e.convert(t, false, iosd, conversion{nil, 1_000*io + 49_950_049, 999 * iosd})
}

// One lying oracle, high or low, in both directions: with both honest oracles fresh its price
// is left out (burns use the honest low end, redemptions the honest high end); with an honest
// oracle stale it halts conversions; a lie within the band moves a conversion by at most the
// band, and only against the user.
func TestALyingOracleMovesConversionsAtMostTheBand(t *testing.T) {
	// Honest: oracle 0 at $2.00 +- 0.001, oracle 1 at $2.01. 100 IO burn at 2.00 - 0.002 for
	// 199.8 IOSD; 100 IOSD redeem at 2.01 + 0.002 for 49.70178926 IO.
	const honestBurn, honestRedeem = 199_800_000, 4_970_178_926
	e := newEnv(t, nil)
	require.NoError(t, e.price(0, 2_000_000, 1_000))
	require.NoError(t, e.price(1, 2_010_000, 0))
	for _, lie := range []uint64{1, 1_900_000, 2_100_000, 2_000_000_000} {
		require.NoError(t, e.price(2, lie, 0))
		e.convert(t, true, 100*io, conversion{nil, 900 * io, 1_000*iosd + honestBurn}, "lie %d", lie)
		e.convert(t, false, 100*iosd, conversion{nil, 1_000*io + honestRedeem, 900 * iosd}, "lie %d", lie)
	}
	// A lie within the band of both honest prices joins them: $1.99 lowers the burn price by
	// 0.5% (198.8 IOSD), $2.0150 raises the redeem price by 0.25% (49.57728969 IO).
	require.NoError(t, e.price(2, 1_990_000, 0))
	e.convert(t, true, 100*io, conversion{nil, 900 * io, 1_000*iosd + 198_800_000})
	e.convert(t, false, 100*iosd, conversion{nil, 1_000*io + honestRedeem, 900 * iosd})
	require.NoError(t, e.price(2, 2_015_000, 0))
	e.convert(t, true, 100*io, conversion{nil, 900 * io, 1_000*iosd + honestBurn})
	e.convert(t, false, 100*iosd, conversion{nil, 1_000*io + 4_957_858_205, 900 * iosd})
	// $1.98 agrees with $2.00 only, and the tie between {1.98, 2.00} and {2.00, 2.01} goes to the
	// lower pair: burns at 1.98 (197.8 IOSD), redemptions at 2.00 (49.95004995 IO), each within
	// 1% of an honest price.
	require.NoError(t, e.price(2, 1_980_000, 0))
	e.convert(t, true, 100*io, conversion{nil, 900 * io, 1_000*iosd + 197_800_000})
	e.convert(t, false, 100*iosd, conversion{nil, 1_000*io + 4_995_004_995, 900 * iosd})
}

// The same lies with honest oracle 1 stale: the liar and oracle 0 are the only fresh prices. Out
// of the band they halt both directions; within it (1% low, 1% high: the band's edge) the
// burn or the redemption moves by at most 1%.
func TestALyingOracleWithAStaleHonestOracle(t *testing.T) {
	e := newEnv(t, func(_ *env, p *economy.ConfigParams) { p.MaxPriceAgeSecs = 10 })
	require.NoError(t, e.price(1, 2_000_000, 0))
	time.Sleep(11 * time.Second)
	cases := []struct {
		lie          uint64
		burn, redeem conversion
	}{
		{1, conversion{economy.ErrPriceDisagreement, 1_000 * io, 1_000 * iosd}, conversion{economy.ErrPriceDisagreement, 1_000 * io, 1_000 * iosd}},
		{1_979_999, conversion{economy.ErrPriceDisagreement, 1_000 * io, 1_000 * iosd}, conversion{economy.ErrPriceDisagreement, 1_000 * io, 1_000 * iosd}},
		{2_020_203, conversion{economy.ErrPriceDisagreement, 1_000 * io, 1_000 * iosd}, conversion{economy.ErrPriceDisagreement, 1_000 * io, 1_000 * iosd}},
		{2_000_000_000, conversion{economy.ErrPriceDisagreement, 1_000 * io, 1_000 * iosd}, conversion{economy.ErrPriceDisagreement, 1_000 * io, 1_000 * iosd}},
		// 1% low: burn at 1.98 - 0.002 (197.8 IOSD, honest 199.8); redeem at the honest 2.002.
		{1_980_000, conversion{nil, 900 * io, 1_000*iosd + 197_800_000}, conversion{nil, 1_000*io + 4_995_004_995, 900 * iosd}},
		// 1% high (0.02 within 1% of 2.0202): burn at the honest 1.998; redeem at 2.0222
		// (49.45109286 IO, honest 49.95004995).
		{2_020_200, conversion{nil, 900 * io, 1_000*iosd + 199_800_000}, conversion{nil, 1_000*io + 4_945_109_286, 900 * iosd}},
	}
	for _, c := range cases {
		// each case posts fresh prices, so it runs well within the 10 s age
		require.NoError(t, e.price(0, 2_000_000, 1_000))
		require.NoError(t, e.price(2, c.lie, 0))
		e.convert(t, true, 100*io, c.burn, "lie %d", c.lie)
		e.convert(t, false, 100*iosd, c.redeem, "lie %d", c.lie)
	}
}
