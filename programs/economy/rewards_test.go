package economy_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/protocol"
)

// rewards sends oracle i's attestation of device's cumulative reward.
func (e *env) rewards(i int, device solana.PublicKey, cumulative uint64) error {
	return e.Send([]solana.PrivateKey{e.Oracles[i]}, chaintest.Must(e.prog.SubmitRewards(e.Oracles[i].PublicKey(), device, cumulative)))
}

func (e *env) claim(payer solana.PrivateKey, device, ownerIO solana.PublicKey) (solana.Signature, error) {
	return e.SendSig([]solana.PrivateKey{payer}, chaintest.Must(e.prog.ClaimRewards(device, ownerIO)))
}

// Claims pay the low end of a quorum of the oracles' cumulative values that agree within the
// vote band, less what was paid: one dishonest oracle, however high, moves nothing; values never
// go down; replays, non-oracles, the wrong payee and claims beyond the provider pool fail.
func TestRewardClaims(t *testing.T) {
	e := newEnv(t, func(_ *env, p *economy.ConfigParams) { p.GenesisTime -= 100 }) // 50 epochs have ended
	_, err := e.advance(0, 24)
	require.NoError(t, err)
	pool := e.config(t).ProviderPoolTotal
	p := e.NewProvider(t, chaintest.H100, 0, 0)
	claim := func(payer solana.PrivateKey) (solana.Signature, error) { return e.claim(payer, p.Device, p.Token) }

	require.NoError(t, e.rewards(0, p.Device, 100*io))
	_, err = claim(e.Keeper)
	require.ErrorIs(t, err, economy.ErrRewardQuorumNotMet)
	require.NoError(t, e.rewards(1, p.Device, 100*io))
	require.NoError(t, e.rewards(2, p.Device, 10_000*io)) // dishonest
	sig, err := claim(e.Keeper)
	require.NoError(t, err)
	require.Equal(t, []any{&economy.RewardsClaimed{Device: p.Device, OwnerIo: p.Token, Amount: 100 * io, Cumulative: 100 * io}}, e.eventsOf(t, sig))
	require.Equal(t, uint64(100*io), e.TokenBalance(t, p.Token))

	require.NoError(t, e.rewards(2, p.Device, 50_000*io))
	_, err = claim(p.Owner)
	require.ErrorIs(t, err, economy.ErrNothingToClaim)
	require.ErrorIs(t, e.rewards(0, p.Device, 90*io), economy.ErrStaleReward)
	require.ErrorIs(t, e.rewards(0, p.Device, 0), economy.ErrStaleReward)
	stranger := e.Funded(t)
	err = e.Send([]solana.PrivateKey{stranger}, chaintest.Must(e.prog.SubmitRewards(stranger.PublicKey(), p.Device, 1_000_000*io)))
	require.ErrorIs(t, err, economy.ErrNotOracle)

	require.NoError(t, e.rewards(0, p.Device, 200*io))
	require.NoError(t, e.rewards(1, p.Device, 200*io))
	other := e.TokenAccount(t, e.IOMint, stranger.PublicKey(), 0)
	_, err = e.claim(e.Keeper, p.Device, other)
	require.ErrorIs(t, err, economy.ErrWrongTokenAccount)
	_, err = claim(stranger) // anyone may crank a claim; it pays the owner
	require.NoError(t, err)
	require.Equal(t, uint64(200*io), e.TokenBalance(t, p.Token)) // 200 and 200 agree; 50,000 is left out
	record, err := e.prog.FetchRewards(e.Ctx, e.Client, p.Device)
	require.NoError(t, err)
	require.Equal(t, uint64(200*io), record.Claimed)
	require.Equal(t, [3]uint64{200 * io, 200 * io, 50_000 * io}, [3]uint64(record.Values[:3]))
	require.Equal(t, economy.LayoutVersion, record.Version)

	// More than the provider pool holds cannot be claimed.
	q := e.NewProvider(t, chaintest.H100, 0, 0)
	require.NoError(t, e.rewards(0, q.Device, pool))
	require.NoError(t, e.rewards(1, q.Device, pool))
	_, err = e.claim(e.Keeper, q.Device, q.Token)
	require.ErrorIs(t, err, economy.ErrRewardPoolExhausted)
	c := e.config(t)
	require.Equal(t, uint64(200*io), c.RewardsClaimed)
	require.Equal(t, uint64(200*io), c.IoMinted)
}

// When the registry's admin changes the oracle set, prices and reward values submitted under
// the old set stop counting (indexes shift): conversions wait for a quorum of fresh prices, and
// a device's values start over, its paid total kept.
func TestOracleRotation(t *testing.T) {
	e := newEnv(t, func(_ *env, p *economy.ConfigParams) { p.GenesisTime -= 100 })
	_, err := e.advance(0, 24)
	require.NoError(t, err)
	e.quorumPrice(t, 2_000_000, 0)
	h := e.holder(t, 10*io)
	p := e.NewProvider(t, chaintest.H100, 0, 0)
	require.NoError(t, e.rewards(0, p.Device, 10*io))
	require.NoError(t, e.rewards(1, p.Device, 10*io))
	_, err = e.claim(e.Keeper, p.Device, p.Token)
	require.NoError(t, err)

	params := e.RotateOracles(t, e.Oracles[1], e.Oracles[2])

	_, err = e.burn(h, io)
	require.ErrorIs(t, err, economy.ErrPriceUnavailable)
	require.NoError(t, e.price(1, 2_000_000, 0)) // oracle-2, now index 0
	_, err = e.burn(h, io)
	require.ErrorIs(t, err, economy.ErrPriceUnavailable) // one fresh price is not the quorum of 2
	require.NoError(t, e.price(2, 2_000_000, 0))
	_, err = e.burn(h, io)
	require.NoError(t, err)

	require.NoError(t, e.rewards(1, p.Device, 12*io)) // oracle-2: its old value no longer counts
	_, err = e.claim(e.Oracles[0], p.Device, p.Token) // a new payer: not the earlier claim again
	require.ErrorIs(t, err, economy.ErrRewardQuorumNotMet)
	require.NoError(t, e.rewards(2, p.Device, 12*io))
	_, err = e.claim(e.Funded(t), p.Device, p.Token)
	require.NoError(t, err)
	require.Equal(t, uint64(12*io), e.TokenBalance(t, p.Token)) // 12 agreed, 10 already paid
	record, err := e.prog.FetchRewards(e.Ctx, e.Client, p.Device)
	require.NoError(t, err)
	require.Equal(t, protocol.OracleSetFingerprint(&params), record.OracleSet)
}
