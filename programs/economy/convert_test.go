package economy_test

import (
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/internal/chaintest"
	oneconomy "github.com/gpunet/gpunet/onchain/economy"
)

// mintAuthority reads a mint's authority.
func (e *env) mintAuthority(t testing.TB, mint solana.PublicKey) solana.PublicKey {
	data, err := e.Client.AccountData(e.Ctx, mint)
	require.NoError(t, err)
	var m token.Mint
	require.NoError(t, m.UnmarshalWithDecoder(newDecoder(data)))
	require.NotNil(t, m.MintAuthority)
	return *m.MintAuthority
}

// Initialize hands both mints to the mint authority PDA and budgets emissions as the cap less
// the IO that exists.
func TestGenesis(t *testing.T) {
	e := newEnv(t, nil)
	c := e.config(t)
	require.Equal(t, e.prog.MintAuthorityAddress(), c.MintAuthority)
	require.Equal(t, e.prog.MintAuthorityAddress(), e.mintAuthority(t, e.IOMint))
	require.Equal(t, e.prog.MintAuthorityAddress(), e.mintAuthority(t, e.IOSDMint))
	require.Equal(t, uint64(oneconomy.SupplyCap)-e.Supply(t, e.IOMint), c.EmissionBudget)
	require.Equal(t, uint64(oneconomy.FirstMonthEmission), c.MonthEmission)
	require.Equal(t, e.escrowID(), c.EscrowProgram)

	// Nobody else can mint any more: the old authority's MintTo fails.
	old := e.Node.Key("admin")
	h := e.holder(t, 0)
	err := e.Send([]solana.PrivateKey{old}, token.NewMintToInstruction(1, e.IOMint, h.io, old.PublicKey(), nil).Build())
	require.Error(t, err)
	require.Equal(t, uint64(0), e.TokenBalance(t, h.io))
	// And the economy cannot be initialized twice.
	err = e.Send([]solana.PrivateKey{e.Funded(t), e.Admin, old}, chaintest.Must(e.prog.Initialize(e.Admin.PublicKey(), old.PublicKey(), e.escrowID(), e.params, chaintest.EconomyLimits())))
	require.ErrorIs(t, err, economy.ErrAccountAlreadyInitialized)
}

// Burning IO values it at the agreeing prices' low end - 2 x conf, redeeming IOSD at their high
// end + 2 x conf, both rounded down, so a round trip loses both spreads.
func TestBurnAndRedeemAtKnownPrices(t *testing.T) {
	e := newEnv(t, nil)
	h := e.holder(t, 1_000*io)
	const price, conf = 2_000_000, 10_000 // $2.00 +- $0.01 per IO
	_, err := e.burn(h, 100*io)
	require.ErrorIs(t, err, economy.ErrPriceUnavailable)
	require.NoError(t, e.price(0, price, conf))
	_, err = e.burn(h, 100*io)
	require.ErrorIs(t, err, economy.ErrPriceUnavailable) // one oracle is not a quorum
	require.NoError(t, e.price(1, price+10_000, conf/2)) // $2.01: within the 1% band

	ioSupply, iosdSupply := e.Supply(t, e.IOMint), e.Supply(t, e.IOSDMint)
	sig, err := e.burn(h, 100*io)
	require.NoError(t, err)
	// low end 2.00, highest confidence 0.01: 100 IO x 1.98 = 198 IOSD.
	require.Equal(t, []any{&economy.IoBurned{User: h.key.PublicKey(), IoAmount: 100 * io, IosdAmount: 198 * iosd, Price: price, Conf: conf}}, e.eventsOf(t, sig))
	require.Equal(t, uint64(900*io), e.TokenBalance(t, h.io))
	require.Equal(t, uint64(198*iosd), e.TokenBalance(t, h.iosd))
	require.Equal(t, ioSupply-100*io, e.Supply(t, e.IOMint))
	require.Equal(t, iosdSupply+198*iosd, e.Supply(t, e.IOSDMint))

	// 101 IO base units are worth 1.9998 IOSD base units: 1.
	_, err = e.burn(h, 101)
	require.NoError(t, err)
	require.Equal(t, uint64(198*iosd+1), e.TokenBalance(t, h.iosd))
	_, err = e.burn(h, 50)
	require.ErrorIs(t, err, economy.ErrInvalidAmount) // worth 0.99 base units: nothing

	// 198 IOSD at the high end 2.01 + 0.02 per IO: 97.53694581 IO, rounded down.
	sig, err = e.redeem(h, 198*iosd)
	require.NoError(t, err)
	require.Equal(t, []any{&economy.IosdRedeemed{User: h.key.PublicKey(), IosdAmount: 198 * iosd, IoAmount: 9_753_694_581, Price: price + 10_000, Conf: conf}}, e.eventsOf(t, sig))
	require.Equal(t, uint64(900*io-101+9_753_694_581), e.TokenBalance(t, h.io))
	require.Equal(t, uint64(1), e.TokenBalance(t, h.iosd))

	c := e.config(t)
	require.Equal(t, uint64(100*io+101), c.IoBurned)
	require.Equal(t, uint64(198*iosd+1), c.IosdMinted)
	require.Equal(t, uint64(198*iosd), c.IosdBurned)
	require.Equal(t, uint64(9_753_694_581), c.IoMinted)
	require.Equal(t, uint64(9_753_694_581), c.IoRedeemed)
	require.Equal(t, economy.LayoutVersion, c.Version)

	_, err = e.redeem(h, 2)
	require.ErrorIs(t, err, economy.ErrInsufficientFunds)
	require.NoError(t, e.price(0, 20_000, 10_000)) // $0.02 +- $0.01: price - 2 conf is 0
	require.NoError(t, e.price(1, 20_000, 10_000))
	_, err = e.burn(h, io)
	require.ErrorIs(t, err, economy.ErrPriceTooUncertain)
}

