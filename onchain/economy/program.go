package economy

import (
	"context"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/onchain/internal/anchorix"
	"github.com/gpunet/gpunet/onchain/registry"
)

// Program is the economy program as deployed at ID on one cluster, working with the registry
// deployed at Registry.ID (whose oracle set it trusts) and the IO and IOSD mints. Build it
// with New, which derives the fixed addresses once.
type Program struct {
	ID            solana.PublicKey
	Registry      registry.Program
	IOMint        solana.PublicKey
	IOSDMint      solana.PublicKey
	config        solana.PublicKey
	mintAuthority solana.PublicKey
	programData   solana.PublicKey
}

// New is the economy deployed at id, working with reg and the IO and IOSD mints.
func New(id solana.PublicKey, reg registry.Program, ioMint, iosdMint solana.PublicKey) Program {
	return Program{ID: id, Registry: reg, IOMint: ioMint, IOSDMint: iosdMint,
		config:        anchorix.Addr(economy.FindConfigAddress(id)),
		mintAuthority: anchorix.Addr(economy.FindMintAuthorityAddress(id)),
		programData:   anchorix.ProgramDataAddress(id),
	}
}

// ConfigAddress is the Config PDA.
func (p Program) ConfigAddress() solana.PublicKey { return p.config }

// MintAuthorityAddress is the PDA that, after initialize, is the mint authority of IO and IOSD.
func (p Program) MintAuthorityAddress() solana.PublicKey { return p.mintAuthority }

// RewardsAddress is a registry Device's RewardRecord.
func (p Program) RewardsAddress(device solana.PublicKey) solana.PublicKey {
	return anchorix.Addr(economy.FindRewardsAddress(p.ID, device))
}

// Initialize creates the Config with params within limits (fixed for good); admin must be the
// upgrade authority and mintAuthority the mints' current mint authority, which hands them to
// MintAuthorityAddress. Mints with a freeze authority are refused.
func (p Program) Initialize(admin, mintAuthority, escrowProgram solana.PublicKey, params economy.ConfigParams, limits economy.EconomyLimits) (solana.Instruction, error) {
	ix, err := economy.NewInitializeInstruction(params, limits, p.ConfigAddress(), admin, p.ID, p.programData, p.Registry.ID, p.Registry.ConfigAddress(),
		escrowProgram, p.IOMint, p.IOSDMint, p.MintAuthorityAddress(), mintAuthority, solana.TokenProgramID, solana.SystemProgramID)
	return anchorix.Build(p.ID, economy.Instruction_Initialize, ix, err)
}

// UpdateConfig proposes params (admin only): a change that only reduces the admin's power
// applies at once, any other after the delay (ApplyConfig).
func (p Program) UpdateConfig(admin solana.PublicKey, params economy.ConfigParams) (solana.Instruction, error) {
	ix, err := economy.NewUpdateConfigInstruction(params, p.ConfigAddress(), admin, p.Registry.ConfigAddress())
	return anchorix.Build(p.ID, economy.Instruction_UpdateConfig, ix, err)
}

// ApplyConfig applies the proposal once its delay is over; communityPool is the live community
// pool's IO account (paid what it accrued if the proposal changes the pool). Anyone may send it.
func (p Program) ApplyConfig(communityPool solana.PublicKey) (solana.Instruction, error) {
	ix, err := economy.NewApplyConfigInstruction(p.ConfigAddress(), communityPool, p.IOMint, p.MintAuthorityAddress(), solana.TokenProgramID)
	return anchorix.Build(p.ID, economy.Instruction_ApplyConfig, ix, err)
}

// SubmitPrice is an oracle's IO/USD price (micro-USD per IO), confidence and publish time.
func (p Program) SubmitPrice(oracle solana.PublicKey, price, conf uint64, publishTime int64) (solana.Instruction, error) {
	ix, err := economy.NewSubmitPriceInstruction(price, conf, publishTime, p.ConfigAddress(), p.Registry.ConfigAddress(), oracle)
	return anchorix.Build(p.ID, economy.Instruction_SubmitPrice, ix, err)
}

