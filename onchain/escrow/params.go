package escrow

import (
	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/escrow"
)

// DefaultParams returns the escrow's launch parameters: a 5% protocol fee, half of it burned
// (docs/economics.md: the seeds' 5% network fee, used for burns or rewards); 20 minutes
// for devices to accept (io.net's window to pay for a cluster); 5-minute usage windows, and an
// hour after a job ends for its last usage to be attested (at least a usage window plus the
// registry's vote_deadline_secs, 10 minutes by default, so the last window's votes can count).
func DefaultParams(scheduler, treasury solana.PublicKey) escrow.ConfigParams {
	return escrow.ConfigParams{
		Scheduler:            scheduler,
		Treasury:             treasury,
		AcceptanceWindowSecs: 20 * 60,
		UsageWindowSecs:      5 * 60,
		UsageGraceSecs:       60 * 60,
		FeeBps:               500,
		FeeBurnBps:           5_000,
	}
}

// DefaultLimits returns the hard limits the escrow is initialized with, fixed for good: a fee of
// at most 10% (twice the launch fee), an ended job's last usage awaited at most a day, and a
// week's notice before a change that is not applied at once (the registry's 14-day unstake
// cooldown is longer, and the delay is the larger of the two).
func DefaultLimits() escrow.EscrowLimits {
	return escrow.EscrowLimits{
		MinConfigDelaySecs: 7 * 24 * 60 * 60,
		MaxUsageGraceSecs:  24 * 60 * 60,
		MaxFeeBps:          1_000,
	}
}
