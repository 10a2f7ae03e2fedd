package economy_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// The negative matrix: every rejected call fails with its exact named error and changes
// nothing in the Config.
func TestNegativeMatrix(t *testing.T) {
	e := newEnv(t, func(_ *env, p *economy.ConfigParams) { p.GenesisTime -= 20 })
	e.quorumPrice(t, 2_000_000, 10_000)
	h := e.holder(t, 100*io)
	_, err := e.burn(h, 10*io)
	require.NoError(t, err)
	stranger := e.Funded(t)
	p := e.NewProvider(t, chaintest.H100, 0, 0)
	require.NoError(t, e.rewards(0, p.Device, io))
	require.NoError(t, e.rewards(1, p.Device, io))
	q := e.NewProvider(t, chaintest.H100, 0, 0) // its oracles disagree beyond the vote band
	require.NoError(t, e.rewards(0, q.Device, io))
	require.NoError(t, e.rewards(1, q.Device, 2*io))
	hk := h.key.PublicKey()
	burn := chaintest.Must(e.prog.BurnIOForIOSD(hk, h.io, h.iosd, io))
	redeem := chaintest.Must(e.prog.RedeemIOSDForIO(hk, h.io, h.iosd, iosd))
	claim := chaintest.Must(e.prog.ClaimRewards(p.Device, p.Token))
	update := func(signer solana.PublicKey, adjust func(*economy.ConfigParams)) solana.Instruction {
		params := e.params
		adjust(&params)
		return chaintest.Must(e.prog.UpdateConfig(signer, params))
	}
	admin := e.Admin.PublicKey()
	oldMintAuthority := e.Node.Key("admin")
	initialize := chaintest.Must(e.prog.Initialize(admin, oldMintAuthority.PublicKey(), e.escrowID(), e.params, chaintest.EconomyLimits()))
	initWith := func(adjust func(*economy.EconomyLimits)) solana.Instruction {
		limits := chaintest.EconomyLimits()
		adjust(&limits)
		return chaintest.Must(e.prog.Initialize(admin, oldMintAuthority.PublicKey(), e.escrowID(), e.params, limits))
	}
	limits := chaintest.EconomyLimits()
	apply := chaintest.Must(e.prog.ApplyConfig(e.params.CommunityPool))
	initSigners := []solana.PrivateKey{e.Admin, oldMintAuthority}
	submitRewards := chaintest.Must(e.prog.SubmitRewards(e.Oracles[0].PublicKey(), p.Device, 2*io))

	type negative struct {
		name    string
		signers []solana.PrivateKey
		ix      solana.Instruction
		want    error
	}
	run := func(cases []negative) {
		before := e.config(t)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := e.SendSig(c.signers, c.ix)
				require.ErrorIs(t, err, c.want)
				chaintest.RequireAnchorError(t, err, c.want)
			})
		}
		require.Equal(t, before, e.config(t), "a rejected call changed the Config")
	}
	run([]negative{
		{"too few accounts", []solana.PrivateKey{h.key}, chaintest.Truncated(burn, 8), economy.ErrNotEnoughAccounts},
		{"burn without the user's signature", []solana.PrivateKey{stranger}, chaintest.Unsigned(burn, 2), economy.ErrMissingSigner},
		{"price without the oracle's signature", []solana.PrivateKey{stranger},
			chaintest.Unsigned(chaintest.Must(e.prog.SubmitPrice(e.Oracles[0].PublicKey(), 1, 0, 1)), 2), economy.ErrMissingSigner},
		{"rewards without the oracle's signature (forged)", []solana.PrivateKey{stranger},
			chaintest.Unsigned(chaintest.Must(e.prog.SubmitRewards(e.Oracles[2].PublicKey(), p.Device, 1_000_000*io)), 4), economy.ErrMissingSigner},
		{"read-only config", []solana.PrivateKey{h.key}, chaintest.ReadOnly(burn, 0), economy.ErrAccountNotWritable},
		{"read-only mint", []solana.PrivateKey{h.key}, chaintest.ReadOnly(burn, 5), economy.ErrAccountNotWritable},
		{"fake token program", []solana.PrivateKey{h.key}, chaintest.WithAccount(burn, 8, solana.SystemProgramID), economy.ErrInvalidProgramId},
		{"a wallet as the config", []solana.PrivateKey{h.key}, chaintest.WithAccount(burn, 0, stranger.PublicKey()), economy.ErrInvalidAccountOwner},
		{"advance with a wallet as the config", []solana.PrivateKey{stranger}, chaintest.WithAccount(chaintest.Must(e.prog.AdvanceEpoch(1)), 0, stranger.PublicKey()), economy.ErrInvalidAccountOwner},
		{"claim with a fake token program", []solana.PrivateKey{stranger}, chaintest.WithAccount(claim, 7, solana.SystemProgramID), economy.ErrInvalidProgramId},
		{"another registry config", []solana.PrivateKey{h.key}, chaintest.WithAccount(burn, 1, p.Device), economy.ErrInvalidPda},
		{"another mint authority", []solana.PrivateKey{h.key}, chaintest.WithAccount(burn, 7, stranger.PublicKey()), economy.ErrInvalidPda},
		{"mints swapped", []solana.PrivateKey{h.key}, chaintest.WithAccount(chaintest.WithAccount(burn, 5, e.IOSDMint), 6, e.IOMint), economy.ErrInvalidMint},
		{"IO from an IOSD account", []solana.PrivateKey{h.key}, chaintest.Must(e.prog.BurnIOForIOSD(hk, h.iosd, h.iosd, io)), economy.ErrInvalidMint},
		{"burn 0", []solana.PrivateKey{h.key}, chaintest.Must(e.prog.BurnIOForIOSD(hk, h.io, h.iosd, 0)), economy.ErrInvalidAmount},
		{"burn more than held", []solana.PrivateKey{h.key}, chaintest.Must(e.prog.BurnIOForIOSD(hk, h.io, h.iosd, 1_000*io)), economy.ErrInsufficientFunds},
		{"redeem more than held", []solana.PrivateKey{h.key}, chaintest.Must(e.prog.RedeemIOSDForIO(hk, h.io, h.iosd, 1_000*iosd)), economy.ErrInsufficientFunds},
		{"claim with another device's existing record", []solana.PrivateKey{stranger}, chaintest.WithAccount(claim, 3, e.prog.RewardsAddress(q.Device)), economy.ErrInvalidPda},
		{"claim for a wallet, not a device", []solana.PrivateKey{stranger}, chaintest.WithAccount(claim, 2, stranger.PublicKey()), economy.ErrInvalidAccountOwner},
		{"claim with another mint authority", []solana.PrivateKey{stranger}, chaintest.WithAccount(claim, 6, stranger.PublicKey()), economy.ErrInvalidPda},
		{"rewards into another device's record", []solana.PrivateKey{e.Oracles[0]}, chaintest.WithAccount(submitRewards, 3, e.prog.RewardsAddress(q.Device)), economy.ErrInvalidPda},
		{"claim with the IOSD mint", []solana.PrivateKey{stranger}, chaintest.WithAccount(claim, 5, e.IOSDMint), economy.ErrInvalidMint},
		{"claim while the oracles disagree", []solana.PrivateKey{stranger}, chaintest.Must(e.prog.ClaimRewards(q.Device, q.Token)), economy.ErrRewardDisagreement},
		{"claim to another owner", []solana.PrivateKey{stranger}, chaintest.Must(e.prog.ClaimRewards(p.Device, h.io)), economy.ErrWrongTokenAccount},
		{"claim with another device's record", []solana.PrivateKey{stranger}, chaintest.WithAccount(claim, 3, e.prog.RewardsAddress(h.key.PublicKey())), economy.ErrInvalidAccountOwner},
		{"rewards for a wallet, not a device", []solana.PrivateKey{e.Oracles[0]},
			chaintest.Must(e.prog.SubmitRewards(e.Oracles[0].PublicKey(), stranger.PublicKey(), io)), economy.ErrInvalidAccountOwner},
		{"fund with the IOSD mint", []solana.PrivateKey{stranger}, chaintest.WithAccount(chaintest.Must(e.prog.FundCommunityPool(e.params.CommunityPool)), 2, e.IOSDMint), economy.ErrInvalidMint},
		{"fund another pool", []solana.PrivateKey{stranger}, chaintest.Must(e.prog.FundCommunityPool(h.io)), economy.ErrWrongTokenAccount},
		{"update without the admin's signature", []solana.PrivateKey{stranger}, chaintest.Unsigned(update(admin, func(*economy.ConfigParams) {}), 1), economy.ErrMissingSigner},
		{"update by a stranger", []solana.PrivateKey{stranger}, update(stranger.PublicKey(), func(*economy.ConfigParams) {}), economy.ErrUnauthorized},
		{"change the schedule", []solana.PrivateKey{e.Admin}, update(admin, func(p *economy.ConfigParams) { p.MonthlyDecayE9++ }), economy.ErrInvalidConfigParams},
		{"change the cap", []solana.PrivateKey{e.Admin}, update(admin, func(p *economy.ConfigParams) { p.SupplyCap++ }), economy.ErrInvalidConfigParams},
		{"a community share over 100%", []solana.PrivateKey{e.Admin}, update(admin, func(p *economy.ConfigParams) { p.CommunityBps = 10_001 }), economy.ErrInvalidConfigParams},
		{"a community share over its ceiling", []solana.PrivateKey{e.Admin}, update(admin, func(p *economy.ConfigParams) { p.CommunityBps = limits.MaxCommunityBps + 1 }), economy.ErrInvalidConfigParams},
		{"a mint breaker over its ceiling", []solana.PrivateKey{e.Admin}, update(admin, func(p *economy.ConfigParams) { p.IosdMintLimit = limits.MaxIosdMintLimit + 1 }), economy.ErrInvalidConfigParams},
		{"a redeem breaker over its ceiling", []solana.PrivateKey{e.Admin}, update(admin, func(p *economy.ConfigParams) { p.IoRedeemLimit = limits.MaxIoRedeemLimit + 1 }), economy.ErrInvalidConfigParams},
		{"change the breaker window", []solana.PrivateKey{e.Admin}, update(admin, func(p *economy.ConfigParams) { p.BreakerWindowSecs++ }), economy.ErrInvalidConfigParams},
		{"update with another registry config", []solana.PrivateKey{e.Admin}, chaintest.WithAccount(update(admin, func(*economy.ConfigParams) {}), 2, p.Device), economy.ErrInvalidPda},
		{"lower the community share before the ended epochs are advanced", []solana.PrivateKey{e.Admin}, update(admin, func(p *economy.ConfigParams) { p.CommunityBps-- }), economy.ErrEpochsNotAdvanced},
		{"apply without a proposal", []solana.PrivateKey{stranger}, apply, economy.ErrNoConfigProposal},
		{"apply with another community pool", []solana.PrivateKey{stranger}, chaintest.Must(e.prog.ApplyConfig(h.io)), economy.ErrWrongTokenAccount},
		{"apply with the IOSD mint", []solana.PrivateKey{stranger}, chaintest.WithAccount(apply, 2, e.IOSDMint), economy.ErrInvalidMint},
		{"apply with another mint authority", []solana.PrivateKey{stranger}, chaintest.WithAccount(apply, 3, stranger.PublicKey()), economy.ErrInvalidPda},
		{"apply with a read-only config", []solana.PrivateKey{stranger}, chaintest.ReadOnly(apply, 0), economy.ErrAccountNotWritable},
		{"no price band", []solana.PrivateKey{e.Admin}, update(admin, func(p *economy.ConfigParams) { p.PriceBandBps = 0 }), economy.ErrInvalidConfigParams},
		{"a price band over 100%", []solana.PrivateKey{e.Admin}, update(admin, func(p *economy.ConfigParams) { p.PriceBandBps = 10_001 }), economy.ErrInvalidConfigParams},
		{"no price age", []solana.PrivateKey{e.Admin}, update(admin, func(p *economy.ConfigParams) { p.MaxPriceAgeSecs = 0 }), economy.ErrInvalidConfigParams},
		{"fee burn without the job's signature", []solana.PrivateKey{stranger}, chaintest.Unsigned(chaintest.Must(e.prog.BurnFee(hk, h.iosd, 1)), 1), economy.ErrMissingSigner},
		{"fee burn by a non-job", []solana.PrivateKey{h.key}, chaintest.Must(e.prog.BurnFee(hk, h.iosd, 1)), economy.ErrNotEscrowJob},
		{"initialize at another address", initSigners, chaintest.WithAccount(initialize, 0, stranger.PublicKey()), economy.ErrInvalidPda},
		{"initialize with a wallet as the escrow program", initSigners, chaintest.WithAccount(initialize, 6, stranger.PublicKey()), economy.ErrInvalidProgramId},
		{"initialize with the mints swapped", initSigners, chaintest.WithAccount(chaintest.WithAccount(initialize, 7, e.IOSDMint), 8, e.IOMint), economy.ErrInvalidMint},
		{"initialize with no config delay", initSigners, initWith(func(l *economy.EconomyLimits) { l.MinConfigDelaySecs = 0 }), economy.ErrInvalidConfigParams},
		{"initialize with a community ceiling over 100%", initSigners, initWith(func(l *economy.EconomyLimits) { l.MaxCommunityBps = 10_001 }), economy.ErrInvalidConfigParams},
		{"initialize with a community share over its ceiling", initSigners, initWith(func(l *economy.EconomyLimits) { l.MaxCommunityBps = e.params.CommunityBps - 1 }), economy.ErrInvalidConfigParams},
		{"initialize with a mint breaker ceiling of 0", initSigners, initWith(func(l *economy.EconomyLimits) { l.MaxIosdMintLimit = 0 }), economy.ErrInvalidConfigParams},
		{"initialize with a breaker over its ceiling", initSigners, initWith(func(l *economy.EconomyLimits) { l.MaxIoRedeemLimit = e.params.IoRedeemLimit - 1 }), economy.ErrInvalidConfigParams},
		{"initialize by a stranger", []solana.PrivateKey{stranger, e.Node.Key("admin")},
			chaintest.Must(e.prog.Initialize(stranger.PublicKey(), e.Node.Key("admin").PublicKey(), e.escrowID(), e.params, chaintest.EconomyLimits())), economy.ErrNotUpgradeAuthority},
	})

	// a proposal (a raised community share) is pending: it applies after the delay, and then only once
	// the ended epochs are advanced
	sig, err := e.SendSig([]solana.PrivateKey{e.Admin}, update(admin, func(p *economy.ConfigParams) { p.CommunityBps++ }))
	require.NoError(t, err)
	run([]negative{{"apply before the delay", []solana.PrivateKey{stranger}, apply, economy.ErrConfigDelayNotOver}})
	e.sleepUntilChain(t, e.eventsOf(t, sig)[0].(*economy.ConfigProposed).AppliesAt)
	run([]negative{{"apply before the ended epochs are advanced", []solana.PrivateKey{stranger}, apply, economy.ErrEpochsNotAdvanced}})

	// oracle 0 now disagrees with oracle 1 beyond the price band (oracle 2 has no price)
	require.NoError(t, e.price(0, 2_100_000, 10_000))
	run([]negative{
		{"burn while the prices disagree", []solana.PrivateKey{h.key}, burn, economy.ErrPriceDisagreement},
		{"redeem while the prices disagree", []solana.PrivateKey{h.key}, redeem, economy.ErrPriceDisagreement},
	})
	require.NoError(t, e.price(0, 2_000_000, 10_000))
	_, err = e.SendSig([]solana.PrivateKey{h.key}, redeem)
	require.NoError(t, err) // the valid forms still work
	_, err = e.SendSig([]solana.PrivateKey{stranger}, claim)
	require.ErrorIs(t, err, economy.ErrRewardPoolExhausted) // no epoch advanced yet: the pool is empty
}
