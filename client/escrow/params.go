package escrow

import "github.com/gagliardetto/solana-go"

// DefaultParams returns the escrow's launch parameters: a 5% protocol fee, half of it burned
// (shared/notes/economics.md: the seeds' 5% network fee, used for burns or rewards); 20 minutes
// for devices to accept (io.net's window to pay for a cluster); 5-minute usage windows, and an
// hour after a job ends for its last usage to be attested.
func DefaultParams(scheduler, treasury solana.PublicKey) ConfigParams {
	return ConfigParams{
		Scheduler:            scheduler,
		Treasury:             treasury,
		AcceptanceWindowSecs: 20 * 60,
		UsageWindowSecs:      5 * 60,
		UsageGraceSecs:       60 * 60,
		FeeBps:               500,
		FeeBurnBps:           5_000,
	}
}
