package escrow_test

import (
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// config reads the escrow's Config.
func (e *env) config(t testing.TB) *escrow.Config {
	c, err := e.prog.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	return c
}

// proposeConfig sends the admin's update_config with params and reports whether it applied at
// once (ConfigUpdated) or became the pending proposal (ConfigProposed, whose applies_at is the
// Config's). A new wallet pays, so that the same proposal twice is two transactions.
func (e *env) proposeConfig(t testing.TB, params escrow.ConfigParams) (atOnce bool) {
	sig, err := e.SendSig([]solana.PrivateKey{e.Funded(t), e.Admin}, chaintest.Must(e.prog.UpdateConfig(e.Admin.PublicKey(), params)))
	require.NoError(t, err)
	c := e.config(t)
	switch ev := e.eventsOf(t, sig)[0].(type) {
	case *escrow.ConfigUpdated:
		require.Equal(t, &escrow.ConfigUpdated{Admin: e.Admin.PublicKey(), Params: params}, ev)
		require.Equal(t, params, c.Params)
		require.Equal(t, escrow.ConfigParams{}, c.Pending, "a change applied at once drops the proposal")
		require.Zero(t, c.PendingAppliesAt)
		return true
	case *escrow.ConfigProposed:
		require.Equal(t, &escrow.ConfigProposed{Admin: e.Admin.PublicKey(), Params: params, AppliesAt: c.PendingAppliesAt}, ev)
		require.Equal(t, params, c.Pending)
		return false
	default:
		require.Failf(t, "update_config emitted no config event", "%#v", ev)
		return false
	}
}

// changeConfig makes params the live configuration: proposed, and, unless it applied at once,
// applied by a stranger once its delay is over.
func (e *env) changeConfig(t testing.TB, params escrow.ConfigParams) {
	if !e.proposeConfig(t, params) {
		waitUntil(e.config(t).PendingAppliesAt)
		require.NoError(t, e.Send([]solana.PrivateKey{e.Funded(t)}, chaintest.Must(e.prog.ApplyConfig())))
	}
	require.Equal(t, params, e.config(t).Params)
}

// edited is e.params with edit applied.
func (e *env) edited(edit func(*escrow.ConfigParams)) escrow.ConfigParams {
	p := e.params
	edit(&p)
	return p
}

// The delayed configuration: which changes apply at once, the delay (the larger of the limits'
// min_config_delay_secs and the registry's unstake cooldown), apply_config's rules, the limits
// fixed at initialization, and the negative matrix of update_config, apply_config and
// initialize_config's new checks.
func TestConfigDelayAndLimits(t *testing.T) {
	t.Parallel() // it mostly waits for the clock, on its own localnet
	e := newEnv(t)
	config := []solana.PublicKey{e.prog.ConfigAddress()}
	admin, keeper := []solana.PrivateKey{e.Admin}, []solana.PrivateKey{e.Keeper}
	update := func(p escrow.ConfigParams) solana.Instruction {
		return chaintest.Must(e.prog.UpdateConfig(e.Admin.PublicKey(), p))
	}
	apply := chaintest.Must(e.prog.ApplyConfig())
	initialize := func(p escrow.ConfigParams, edit func(*escrow.EscrowLimits)) solana.Instruction {
		l := e.limits
		edit(&l)
		return chaintest.Must(e.prog.InitializeConfig(e.Admin.PublicKey(), p, l))
	}
	same := func(*escrow.EscrowLimits) {}
	raised := e.edited(func(p *escrow.ConfigParams) { p.FeeBps = e.limits.MaxFeeBps })
	e.negRun(t,
		negCase{"apply_config with nothing proposed", keeper, apply, escrow.ErrNoConfigProposal, config},
		negCase{"apply_config: config read-only", keeper, chaintest.ReadOnly(apply, 0), escrow.ErrAccountNotWritable, config},
		negCase{"apply_config: the registry's Config as config", keeper, chaintest.WithAccount(apply, 0, e.Registry.ConfigAddress()),
			escrow.ErrInvalidAccountOwner, config},
		negCase{"update_config: fee over the limit", admin, update(e.edited(func(p *escrow.ConfigParams) { p.FeeBps = e.limits.MaxFeeBps + 1 })),
			escrow.ErrInvalidConfigParams, config},
		negCase{"update_config: grace over the limit", admin,
			update(e.edited(func(p *escrow.ConfigParams) { p.UsageGraceSecs = e.limits.MaxUsageGraceSecs + 1 })), escrow.ErrInvalidConfigParams, config},
		negCase{"update_config: without the registry's Config", admin, chaintest.Truncated(update(raised), 2), escrow.ErrNotEnoughAccounts, config},
		negCase{"update_config: another account as the registry's Config", admin, chaintest.WithAccount(update(raised), 2, e.Registry.DeviceAddress(e.Keeper.PublicKey())),
			escrow.ErrInvalidPda, config},
		negCase{"initialize_config: a fee ceiling over 100%", admin, initialize(e.params, func(l *escrow.EscrowLimits) { l.MaxFeeBps = 10_001 }),
			escrow.ErrInvalidConfigParams, config},
		negCase{"initialize_config: a negative delay", admin, initialize(e.params, func(l *escrow.EscrowLimits) { l.MinConfigDelaySecs = -1 }),
			escrow.ErrInvalidConfigParams, config},
		negCase{"initialize_config: a grace ceiling over a week", admin, initialize(e.params, func(l *escrow.EscrowLimits) { l.MaxUsageGraceSecs = 7*24*3600 + 1 }),
			escrow.ErrInvalidConfigParams, config},
		negCase{"initialize_config: a fee over its limits", admin, initialize(e.params, func(l *escrow.EscrowLimits) { l.MaxFeeBps = e.params.FeeBps - 1 }),
			escrow.ErrInvalidConfigParams, config},
		negCase{"initialize_config: an IOSD that is not the registry's", admin, chaintest.WithAccount(initialize(e.params, same), 8, e.negMint(t)),
			escrow.ErrInvalidMint, config},
		negCase{"initialize_config: an IO that is not the registry's", admin, chaintest.WithAccount(initialize(e.params, same), 7, e.IOSDMint),
			escrow.ErrInvalidMint, config},
	)

	t.Run("what applies at once", func(t *testing.T) {
		other := solana.NewWallet().PublicKey()
		for _, c := range []struct {
			name   string
			edit   func(*escrow.ConfigParams)
			atOnce bool
		}{
			{"a lower fee", func(p *escrow.ConfigParams) { p.FeeBps-- }, true},
			{"a higher fee", func(p *escrow.ConfigParams) { p.FeeBps++ }, false},
			{"a higher burn share", func(p *escrow.ConfigParams) { p.FeeBurnBps++ }, true},
			{"a lower burn share", func(p *escrow.ConfigParams) { p.FeeBurnBps-- }, false},
			{"a shorter grace", func(p *escrow.ConfigParams) { p.UsageGraceSecs-- }, true},
			{"a longer grace", func(p *escrow.ConfigParams) { p.UsageGraceSecs++ }, true},
			{"another acceptance window", func(p *escrow.ConfigParams) { p.AcceptanceWindowSecs++ }, true},
			{"another usage window", func(p *escrow.ConfigParams) { p.UsageWindowSecs++ }, true},
			{"another scheduler", func(p *escrow.ConfigParams) { p.Scheduler = other }, false},
			{"another treasury", func(p *escrow.ConfigParams) { p.Treasury = other }, false},
			{"no scheduler", func(p *escrow.ConfigParams) { p.Scheduler = solana.PublicKey{} }, true},
		} {
			live := e.config(t).Params
			next := live
			c.edit(&next)
			require.Equal(t, c.atOnce, e.proposeConfig(t, next), c.name)
			if !c.atOnce { // proposing the live parameters cancels the proposal
				require.Equal(t, live, e.config(t).Params, c.name)
				require.True(t, e.proposeConfig(t, live), c.name)
				e.negRejects(t, negCase{c.name + ": cancelled", []solana.PrivateKey{e.Funded(t)}, apply, escrow.ErrNoConfigProposal, config})
			}
		}
		e.changeConfig(t, e.params) // back, after the delay (the scheduler returns)
	})

	t.Run("the delay, replacing a proposal, apply_config", func(t *testing.T) {
		require.False(t, e.proposeConfig(t, raised))
		e.negRejects(t, negCase{"apply_config before the delay", []solana.PrivateKey{e.Funded(t)}, apply, escrow.ErrConfigDelayNotOver, config})

		// The registry's cooldown, now longer than the limits' 2 s, sets the delay; a new
		// proposal replaces the older one.
		rc, err := e.Registry.FetchConfig(e.Ctx, e.Client)
		require.NoError(t, err)
		rc.Params.UnstakeCooldownSecs = 4
		e.UpdateRegistry(t, rc.Params)
		next := e.edited(func(p *escrow.ConfigParams) {
			p.FeeBps, p.Scheduler = e.limits.MaxFeeBps, solana.NewWallet().PublicKey()
		})
		before := time.Now().Unix()
		require.False(t, e.proposeConfig(t, next))
		at := e.config(t).PendingAppliesAt
		require.GreaterOrEqual(t, at, before-1+4)
		require.LessOrEqual(t, at, time.Now().Unix()+4)
		e.negRejects(t, negCase{"apply_config before the registry's cooldown", []solana.PrivateKey{e.Funded(t)}, apply, escrow.ErrConfigDelayNotOver, config})

		// Paused, the proposal still applies (and update_config still works).
		require.NoError(t, e.Send(admin, chaintest.Must(e.prog.SetPause(e.Admin.PublicKey(), true))))
		waitUntil(at)
		sig, err := e.SendSig([]solana.PrivateKey{e.Funded(t)}, apply)
		require.NoError(t, err)
		require.Equal(t, []any{&escrow.ConfigUpdated{Admin: e.Admin.PublicKey(), Params: next}}, e.eventsOf(t, sig))
		c := e.config(t)
		require.Equal(t, next, c.Params)
		require.Equal(t, escrow.ConfigParams{}, c.Pending)
		require.Zero(t, c.PendingAppliesAt)
		require.Equal(t, e.limits, c.Limits, "the limits never change")
		e.negRejects(t, negCase{"apply_config twice", []solana.PrivateKey{e.Funded(t)}, apply, escrow.ErrNoConfigProposal, config})
		require.True(t, e.proposeConfig(t, e.edited(func(p *escrow.ConfigParams) { p.FeeBps, p.Scheduler = e.limits.MaxFeeBps, solana.PublicKey{} })))
		require.NoError(t, e.Send(admin, chaintest.Must(e.prog.SetPause(e.Admin.PublicKey(), false))))
	})
}

// Finding 7: the usage grace was read from the live config at close. A provider runs 8 s; the
// oracles count the first window; the job completes; the admin shortens usage_grace_secs "for
// new jobs" (at once: it reaches only jobs created later) to one usage window. Once that
// shorter grace has passed, close_job still waits (UsageNotFinal): the job keeps the grace it
// was created with. The oracles count the last window, and the provider is paid for all 8 s.
func TestFinding7UsageGraceFixedAtCreation(t *testing.T) {
	t.Parallel() // it mostly waits for the clock, on its own localnet
	e := newEnv(t)
	const duration = 8
	j := e.runningJob(t, 1, duration)
	started := e.job(t, j)
	require.Equal(t, e.params.UsageGraceSecs, started.UsageGraceSecs)
	first := e.endedWindow(started.StartedAt)
	e.countUsage(t, j, first, capAt(started, started.Slots[0], e.windowEnd(first)))

	waitUntil(started.StartedAt + duration)
	require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.ExpireJob(j.addr, j.renter.token, e.hired(t, j)))))
	ended := e.job(t, j)
	require.Equal(t, escrow.JobCompleted, ended.State)

	shorter := e.edited(func(p *escrow.ConfigParams) { p.UsageGraceSecs = p.UsageWindowSecs })
	require.True(t, e.proposeConfig(t, shorter), "a shorter grace reaches only new jobs: it applies at once")
	waitUntil(ended.EndedAt + shorter.UsageGraceSecs)
	closeJob := chaintest.Must(e.prog.CloseJob(j.addr, j.renter.key.PublicKey(), j.renter.token, solana.PublicKey{}))
	_, err := e.SendSig([]solana.PrivateKey{e.Keeper}, closeJob)
	require.ErrorIs(t, err, escrow.ErrUsageNotFinal, "close_job ran on the live config's grace")
	require.Less(t, time.Now().Unix(), ended.EndedAt+ended.UsageGraceSecs, "the test outlasted the job's own grace")

	last := e.endedWindow(ended.EndedAt)
	e.countUsage(t, j, last, duration)
	_, err = e.settle(j, 0, j.payouts[0])
	require.NoError(t, err)
	want := pay(0, duration)
	require.Equal(t, want.Payout, e.TokenBalance(t, j.payouts[0]), "paid for all 8 s")
	require.Equal(t, want.FeeTreasury, e.TokenBalance(t, e.treasuryIOSD))
	require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, closeJob))
	require.Equal(t, uint64(iosd), e.TokenBalance(t, j.renter.token), "the renter paid exactly 8 s")
	require.Zero(t, e.Lamports(t, j.addr))
}

