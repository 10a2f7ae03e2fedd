package escrow_test

import (
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// End to end in IOSD: a renter burns IO for IOSD at the oracle price, pays a job with it; the
// provider is paid in IOSD less the fee, whose burn share is burned through the economy (which
// counts it) and the rest goes to the treasury; the provider redeems its IOSD for IO. IOSD's
// supply stays what the economy minted less what it burned.
func TestIOSDJobEndToEnd(t *testing.T) {
	e := newEnv(t)
	eco := e.Economy
	published := time.Now().Unix() - 1
	for _, o := range e.Oracles[:2] {
		require.NoError(t, e.Send([]solana.PrivateKey{o}, chaintest.Must(eco.SubmitPrice(o.PublicKey(), 2_000_000, 0, published))))
	}
	supply0 := e.Supply(t, e.IOSDMint)

	r := e.newRenter(t, 0)
	rk := r.key.PublicKey()
	rIO := e.TokenAccount(t, e.IOMint, rk, 10*economy.IO)
	require.NoError(t, e.Send([]solana.PrivateKey{r.key}, chaintest.Must(eco.BurnIOForIOSD(rk, rIO, r.token, 5*economy.IO))))
	require.Equal(t, uint64(10*iosd), e.TokenBalance(t, r.token)) // 5 IO at $2

	require.NoError(t, e.Send([]solana.PrivateKey{r.key}, chaintest.Must(e.prog.CreateJob(rk, r.token, e.IOSDMint, terms(1, 1, 8)))))
	j := job{addr: e.prog.JobAddress(rk, 1), id: 1, renter: r}
	e.propose(t, &j, 1)
	_, err := e.accept(j, 0, 0)
	require.NoError(t, err)
	started := e.job(t, j)
	waitUntil(started.StartedAt + 8)
	require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.ExpireJob(j.addr, r.token, e.hired(t, j)))))
	e.countUsage(t, j, e.endedWindow(started.StartedAt+8), 8)

	sig, err := e.settle(j, 0, j.payouts[0])
	require.NoError(t, err)
	want := pay(0, 8)
	require.Equal(t, []any{&economy.FeeBurned{Job: j.addr, Amount: want.FeeBurned}}, e.Events(t, sig, eco.ID, economy.ParseAnyEvent))
	require.Equal(t, want.Payout, e.TokenBalance(t, j.payouts[0]))
	require.Equal(t, want.FeeTreasury, e.TokenBalance(t, e.treasuryIOSD))
	c, err := eco.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	require.Equal(t, uint64(10*iosd), c.IosdMinted)
	require.Equal(t, want.FeeBurned, c.IosdBurned)
	require.Equal(t, supply0+c.IosdMinted-c.IosdBurned, e.Supply(t, e.IOSDMint))

	// The provider redeems its pay: 7,600 IOSD base units at $2 = 380,000 IO base units.
	p := j.providers[0]
	require.NoError(t, e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(eco.RedeemIOSDForIO(p.Owner.PublicKey(), p.Token, j.payouts[0], want.Payout))))
	require.Equal(t, uint64(0), e.TokenBalance(t, j.payouts[0]))
	require.Equal(t, uint64(5_000-2_000)*chaintest.IO+want.Payout*economy.IO/2_000_000, e.TokenBalance(t, p.Token))
	c, err = eco.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	require.Equal(t, supply0+c.IosdMinted-c.IosdBurned, e.Supply(t, e.IOSDMint))

	// Only escrow jobs may use the fee hook.
	stranger := e.Funded(t)
	err = e.Send([]solana.PrivateKey{stranger}, chaintest.Must(eco.BurnFee(stranger.PublicKey(), r.token, 1)))
	require.ErrorIs(t, err, economy.ErrNotEscrowJob)
}
