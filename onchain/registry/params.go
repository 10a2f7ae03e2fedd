package registry

import (
	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/registry"
)

const (
	hour = 3600
	day  = 24 * hour
	// bps is 100% in basis points (registry.Bps, untyped to suit every field's width).
	bps = 10_000
)

// DefaultParams returns the registry's launch parameters (docs/economics.md: io.net's
// stake of 200 IO x max(1, multiplier), 14-day cooldown, 12 h probation, 30-day appeal window;
// hourly proof windows, stale after 3 hours).
func DefaultParams(keeper, treasury, compensationPool, escrowAuthority solana.PublicKey, oracles []solana.PublicKey, quorum uint8) registry.ConfigParams {
	p := registry.ConfigParams{
		Keeper:                keeper,
		Treasury:              treasury,
		CompensationPool:      compensationPool,
		EscrowAuthority:       escrowAuthority,
		BaseStake:             200 * economy.IO,
		UnstakeCooldownSecs:   14 * day,
		ProbationSecs:         12 * hour,
		HeartbeatIntervalSecs: 60,
		AppealWindowSecs:      30 * day,
		ProofWindowSecs:       hour,
		MaxProofAgeSecs:       3 * hour,
		SlashBurnBps:          bps / 2,
		SlashTreasuryBps:      bps / 4,
		OracleCount:           uint8(len(oracles)),
		OracleQuorum:          quorum,
		// f = 0 suits the dev set (3 oracles, quorum 2); the band stops one faulty oracle
		// from moving a value by more than 1% even then (programs/sdk/include/gpunet/votes.h).
		MaxFaultyOracles: 0,
		VoteBandBps:      bps / 100,
		VoteDeadlineSecs: 10 * 60,
	}
	copy(p.Oracles[:], oracles)
	p.SlashBps[registry.OffenceSpoofedHardware] = bps / 2
	p.SlashBps[registry.OffenceFailedChallenge] = bps / 10
	p.SlashBps[registry.OffenceDowntime] = bps / 100
	p.SlashBps[registry.OffenceJobAbandonment] = bps / 20
	classes := []registry.HardwareClass{
		{Model: registry.ModelCPU, MultiplierBps: bps},
		{Model: registry.ModelRTX4090, MultiplierBps: bps * 5 / 4},
		{Model: registry.ModelA100_80G, MultiplierBps: 5 * bps},
		{Model: registry.ModelH100, MultiplierBps: 10 * bps},
		{Model: registry.ModelH200, MultiplierBps: 12 * bps},
		{Model: registry.ModelB200, MultiplierBps: 30 * bps},
	}
	copy(p.HardwareClasses[:], classes)
	p.HardwareClassCount = uint8(len(classes))
	return p
}

// DefaultLimits returns the registry's hard limits for a production-like network, fixed at
// initialization (durations in u32 seconds, so params and limits fit one transaction) (the registry README explains each): a slash rate per offence of at most 50%
// for spoofed hardware, 20% for a failed challenge, 5% for downtime and 10% for job
// abandonment (about twice the default rates); an appeal window of at least 7 days; a
// configuration delay of at least 7 days (the delay is the larger of this and the unstake
// cooldown, 14 days by default); and at most 50% in slash rates per device in any 30 days.
func DefaultLimits() registry.RegistryLimits {
	l := registry.RegistryLimits{
		MaxSlashPeriodBps:   bps / 2,
		MinAppealWindowSecs: 7 * day,
		MinConfigDelaySecs:  7 * day,
		SlashPeriodSecs:     30 * day,
	}
	l.MaxSlashBps[registry.OffenceSpoofedHardware] = bps / 2
	l.MaxSlashBps[registry.OffenceFailedChallenge] = bps / 5
	l.MaxSlashBps[registry.OffenceDowntime] = bps / 20
	l.MaxSlashBps[registry.OffenceJobAbandonment] = bps / 10
	return l
}
