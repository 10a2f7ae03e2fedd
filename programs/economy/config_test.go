package economy_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/protocol"
)

func (e *env) updateConfig(params economy.ConfigParams) (solana.Signature, error) {
	return e.SendSig([]solana.PrivateKey{e.Admin}, chaintest.Must(e.prog.UpdateConfig(e.Admin.PublicKey(), params)))
}

// applyConfig is sent by a stranger (anyone may), with the live community pool.
func (e *env) applyConfig(t testing.TB) (solana.Signature, error) {
	return e.SendSig([]solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.ApplyConfig(e.config(t).Params.CommunityPool)))
}

// advanceAll advances every ended epoch.
func (e *env) advanceAll(t testing.TB) {
	for i := 0; ; i++ {
		if _, err := e.advance(1000+i, 24); err != nil {
			require.ErrorIs(t, err, economy.ErrEpochNotDue)
			return
		}
	}
}

// epochSplit is what epochs [from, to) emitted at communityBps: the community's share and the
// providers' (protocol.EpochSplit of each epoch's schedule).
func epochSplit(from, to uint64, communityBps uint16) (community, providers uint64) {
	for i := from; i < to; i++ {
		c, p, err := protocol.EpochSplit(scheduled(i+1)-scheduled(i), communityBps)
		if err != nil {
			panic(err)
		}
		community, providers = community+c, providers+p
	}
	return community, providers
}

// Finding 2: the admin set the community share to 100% and the pool to its own account, and
// took every epoch's emission (24 epochs, 109,589.03 IO, nothing to providers). Now (a) a share
// over the ceiling fixed at initialize (10%) is refused; (b) a change within it is only a
// proposal, announced with its time, which applies no sooner than the delay and only after
// every epoch that ended by then was advanced under the old share: providers keep their 95% and
// the old pool its 5% of every epoch before the change (the old pool is paid at the change),
// exactly, and the attacker's pool gets 10% of the epochs after it.
func TestFinding2EmissionsRedirectOnlyAfterTheDelay(t *testing.T) {
	const delay = 6
	e := newUninitializedEnv(t)
	e.params.GenesisTime -= 48 // 24 epochs of 2 s have ended
	limits := chaintest.EconomyLimits()
	limits.MinConfigDelaySecs = delay
	e.InitEconomyWithLimits(t, e.escrowID(), e.params, limits)
	oldPool, attacker := e.params.CommunityPool, e.TokenAccount(t, e.IOMint, solana.NewWallet().PublicKey(), 0)

	all := e.params
	all.CommunityBps, all.CommunityPool = 10_000, attacker
	_, err := e.updateConfig(all)
	require.ErrorIs(t, err, economy.ErrInvalidConfigParams)

	most := e.params
	most.CommunityBps, most.CommunityPool = limits.MaxCommunityBps, attacker
	sig, err := e.updateConfig(most)
	require.NoError(t, err)
	appliesAt := e.chainTime(t, sig) + delay
	require.Equal(t, []any{&economy.ConfigProposed{Admin: e.Admin.PublicKey(), Params: most, AppliesAt: appliesAt}}, e.eventsOf(t, sig))
	c := e.config(t)
	require.Equal(t, [3]any{e.params, most, appliesAt}, [3]any{c.Params, c.Pending, c.PendingAppliesAt})
	_, err = e.applyConfig(t)
	require.ErrorIs(t, err, economy.ErrConfigDelayNotOver)

	e.sleepUntilChain(t, appliesAt)
	_, err = e.applyConfig(t) // the epochs before the change would be split by it
	require.ErrorIs(t, err, economy.ErrEpochsNotAdvanced)
	e.advanceAll(t)
	sig, err = e.applyConfig(t)
	require.NoError(t, err)
	c = e.config(t)
	n := c.NextEpoch
	require.GreaterOrEqual(t, n, uint64((appliesAt-e.params.GenesisTime)/e.params.EpochSecs)) // every epoch ended by the change
	community, providers := epochSplit(0, n, 500)
	require.Equal(t, []any{&economy.CommunityFunded{Amount: community, Total: community},
		&economy.ConfigUpdated{Admin: e.Admin.PublicKey(), Params: most}}, e.eventsOf(t, sig))
	require.Equal(t, [5]uint64{providers, community, community, 0, 0},
		[5]uint64{c.ProviderPoolTotal, c.CommunityFunded, e.TokenBalance(t, oldPool), e.TokenBalance(t, attacker), uint64(c.PendingAppliesAt)})
	require.Equal(t, most, c.Params)
	t.Logf("%d epochs before the change: providers %d IO, the old pool %d IO (5%%), the attacker 0", n, providers/io, community/io)

	e.sleepUntilChain(t, e.params.GenesisTime+int64(n+2)*e.params.EpochSecs) // two more epochs end
	e.advanceAll(t)
	require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.FundCommunityPool(attacker))))
	c = e.config(t)
	later, laterProviders := epochSplit(n, c.NextEpoch, limits.MaxCommunityBps)
	require.Equal(t, [3]uint64{providers + laterProviders, later, community},
		[3]uint64{c.ProviderPoolTotal, e.TokenBalance(t, attacker), e.TokenBalance(t, oldPool)})
	t.Logf("%d epochs after it: the attacker's pool %d IO (10%%), providers %d IO", c.NextEpoch-n, later/io, laterProviders/io)
}

