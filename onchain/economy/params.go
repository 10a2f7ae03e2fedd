package economy

import (
	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/economy"
)

// Schedule constants (docs/economics.md): io.net's 800M IO cap, 3,333,333 IO in the
// first month, each month 1.01508% less than the last, hourly epochs, 8,760 / 12 = 730 per month.
const (
	SupplyCap          = 800_000_000 * economy.IO
	FirstMonthEmission = 3_333_333 * economy.IO
	MonthlyDecayE9     = 10_150_800
	EpochSecs          = 3600
	EpochsPerMonth     = 730
)

// DefaultParams returns the economy's launch parameters with epoch 0 starting at genesis:
// io.net's schedule, 95% of each epoch to providers and 5% to the community pool, Helium's
// 10-minute price staleness limit, and circuit breakers of 1M IOSD minted and 1M IO redeemed
// per day; IO burned for IOSD flows back to rewards up to 10,000 IO an epoch; fresh prices must
// agree within 1% (PriceBandBps) or conversions halt.
func DefaultParams(communityPool solana.PublicKey, genesis int64) economy.ConfigParams {
	return economy.ConfigParams{
		CommunityPool:      communityPool,
		SupplyCap:          SupplyCap,
		FirstMonthEmission: FirstMonthEmission,
		MonthlyDecayE9:     MonthlyDecayE9,
		NetEmissionLimit:   10_000 * economy.IO,
		IosdMintLimit:      1_000_000 * economy.IOSD,
		IoRedeemLimit:      1_000_000 * economy.IO,
		GenesisTime:        genesis,
		EpochSecs:          EpochSecs,
		MaxPriceAgeSecs:    600,
		BreakerWindowSecs:  24 * 3600,
		EpochsPerMonth:     EpochsPerMonth,
		CommunityBps:       500,
		PriceBandBps:       100,
	}
}

// DefaultLimits are the hard limits initialize fixes for good: a change that is not applied at
// once waits at least 7 days (or the registry's unstake cooldown, 14 days by default, when
// longer); the community share never exceeds 10% (twice the default); the breakers never let
// through more than 10M IOSD minted or 10M IO redeemed per window (ten times the defaults).
func DefaultLimits() economy.EconomyLimits {
	return economy.EconomyLimits{
		MinConfigDelaySecs: 7 * 24 * 3600,
		MaxIosdMintLimit:   10_000_000 * economy.IOSD,
		MaxIoRedeemLimit:   10_000_000 * economy.IO,
		MaxCommunityBps:    1_000,
	}
}
