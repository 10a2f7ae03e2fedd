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
		{"no price band", []solana.PrivateKey{e.Admin}, update(admin, func(p *economy.ConfigParams) { p.PriceBandBps = 0 }), economy.ErrInvalidConfigParams},
		{"a price band over 100%", []solana.PrivateKey{e.Admin}, update(admin, func(p *economy.ConfigParams) { p.PriceBandBps = 10_001 }), economy.ErrInvalidConfigParams},
		{"no price age", []solana.PrivateKey{e.Admin}, update(admin, func(p *economy.ConfigParams) { p.MaxPriceAgeSecs = 0 }), economy.ErrInvalidConfigParams},
		{"fee burn without the job's signature", []solana.PrivateKey{stranger}, chaintest.Unsigned(chaintest.Must(e.prog.BurnFee(hk, h.iosd, 1)), 1), economy.ErrMissingSigner},
		{"fee burn by a non-job", []solana.PrivateKey{h.key}, chaintest.Must(e.prog.BurnFee(hk, h.iosd, 1)), economy.ErrNotEscrowJob},
		{"initialize at another address", initSigners, chaintest.WithAccount(initialize, 0, stranger.PublicKey()), economy.ErrInvalidPda},
		{"initialize with a wallet as the escrow program", initSigners, chaintest.WithAccount(initialize, 6, stranger.PublicKey()), economy.ErrInvalidProgramId},
		{"initialize with the mints swapped", initSigners, chaintest.WithAccount(chaintest.WithAccount(initialize, 7, e.IOSDMint), 8, e.IOMint), economy.ErrInvalidMint},
		{"initialize by a stranger", []solana.PrivateKey{stranger, e.Node.Key("admin")},
			chaintest.Must(e.prog.Initialize(stranger.PublicKey(), e.Node.Key("admin").PublicKey(), e.escrowID(), e.params, chaintest.EconomyLimits())), economy.ErrNotUpgradeAuthority},
	})

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
