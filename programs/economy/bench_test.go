package economy_test

import (
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/internal/chaintest"
)

// BenchmarkComputeUnits sends every economy instruction once on the localnet and reports its
// compute units: the total, and the program's own share (the total less the invoked programs'
// consumption and the 946-CU base of each CPI). burn_fee is measured inside the escrow's
// settle (programs/escrow's benchmark).
func BenchmarkComputeUnits(b *testing.B) {
	e := newUninitializedEnv(b)
	e.params.GenesisTime -= 100
	measure := chaintest.NewCUTable(e.Env, b).Measure
	mintAuthority := e.Node.Key("admin")
	measure("initialize", []solana.PrivateKey{e.Admin, mintAuthority},
		chaintest.Must(e.prog.Initialize(e.Admin.PublicKey(), mintAuthority.PublicKey(), e.escrowID(), e.params, chaintest.EconomyLimits())))
	measure("update_config (at once)", []solana.PrivateKey{e.Admin}, chaintest.Must(e.prog.UpdateConfig(e.Admin.PublicKey(), e.params)))
	next := e.params
	next.CommunityPool = e.TokenAccount(b, e.IOMint, solana.NewWallet().PublicKey(), 0)
	measure("update_config (proposes)", []solana.PrivateKey{e.Admin}, chaintest.Must(e.prog.UpdateConfig(e.Admin.PublicKey(), next)))
	now := time.Now().Unix() - 1
	for i, o := range e.Oracles {
		measure("submit_price", []solana.PrivateKey{o}, chaintest.Must(e.prog.SubmitPrice(o.PublicKey(), uint64(2_000_000+i), 1_000, now)))
	}
	h := e.holder(b, 100*io)
	measure("burn_io_for_iosd", []solana.PrivateKey{h.key}, chaintest.Must(e.prog.BurnIOForIOSD(h.key.PublicKey(), h.io, h.iosd, 10*io)))
	measure("redeem_iosd_for_io", []solana.PrivateKey{h.key}, chaintest.Must(e.prog.RedeemIOSDForIO(h.key.PublicKey(), h.io, h.iosd, 10*iosd)))
	measure("advance_epoch (1)", []solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.AdvanceEpoch(1)))
	measure("advance_epoch (24)", []solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.AdvanceEpoch(24)))
	p := e.NewProvider(b, chaintest.H100, 0, 0)
	measure("submit_rewards (creates the record)", []solana.PrivateKey{e.Oracles[0]}, chaintest.Must(e.prog.SubmitRewards(e.Oracles[0].PublicKey(), p.Device, io)))
	measure("submit_rewards", []solana.PrivateKey{e.Oracles[1]}, chaintest.Must(e.prog.SubmitRewards(e.Oracles[1].PublicKey(), p.Device, io)))
	measure("claim_rewards", []solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.ClaimRewards(p.Device, p.Token)))
	measure("fund_community_pool", []solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.FundCommunityPool(e.params.CommunityPool)))
	e.sleepUntilChain(b, e.config(b).PendingAppliesAt)
	e.advanceAll(b)
	measure("apply_config (pays the old pool)", []solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.ApplyConfig(e.params.CommunityPool)))
}