// Finding 6: after a change of the registry's escrow_authority, ending one job freed a device
// from another job. Two jobs hold a device each (D1, D3); the registry's admin points
// escrow_authority at another key X (through the registry's configuration change). X can
// release neither device (NotDeviceJob: it did not hire them), but hires a third one (D2) for
// its own job. Each escrow job then ends through the escrow: cancelling job 1 releases D1 and
// only D1 (the release names job 1 and the escrow authority that hired D1, not the registry's
// current one); job 2's slot and D3 stay Hired until job 2 ends, which releases D3; D2 stays
// with X's job. Every deposit comes back in full at close.
func TestFinding6ReleaseAfterEscrowAuthorityChange(t *testing.T) {
	t.Parallel() // it mostly waits for the clock, on its own localnet
	e := newEnv(t)
	const duration = 600
	j1 := e.runningJob(t, 1, duration)
	j2 := e.runningJob(t, 1, duration)
	d1, d3 := j1.providers[0], j2.providers[0]
	d2 := e.ActiveProvider(t, e.Keeper)

	x := e.Funded(t)
	rc, err := e.Registry.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	rc.Params.EscrowAuthority = x.PublicKey()
	e.UpdateRegistry(t, rc.Params)

	xJob := solana.NewWallet().PublicKey()
	signers := []solana.PrivateKey{x}
	for _, c := range []struct {
		name string
		ix   solana.Instruction
	}{
		{"X releases D1 from job 1", chaintest.Must(e.Registry.ReleaseDevice(x.PublicKey(), d1.DeviceKey.PublicKey(), j1.addr))},
		{"X releases D3 naming job 1", chaintest.Must(e.Registry.ReleaseDevice(x.PublicKey(), d3.DeviceKey.PublicKey(), j1.addr))},
	} {
		_, err := e.SendSig(signers, c.ix)
		require.ErrorIs(t, err, registry.ErrNotDeviceJob, c.name)
	}
	require.NoError(t, e.Send(signers, chaintest.Must(e.Registry.HireDevice(x.PublicKey(), d2.DeviceKey.PublicKey(), xJob))))

	hiredFor := func(p chaintest.Provider, job solana.PublicKey) {
		d := e.Device(t, p)
		require.Equal(t, registry.StatusHired, d.Status)
		require.Equal(t, job, d.CurrentJob)
	}
	require.NoError(t, e.Send([]solana.PrivateKey{j1.renter.key},
		chaintest.Must(e.prog.CancelJob(j1.renter.key.PublicKey(), j1.addr, j1.renter.token, e.hired(t, j1)))))
	e.released(t, d1)
	hiredFor(d3, j2.addr)
	hiredFor(d2, xJob)
	g2 := e.job(t, j2)
	require.Equal(t, escrow.JobRunning, g2.State)
	require.Equal(t, escrow.SlotHired, g2.Slots[0].State)

	require.NoError(t, e.Send([]solana.PrivateKey{j2.renter.key},
		chaintest.Must(e.prog.CancelJob(j2.renter.key.PublicKey(), j2.addr, j2.renter.token, e.hired(t, j2)))))
	e.released(t, d3)
	hiredFor(d2, xJob)

	// No usage was attested: after the grace each job closes and its renter has its deposit back.
	for _, j := range []job{j1, j2} {
		waitUntil(e.job(t, j).EndedAt + e.params.UsageGraceSecs)
		require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.CloseJob(j.addr, j.renter.key.PublicKey(), j.renter.token, solana.PublicKey{}))))
		require.Equal(t, uint64(duration*perSec+iosd), e.TokenBalance(t, j.renter.token))
		require.Zero(t, e.TokenBalance(t, j.payouts[0]))
		require.Zero(t, e.Lamports(t, j.addr))
	}
}

// initialize_config takes only the registry's mints, which the registry checked have no freeze
// authority (whoever held one could freeze job vaults and payout accounts, so that no job could
// end, pay or close): a freezable IOSD is refused (InvalidMint) and the escrow stays
// unconfigured.
func TestInitializeConfigRefusesFreezableMint(t *testing.T) {
	e := newUninitializedEnv(t)
	mint, _ := e.FreezableMint(t, 6, 1_000*iosd)
	e.prog.Economy.IOSDMint = mint
	_, err := e.SendSig([]solana.PrivateKey{e.Admin}, e.initialize())
	require.ErrorIs(t, err, escrow.ErrInvalidMint)
	require.Zero(t, e.Lamports(t, e.prog.ConfigAddress()))
}