// Prices must come from oracles, be newer than the oracle's last and not stale; a price that
// went stale no longer counts toward the quorum.
func TestPriceRules(t *testing.T) {
	e := newEnv(t, func(_ *env, p *economy.ConfigParams) { p.MaxPriceAgeSecs = 3 })
	now := time.Now().Unix() - 1
	stranger := e.Funded(t)
	err := e.Send([]solana.PrivateKey{stranger}, chaintest.Must(e.prog.SubmitPrice(stranger.PublicKey(), 2_000_000, 0, now)))
	require.ErrorIs(t, err, economy.ErrNotOracle)
	require.ErrorIs(t, e.priceAt(0, 0, 0, now), economy.ErrInvalidPrice)
	require.ErrorIs(t, e.priceAt(0, 2_000_000, 0, now+60), economy.ErrInvalidPrice) // in the future
	require.ErrorIs(t, e.priceAt(0, 2_000_000, 0, now-10), economy.ErrStalePrice)
	require.NoError(t, e.priceAt(0, 2_000_000, 0, now))
	require.ErrorIs(t, e.priceAt(0, 2_100_000, 0, now), economy.ErrStalePrice) // not newer: a replay
	require.NoError(t, e.priceAt(1, 2_000_000, 0, now))
	require.Equal(t, economy.PriceSubmission{Price: 2_000_000, PublishTime: now}, e.config(t).Prices[1])

	h := e.holder(t, 10*io)
	_, err = e.burn(h, io)
	require.NoError(t, err)
	time.Sleep(time.Until(time.Unix(now+5, 0)))
	_, err = e.burn(h, io)
	require.ErrorIs(t, err, economy.ErrPriceUnavailable)
}

// Initialize needs the mints' current mint authority to sign the hand-over.
func TestInitializeNeedsTheMintAuthority(t *testing.T) {
	e := newUninitializedEnv(t)
	impostor := e.Funded(t)
	err := e.Send([]solana.PrivateKey{e.Admin, impostor}, chaintest.Must(e.prog.Initialize(e.Admin.PublicKey(), impostor.PublicKey(), e.escrowID(), e.params, chaintest.EconomyLimits())))
	require.ErrorIs(t, err, economy.ErrWrongMintAuthority)
	require.Equal(t, e.Node.Key("admin").PublicKey(), e.mintAuthority(t, e.IOMint))
}

// A conversion burns only what its signer owns: naming another holder's account to burn from
// fails (WrongTokenAccount; SPL Token's Burn would refuse it too) and moves nothing.
func TestConversionsBurnOnlyTheSignersTokens(t *testing.T) {
	e := newEnv(t, nil)
	e.quorumPrice(t, 2_000_000, 0)
	key := e.Funded(t)
	victim := holder{key: key, io: e.TokenAccount(t, e.IOMint, key.PublicKey(), 100*io), iosd: e.TokenAccount(t, e.IOSDMint, key.PublicKey(), 100*iosd)}
	thief := e.holder(t, 0)
	_, err := e.burn(holder{key: thief.key, io: victim.io, iosd: thief.iosd}, 100*io)
	require.ErrorIs(t, err, economy.ErrWrongTokenAccount)
	_, err = e.redeem(holder{key: thief.key, io: thief.io, iosd: victim.iosd}, iosd)
	require.ErrorIs(t, err, economy.ErrWrongTokenAccount)
	require.Equal(t, [4]uint64{100 * io, 100 * iosd, 0, 0},
		[4]uint64{e.TokenBalance(t, victim.io), e.TokenBalance(t, victim.iosd), e.TokenBalance(t, thief.io), e.TokenBalance(t, thief.iosd)})
}
