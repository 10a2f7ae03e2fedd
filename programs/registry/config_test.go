package registry_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	onregistry "github.com/gpunet/gpunet/onchain/registry"
)

// The delayed-configuration rule: which changes apply at once (only those that reduce a key's
// power, each dropping a pending proposal) and which wait max(min_config_delay_secs,
// unstake_cooldown_secs) = 2 s here; apply_config's rules; and the negative matrices of
// update_config, apply_config and initialize_config for the limits.
func TestDelayedConfig(t *testing.T) {
	e := newEnv(t)
	params := e.initialize(t)
	admin := e.Admin.PublicKey()
	pending := func(t *testing.T) registry.ConfigParams { return e.registryConfig(t).Pending }

	t.Run("apply without a proposal", func(t *testing.T) {
		require.ErrorIs(t, e.apply(t), registry.ErrNoConfigProposal)
	})

	delayed := map[string]func(*registry.ConfigParams){
		"keeper":            func(p *registry.ConfigParams) { p.Keeper = solana.NewWallet().PublicKey() },
		"treasury":          func(p *registry.ConfigParams) { p.Treasury = e.Pool },
		"compensation pool": func(p *registry.ConfigParams) { p.CompensationPool = e.Treasury },
		"escrow authority":  func(p *registry.ConfigParams) { p.EscrowAuthority = solana.NewWallet().PublicKey() },
		"an oracle added": func(p *registry.ConfigParams) {
			p.Oracles[3] = solana.NewWallet().PublicKey()
			p.OracleCount = 4
		},
		"an oracle replaced":  func(p *registry.ConfigParams) { p.Oracles[2] = solana.NewWallet().PublicKey() },
		"the quorum lowered":  func(p *registry.ConfigParams) { p.OracleQuorum = 1 },
		"a slash rate raised": func(p *registry.ConfigParams) { p.SlashBps[registry.OffenceDowntime]++ },
		"the appeal window shortened": func(p *registry.ConfigParams) {
			p.AppealWindowSecs--
		},
		"the vote band widened":  func(p *registry.ConfigParams) { p.VoteBandBps++ },
		"the slash split":        func(p *registry.ConfigParams) { p.SlashBurnBps, p.SlashTreasuryBps = 0, 10_000 },
		"a class multiplier":     func(p *registry.ConfigParams) { p.HardwareClasses[3].MultiplierBps *= 2 },
		"the base stake lowered": func(p *registry.ConfigParams) { p.BaseStake-- },
		"the cooldown":           func(p *registry.ConfigParams) { p.UnstakeCooldownSecs++ },
		"the vote deadline":      func(p *registry.ConfigParams) { p.VoteDeadlineSecs-- },
	}
	for name, change := range delayed {
		t.Run("delayed: "+name, func(t *testing.T) {
			next := params
			change(&next)
			sig, err := e.SendSig([]solana.PrivateKey{e.Admin}, chaintest.Must(e.Registry.UpdateConfig(admin, next)))
			require.NoError(t, err)
			c := e.registryConfig(t)
			require.Equal(t, params, c.Params)
			require.Equal(t, next, c.Pending)
			require.Equal(t, []any{&registry.ConfigProposed{Admin: admin, Params: next, AppliesAt: c.PendingAppliesAt}}, e.eventsOf(t, sig))
			require.InDelta(t, e.chainNow(t)+params.UnstakeCooldownSecs, c.PendingAppliesAt, 1)
			require.ErrorIs(t, e.apply(t), registry.ErrConfigDelayNotOver)
		})
	}

	t.Run("proposing the live parameters cancels a proposal", func(t *testing.T) {
		require.NotEqual(t, registry.ConfigParams{}, pending(t))
		sig, err := e.SendSig([]solana.PrivateKey{e.Admin}, chaintest.Must(e.Registry.UpdateConfig(admin, params)))
		require.NoError(t, err)
		c := e.registryConfig(t)
		require.Equal(t, registry.ConfigParams{}, c.Pending)
		require.Zero(t, c.PendingAppliesAt)
		require.Equal(t, []any{&registry.ConfigUpdated{Admin: admin, Params: params}}, e.eventsOf(t, sig))
		require.ErrorIs(t, e.apply(t), registry.ErrNoConfigProposal)
	})

	// each reduction of a key's power applies at once and drops the pending proposal
	live := params
	atOnce := []struct {
		name   string
		change func(*registry.ConfigParams)
	}{
		{"a slash rate lowered", func(p *registry.ConfigParams) { p.SlashBps[registry.OffenceSpoofedHardware] = 4_000 }},
		{"the appeal window raised", func(p *registry.ConfigParams) { p.AppealWindowSecs = 4 }},
		{"the vote band narrowed", func(p *registry.ConfigParams) { p.VoteBandBps = 50 }},
		{"an oracle removed, the quorum kept", func(p *registry.ConfigParams) {
			p.Oracles = [16]solana.PublicKey{p.Oracles[2], p.Oracles[0]}
			p.OracleCount, p.OracleQuorum = 2, 2
		}},
	}
	for _, tc := range atOnce {
		t.Run("at once: "+tc.name, func(t *testing.T) {
			proposal := live
			proposal.BaseStake++
			require.NoError(t, e.update(t, e.Admin, proposal))
			require.NotZero(t, e.registryConfig(t).PendingAppliesAt)
			tc.change(&live)
			sig, err := e.SendSig([]solana.PrivateKey{e.Admin}, chaintest.Must(e.Registry.UpdateConfig(admin, live)))
			require.NoError(t, err)
			c := e.registryConfig(t)
			require.Equal(t, live, c.Params)
			require.Equal(t, registry.ConfigParams{}, c.Pending)
			require.Zero(t, c.PendingAppliesAt)
			require.Equal(t, []any{&registry.ConfigUpdated{Admin: admin, Params: live}}, e.eventsOf(t, sig))
		})
	}

	updateCases := []struct {
		name   string
		signer solana.PrivateKey
		change func(*registry.ConfigParams)
		err    error
	}{
		{"a slash rate above its ceiling", e.Admin, func(p *registry.ConfigParams) { p.SlashBps[0] = 10_001 }, registry.ErrInvalidConfigParams},
		{"an appeal window below its floor", e.Admin, func(p *registry.ConfigParams) { p.AppealWindowSecs = 0 }, registry.ErrInvalidConfigParams},
		{"a new proof window", e.Admin, func(p *registry.ConfigParams) { p.ProofWindowSecs = 4 }, registry.ErrProofWindowFixed},
		{"not the admin", e.Keeper, func(p *registry.ConfigParams) { p.BaseStake++ }, registry.ErrUnauthorized},
	}
	for _, tc := range updateCases {
		t.Run("update_config: "+tc.name, func(t *testing.T) {
			next := live
			tc.change(&next)
			require.ErrorIs(t, e.update(t, tc.signer, next), tc.err)
		})
	}

	// a proposal, applied after its delay by anyone, also while paused
	next := live
	next.BaseStake = 300 * chaintest.IO
	next.Keeper = solana.NewWallet().PublicKey()
	require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, chaintest.Must(e.Registry.SetPause(admin, true))))
	require.NoError(t, e.update(t, e.Admin, next))
	c := e.registryConfig(t)
	t.Run("apply_config: a spoofed config account", func(t *testing.T) {
		ix := chaintest.Must(e.Registry.ApplyConfig())
		ix.Accounts()[registry.ApplyConfigAccountConfig].PublicKey = e.IOMint
		require.ErrorIs(t, e.Send([]solana.PrivateKey{e.Funded(t)}, ix), registry.ErrInvalidAccountOwner)
	})
	t.Run("apply_config: read-only config", func(t *testing.T) {
		ix := chaintest.Must(e.Registry.ApplyConfig())
		ix.Accounts()[registry.ApplyConfigAccountConfig].IsWritable = false
		require.ErrorIs(t, e.Send([]solana.PrivateKey{e.Funded(t)}, ix), registry.ErrAccountNotWritable)
	})
	e.waitPast(t, c.PendingAppliesAt)
	sig, err := e.SendSig([]solana.PrivateKey{e.Funded(t)}, chaintest.Must(e.Registry.ApplyConfig()))
	require.NoError(t, err)
	c = e.registryConfig(t)
	require.Equal(t, next, c.Params)
	require.Equal(t, registry.ConfigParams{}, c.Pending)
	require.Zero(t, c.PendingAppliesAt)
	require.Equal(t, []any{&registry.ConfigUpdated{Admin: admin, Params: next}}, e.eventsOf(t, sig))
	t.Run("apply twice", func(t *testing.T) {
		require.ErrorIs(t, e.apply(t), registry.ErrNoConfigProposal)
	})
}