// BurnIOForIOSD burns amount IO base units from userIO and mints IOSD to userIOSD.
func (p Program) BurnIOForIOSD(user, userIO, userIOSD solana.PublicKey, amount uint64) (solana.Instruction, error) {
	ix, err := economy.NewBurnIoForIosdInstruction(amount, p.ConfigAddress(), p.Registry.ConfigAddress(), user, userIO, userIOSD,
		p.IOMint, p.IOSDMint, p.MintAuthorityAddress(), solana.TokenProgramID)
	return anchorix.Build(p.ID, economy.Instruction_BurnIoForIosd, ix, err)
}

// RedeemIOSDForIO burns amount IOSD base units from userIOSD and mints IO to userIO.
func (p Program) RedeemIOSDForIO(user, userIO, userIOSD solana.PublicKey, amount uint64) (solana.Instruction, error) {
	ix, err := economy.NewRedeemIosdForIoInstruction(amount, p.ConfigAddress(), p.Registry.ConfigAddress(), user, userIO, userIOSD,
		p.IOMint, p.IOSDMint, p.MintAuthorityAddress(), solana.TokenProgramID)
	return anchorix.Build(p.ID, economy.Instruction_RedeemIosdForIo, ix, err)
}

// AdvanceEpoch advances up to maxEpochs ended epochs.
func (p Program) AdvanceEpoch(maxEpochs uint8) (solana.Instruction, error) {
	ix, err := economy.NewAdvanceEpochInstruction(maxEpochs, p.ConfigAddress())
	return anchorix.Build(p.ID, economy.Instruction_AdvanceEpoch, ix, err)
}

// SubmitRewards is an oracle's attestation of a registry Device's cumulative reward.
func (p Program) SubmitRewards(oracle, device solana.PublicKey, cumulative uint64) (solana.Instruction, error) {
	ix, err := economy.NewSubmitRewardsInstruction(cumulative, p.ConfigAddress(), p.Registry.ConfigAddress(), device, p.RewardsAddress(device), oracle, solana.SystemProgramID)
	return anchorix.Build(p.ID, economy.Instruction_SubmitRewards, ix, err)
}

// ClaimRewards pays a device's attested, unpaid rewards to ownerIO, its owner's IO account.
func (p Program) ClaimRewards(device, ownerIO solana.PublicKey) (solana.Instruction, error) {
	ix, err := economy.NewClaimRewardsInstruction(p.ConfigAddress(), p.Registry.ConfigAddress(), device, p.RewardsAddress(device), ownerIO,
		p.IOMint, p.MintAuthorityAddress(), solana.TokenProgramID)
	return anchorix.Build(p.ID, economy.Instruction_ClaimRewards, ix, err)
}

// FundCommunityPool mints the accrued community share to the community pool's IO account.
func (p Program) FundCommunityPool(communityPool solana.PublicKey) (solana.Instruction, error) {
	ix, err := economy.NewFundCommunityPoolInstruction(p.ConfigAddress(), communityPool, p.IOMint, p.MintAuthorityAddress(), solana.TokenProgramID)
	return anchorix.Build(p.ID, economy.Instruction_FundCommunityPool, ix, err)
}

// BurnFee is the escrow's fee-burn hook: job (an escrow Job, signing) burns amount IOSD from
// source. The escrow invokes it from settle; it is here for tools and tests.
func (p Program) BurnFee(job, source solana.PublicKey, amount uint64) (solana.Instruction, error) {
	ix, err := economy.NewBurnFeeInstruction(amount, p.ConfigAddress(), job, source, p.IOSDMint, solana.TokenProgramID)
	return anchorix.Build(p.ID, economy.Instruction_BurnFee, ix, err)
}

// FetchConfig reads and decodes the Config.
func (p Program) FetchConfig(ctx context.Context, r chain.Reader) (*economy.Config, error) {
	return anchorix.Fetch(ctx, r, p.ConfigAddress(), economy.ParseAccount_Config)
}

// FetchRewards reads and decodes a device's RewardRecord.
func (p Program) FetchRewards(ctx context.Context, r chain.Reader, device solana.PublicKey) (*economy.RewardRecord, error) {
	return anchorix.Fetch(ctx, r, p.RewardsAddress(device), economy.ParseAccount_RewardRecord)
}