// A change that only reduces the admin's power applies at once and drops any proposal
// (proposing the live parameters cancels one); a breaker limit of 0 halts conversions at once;
// a raise waits for the delay; lowering the community share waits for the ended epochs to be
// advanced.
func TestConfigChangesThatReducePowerApplyAtOnce(t *testing.T) {
	e := newEnv(t, func(_ *env, p *economy.ConfigParams) { p.GenesisTime -= 10 })
	e.quorumPrice(t, 1_000_000, 0)
	h := e.holder(t, 10*io)

	raise := e.params
	raise.IosdMintLimit, raise.PriceBandBps = 2*e.params.IosdMintLimit, 200
	sig, err := e.updateConfig(raise)
	require.NoError(t, err)
	require.IsType(t, &economy.ConfigProposed{}, e.eventsOf(t, sig)[0])
	sig, err = e.updateConfig(e.params) // the live parameters: cancels the proposal
	require.NoError(t, err)
	require.Equal(t, []any{&economy.ConfigUpdated{Admin: e.Admin.PublicKey(), Params: e.params}}, e.eventsOf(t, sig))
	c := e.config(t)
	require.Equal(t, [2]any{economy.ConfigParams{}, int64(0)}, [2]any{c.Pending, c.PendingAppliesAt})
	_, err = e.applyConfig(t)
	require.ErrorIs(t, err, economy.ErrNoConfigProposal)

	brake := e.params
	brake.IosdMintLimit, brake.IoRedeemLimit, brake.PriceBandBps, brake.MaxPriceAgeSecs = 0, 0, 50, 30
	_, err = e.updateConfig(brake)
	require.NoError(t, err)
	require.Equal(t, brake, e.config(t).Params)
	_, err = e.burn(h, io)
	require.ErrorIs(t, err, economy.ErrMintLimitExceeded)
	require.Equal(t, uint64(10*io), e.TokenBalance(t, h.io))

	lower := brake
	lower.CommunityBps = 100
	_, err = e.updateConfig(lower) // 5 epochs ended, none advanced
	require.ErrorIs(t, err, economy.ErrEpochsNotAdvanced)
	e.advanceAll(t)
	_, err = e.updateConfig(lower)
	require.NoError(t, err)
	require.Equal(t, lower, e.config(t).Params)
}

// claim_rewards, a provider's way out with what it earned, never depends on the economy's
// configuration: with the breakers at 0, the price rules tightened and the community pool and
// share changed, a device's attested rewards are paid exactly.
func TestClaimRewardsWhateverTheConfiguration(t *testing.T) {
	e := newEnv(t, func(_ *env, p *economy.ConfigParams) { p.GenesisTime -= 20 })
	e.advanceAll(t)
	p := e.NewProvider(t, chaintest.H100, 0, 0)
	require.NoError(t, e.rewards(0, p.Device, 3*io))
	require.NoError(t, e.rewards(1, p.Device, 3*io))

	next := e.params
	next.IosdMintLimit, next.IoRedeemLimit, next.PriceBandBps, next.MaxPriceAgeSecs = 0, 0, 1, 1
	_, err := e.updateConfig(next)
	require.NoError(t, err)
	next.CommunityBps, next.CommunityPool = 1_000, e.TokenAccount(t, e.IOMint, solana.NewWallet().PublicKey(), 0)
	sig, err := e.updateConfig(next)
	require.NoError(t, err)
	e.sleepUntilChain(t, e.eventsOf(t, sig)[0].(*economy.ConfigProposed).AppliesAt)
	e.advanceAll(t)
	_, err = e.applyConfig(t)
	require.NoError(t, err)
	require.Equal(t, next, e.config(t).Params)

	_, err = e.claim(e.Keeper, p.Device, p.Token)
	require.NoError(t, err)
	require.Equal(t, uint64(3*io), e.TokenBalance(t, p.Token))
}