// initialize_config validates the hard limits and the parameters against them.
func TestInitializeConfigLimits(t *testing.T) {
	e := newEnv(t)
	params := e.params()
	cases := []struct {
		name   string
		limits func(*registry.RegistryLimits)
		params func(*registry.ConfigParams)
	}{
		{"a slash ceiling above 100%", func(l *registry.RegistryLimits) { l.MaxSlashBps[1] = 10_001 }, nil},
		{"a period cap below an offence's ceiling", func(l *registry.RegistryLimits) { l.MaxSlashPeriodBps = 9_999 }, nil},
		{"no appeal floor", func(l *registry.RegistryLimits) { l.MinAppealWindowSecs = 0 }, nil},
		{"no config delay", func(l *registry.RegistryLimits) { l.MinConfigDelaySecs = 0 }, nil},
		{"no slash period", func(l *registry.RegistryLimits) { l.SlashPeriodSecs = 0 }, nil},
		{"padding set", func(l *registry.RegistryLimits) { l.Padding[0] = 1 }, nil},
		{"a slash rate above its ceiling", func(l *registry.RegistryLimits) { l.MaxSlashBps[2] = 99 }, nil}, // the rate is 100
		{"an appeal window below its floor", nil, func(p *registry.ConfigParams) { p.AppealWindowSecs = 0 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, p := chaintest.RegistryLimits(), params
			if tc.limits != nil {
				tc.limits(&l)
			}
			if tc.params != nil {
				tc.params(&p)
			}
			require.ErrorIs(t, e.initializeWith(t, e.Admin, p, l), registry.ErrInvalidConfigParams)
		})
	}
	params.AppealWindowSecs = onregistry.DefaultParams(solana.PublicKey{}, solana.PublicKey{}, solana.PublicKey{}, solana.PublicKey{}, nil, 0).AppealWindowSecs
	require.NoError(t, e.initializeWith(t, e.Admin, params, onregistry.DefaultLimits()), "the default rates and window fit the default limits")
	require.Equal(t, onregistry.DefaultLimits(), e.registryConfig(t).Limits)
}
