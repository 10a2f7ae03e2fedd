package registry_test

import (
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// Issue 10's proved findings on the registry, each replayed with its original steps: every one
// now fails, and the balances show that nothing moved.

// ticketRent is the rent of an UnstakeTicket (96 bytes), which its owner pays.
const ticketRent = auTicketRent

// productionLikeLimits are hard limits shaped like onregistry.DefaultLimits with test durations:
// at most 50% per offence, at most 55% in any 10 s, an appeal window of at least 3 s.
func productionLikeLimits() registry.RegistryLimits {
	l := chaintest.RegistryLimits()
	l.MaxSlashBps = [4]uint16{5_000, 5_000, 5_000, 5_000}
	l.MaxSlashPeriodBps, l.MinAppealWindowSecs = 5_500, 3
	return l
}

// Finding 1: the admin used to drain every device's stake in seconds (keeper = attacker, every
// slash rate 100%, a 1 s appeal window, 0% burned, 100% to an attacker's treasury, then slash
// and finalize): 3,000 IO (2,000 staked plus a 1,000 IO ticket) moved to the attacker. Now
// the rates and the window are bounded by the limits (InvalidConfigParams), a change within
// them waits the delay (ConfigProposed, ConfigDelayNotOver), the keeper cannot slash alone,
// and the provider leaves with all 3,000 IO before the change applies; the attacker gets 0.
func TestFinding1AdminCannotDrainStakeThroughConfig(t *testing.T) {
	e := newEnv(t)
	params := e.initializeLimits(t, productionLikeLimits())
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 3_000*chaintest.IO)
	o, k := p.Owner.PublicKey(), p.DeviceKey.PublicKey()
	require.NoError(t, e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(e.Registry.RequestUnstake(o, k, 1_000*chaintest.IO))))
	attacker := e.Funded(t)
	attackerIO := e.TokenAccount(t, e.IOMint, attacker.PublicKey(), 0)
	vault := e.Registry.VaultAddress(p.Device)
	require.Equal(t, uint64(3_000*chaintest.IO), e.TokenBalance(t, vault))

	evil := params
	evil.Keeper = attacker.PublicKey()
	evil.SlashBps = [4]uint16{10_000, 10_000, 10_000, 10_000}
	evil.AppealWindowSecs = 1
	evil.SlashBurnBps, evil.SlashTreasuryBps = 0, 10_000
	evil.Treasury = attackerIO
	t.Run("rates above their ceiling are refused", func(t *testing.T) {
		require.ErrorIs(t, e.update(t, e.Admin, evil), registry.ErrInvalidConfigParams)
	})
	evil.SlashBps = [4]uint16{5_000, 5_000, 5_000, 5_000}
	t.Run("an appeal window below its floor is refused", func(t *testing.T) {
		require.ErrorIs(t, e.update(t, e.Admin, evil), registry.ErrInvalidConfigParams)
	})
	evil.AppealWindowSecs = 3

	sig, err := e.SendSig([]solana.PrivateKey{e.Admin}, chaintest.Must(e.Registry.UpdateConfig(e.Admin.PublicKey(), evil)))
	require.NoError(t, err)
	c := e.registryConfig(t)
	require.Equal(t, params, c.Params, "nothing applies at once")
	require.Equal(t, evil, c.Pending)
	require.Equal(t, []any{&registry.ConfigProposed{Admin: e.Admin.PublicKey(), Params: evil, AppliesAt: c.PendingAppliesAt}}, e.eventsOf(t, sig))
	require.ErrorIs(t, e.apply(t), registry.ErrConfigDelayNotOver)

	t.Run("neither the keeper nor the attacker slashes alone", func(t *testing.T) {
		for i, signer := range []solana.PrivateKey{e.Keeper, attacker} {
			ix := e.slashIx(signer.PublicKey(), p, registry.OffenceSpoofedHardware, evidenceOf(string(rune('a'+i))))
			require.ErrorIs(t, e.Send([]solana.PrivateKey{signer}, ix), registry.ErrUnauthorizedSlasher)
		}
	})

	// the provider sees the proposal and leaves before it applies
	require.NoError(t, e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(e.Registry.RequestUnstake(o, k, 2_000*chaintest.IO))))
	e.waitPast(t, c.PendingAppliesAt)
	require.NoError(t, e.apply(t))
	require.Equal(t, evil, e.registryConfig(t).Params)
	t.Run("the attacker, now keeper, still cannot slash alone", func(t *testing.T) {
		ix := e.slashIx(attacker.PublicKey(), p, registry.OffenceSpoofedHardware, evidenceOf("keeper"))
		require.ErrorIs(t, e.Send([]solana.PrivateKey{attacker}, ix), registry.ErrUnauthorizedSlasher)
	})
	ticket, err := e.Client.AccountData(e.Ctx, e.Registry.TicketAddress(p.Device))
	require.NoError(t, err)
	tk, err := registry.ParseAccount_UnstakeTicket(ticket)
	require.NoError(t, err)
	e.waitPast(t, tk.UnlockAt)
	require.NoError(t, e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(e.Registry.WithdrawUnstaked(o, k, p.Token))))

	require.Equal(t, uint64(5_000*chaintest.IO), e.TokenBalance(t, p.Token), "the provider left with everything")
	require.Zero(t, e.TokenBalance(t, vault))
	require.Zero(t, e.TokenBalance(t, attackerIO), "the attacker got nothing")
	t.Logf("finding 1: attacker received %d base units (was 3,000 IO), provider withdrew %d base units",
		e.TokenBalance(t, attackerIO), e.TokenBalance(t, p.Token)-2_000*chaintest.IO)
}

// Finding 3: the keeper alone froze about 99% of a device's stake with 7 slashes on made-up
// evidence (2,976.56 of 3,000 IO). Now every keeper-alone slash fails (UnauthorizedSlasher);
// with a quorum of oracles behind the evidence there is at most one pending slash per offence
// (SlashAlreadyPending) and at most the period cap (55% here) in rates: 1,515 IO at most.
func TestFinding3KeeperAloneCannotSlash(t *testing.T) {
	e := newEnv(t)
	e.initializeLimits(t, productionLikeLimits())
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 3_000*chaintest.IO)
	vault := e.Registry.VaultAddress(p.Device)
	keeper := e.Keeper.PublicKey()

	for i := 0; i < 7; i++ {
		ev := evidenceOf("made up " + string(rune('0'+i)))
		err := e.Send([]solana.PrivateKey{e.Keeper}, e.slashIx(keeper, p, uint8(i%4), ev))
		require.ErrorIs(t, err, registry.ErrUnauthorizedSlasher, "keeper slash %d", i)
		require.False(t, e.exists(t, e.Registry.SlashAddress(p.Device, ev)))
	}
	require.Equal(t, uint64(3_000*chaintest.IO), e.TokenBalance(t, vault))
	d := e.Device(t, p)
	require.Equal(t, uint64(3_000*chaintest.IO), d.Stake)
	require.Equal(t, registry.StatusProbation, d.Status)
	require.Zero(t, d.PendingSlashes)

	// evidence the oracles signed: 50% for spoofed hardware
	spoofed := evidenceOf("spoofed: benchmarks as an RTX 4090")
	sig, err := e.SendSig(e.slashSigners(), e.oracleSlashIx(p, registry.OffenceSpoofedHardware, spoofed))
	require.NoError(t, err)
	record := e.Registry.SlashAddress(p.Device, spoofed)
	r := e.slashRecord(t, p, spoofed)
	require.Equal(t, uint16(0b011), r.SignerMask)
	require.Contains(t, e.eventsOf(t, sig), any(&registry.DeviceSlashed{Device: p.Device, SlashRecord: record, EvidenceHash: spoofed,
		Amount: 1_500 * chaintest.IO, AppealDeadline: r.AppealDeadline, Offence: uint8(registry.OffenceSpoofedHardware),
		SignerCount: 2, Signers: [16]solana.PublicKey{e.Oracles[0].PublicKey(), e.Oracles[1].PublicKey()}}))

	t.Run("a second pending slash for the same offence", func(t *testing.T) {
		err := e.Send(e.slashSigners(), e.oracleSlashIx(p, registry.OffenceSpoofedHardware, evidenceOf("spoofed again")))
		require.ErrorIs(t, err, registry.ErrSlashAlreadyPending)
	})
	// 1% downtime: 51% of the 55% cap
	require.NoError(t, e.Send(e.slashSigners(), e.oracleSlashIx(p, registry.OffenceDowntime, evidenceOf("downtime"))))
	t.Run("past the period cap", func(t *testing.T) {
		err := e.Send(e.slashSigners(), e.oracleSlashIx(p, registry.OffenceFailedChallenge, evidenceOf("challenge")))
		require.ErrorIs(t, err, registry.ErrSlashCapReached) // 51% + 10% > 55%
	})

	d = e.Device(t, p)
	require.Equal(t, uint64(1_485*chaintest.IO), d.Stake) // 3,000 - 1,500 - 15
	require.Equal(t, uint64(1_485*chaintest.IO), e.TokenBalance(t, vault))
	require.Equal(t, uint64(1_500*chaintest.IO), e.TokenBalance(t, e.escrowOf(p, spoofed)))
	require.Equal(t, uint64(15*chaintest.IO), e.TokenBalance(t, e.escrowOf(p, evidenceOf("downtime"))))
	require.Equal(t, uint64(5_100), d.SlashCurrentBps+d.SlashPreviousBps)
	t.Logf("finding 3: the keeper alone moved 0 IO (was 2,976.56 of 3,000); a quorum of oracles at most %d base units", 3_000*chaintest.IO-d.Stake)
}

// Finding 4: retiring a hardware class devices still use bricked them and every job they were
// on (the status refresh failed with UnknownHardwareClass). Now a class in use cannot be
// removed, at update (HardwareClassInUse) nor at apply when a device registered in it during
// the delay; once the class is empty it goes, the counts follow the classes by model, and the
// devices of the other classes keep their exits.
func TestFinding4ClassInUseCannotBeRemoved(t *testing.T) {
	e := newEnv(t)
	params := e.initialize(t)
	rtx := e.NewProvider(t, registry.DeviceSpec{HardwareModel: registry.ModelRTX4090, VramGib: 24, GpuCount: 2, Region: 840, BandwidthTier: 2},
		1_000*chaintest.IO, 250*chaintest.IO)
	h100 := e.ActiveProvider(t, e.Funded(t))
	job := solana.NewWallet().PublicKey()
	require.NoError(t, e.Send([]solana.PrivateKey{e.escrow}, chaintest.Must(e.Registry.HireDevice(e.escrow.PublicKey(), h100.DeviceKey.PublicKey(), job))))
	// classes: CPU, RTX 4090, A100, H100, H200, B200
	require.Equal(t, [16]uint32{0, 1, 0, 1}, e.registryConfig(t).ClassDevices)

	without := func(model uint32) registry.ConfigParams {
		next := params
		next.HardwareClasses = [16]registry.HardwareClass{}
		n := 0
		for _, c := range params.HardwareClasses[:params.HardwareClassCount] {
			if c.Model != model {
				next.HardwareClasses[n] = c
				n++
			}
		}
		next.HardwareClassCount = uint8(n)
		return next
	}
	t.Run("a class in use cannot be removed", func(t *testing.T) {
		require.ErrorIs(t, e.update(t, e.Admin, without(registry.ModelRTX4090)), registry.ErrHardwareClassInUse)
		require.ErrorIs(t, e.update(t, e.Admin, without(registry.ModelH100)), registry.ErrHardwareClassInUse)
	})

	noA100 := without(registry.ModelA100_80G)
	require.NoError(t, e.update(t, e.Admin, noA100)) // unused: proposed
	a100 := e.NewProvider(t, registry.DeviceSpec{HardwareModel: registry.ModelA100_80G, VramGib: 80, GpuCount: 1, Region: 276, BandwidthTier: 1},
		2_000*chaintest.IO, 1_000*chaintest.IO)
	require.Equal(t, [16]uint32{0, 1, 1, 1}, e.registryConfig(t).ClassDevices)
	e.waitPast(t, e.registryConfig(t).PendingAppliesAt)
	t.Run("nor by a proposal that a registration overtook", func(t *testing.T) {
		require.ErrorIs(t, e.apply(t), registry.ErrHardwareClassInUse)
		require.Equal(t, params, e.registryConfig(t).Params)
	})

	// the A100 device leaves (also while paused), then the class can go
	require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, chaintest.Must(e.Registry.SetPause(e.Admin.PublicKey(), true))))
	require.NoError(t, e.Send([]solana.PrivateKey{a100.Owner}, chaintest.Must(e.Registry.RequestUnstake(a100.Owner.PublicKey(), a100.DeviceKey.PublicKey(), 1_000*chaintest.IO))))
	time.Sleep(2500 * time.Millisecond) // the 2 s cooldown
	require.NoError(t, e.Send([]solana.PrivateKey{a100.Owner}, chaintest.Must(e.Registry.WithdrawUnstaked(a100.Owner.PublicKey(), a100.DeviceKey.PublicKey(), a100.Token))))
	require.NoError(t, e.Send([]solana.PrivateKey{a100.Owner}, chaintest.Must(e.Registry.DeregisterDevice(a100.Owner.PublicKey(), a100.DeviceKey.PublicKey(), a100.Token))))
	require.Equal(t, uint64(2_000*chaintest.IO), e.TokenBalance(t, a100.Token))
	require.NoError(t, e.apply(t))
	c := e.registryConfig(t)
	require.Equal(t, noA100, c.Params)
	require.Equal(t, [16]uint32{0, 1, 1}, c.ClassDevices) // CPU, RTX 4090, H100 (moved up), H200, B200

	// the job's exit and the devices' statuses still work
	require.NoError(t, e.Send([]solana.PrivateKey{e.escrow}, chaintest.Must(e.Registry.ReleaseDevice(e.escrow.PublicKey(), h100.DeviceKey.PublicKey(), job))))
	require.Equal(t, registry.StatusActive, e.Device(t, h100).Status)
	require.NoError(t, e.Send([]solana.PrivateKey{rtx.Owner}, chaintest.Must(e.Registry.RequestUnstake(rtx.Owner.PublicKey(), rtx.DeviceKey.PublicKey(), 50*chaintest.IO))))
	require.Equal(t, uint64(200*chaintest.IO), e.Device(t, rtx).Stake)
}

// Finding 5: reversing an earlier slash A undid a later, finalized slash B's uptime reset (A
// recorded the uptime, B recorded 0 because A had reset it): the device ended Active with 4 s
// of uptime where a control device with the same finalized slash was in Probation. Now the
// uptime is reset when a slash is finalized and an appeal restores only its own escrow: the
// device ends exactly like the control, plus A's stake.
func TestFinding5AppealRestoresOnlyItsOwnSlash(t *testing.T) {
	e := newEnv(t)
	params := e.initialize(t)
	payer := e.Funded(t)
	device, control := e.ActiveProvider(t, payer), e.ActiveProvider(t, payer)
	require.Equal(t, uint64(4), e.Device(t, device).ProvenUptimeSecs)

	// slash A with a long appeal window (raising it applies at once) ...
	long := params
	long.AppealWindowSecs = 30
	require.NoError(t, e.update(t, e.Admin, long))
	evA := evidenceOf("A: downtime")
	require.NoError(t, e.Send(e.slashSigners(), e.oracleSlashIx(device, registry.OffenceDowntime, evA)))
	// ... and B with the short one (lowering it waits the delay)
	e.UpdateRegistry(t, params)
	evB := evidenceOf("B: failed challenge")
	require.NoError(t, e.Send(e.slashSigners(), e.oracleSlashIx(device, registry.OffenceFailedChallenge, evB)))
	require.NoError(t, e.Send(e.slashSigners(), e.oracleSlashIx(control, registry.OffenceFailedChallenge, evB)))
	require.Equal(t, uint64(4), e.Device(t, device).ProvenUptimeSecs, "a pending slash keeps the uptime")

	e.waitPast(t, e.slashRecord(t, control, evB).AppealDeadline)
	for _, p := range []chaintest.Provider{device, control} {
		require.NoError(t, e.Send([]solana.PrivateKey{e.Funded(t)}, chaintest.Must(e.Registry.FinalizeSlash(p.DeviceKey.PublicKey(), evB, e.IOMint, e.Treasury, e.Pool, e.Keeper.PublicKey()))))
	}
	require.Less(t, e.chainNow(t), e.slashRecord(t, device, evA).AppealDeadline)
	require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, e.resolveIx(e.Admin.PublicKey(), device, evA, e.Keeper.PublicKey())))

	d, c := e.Device(t, device), e.Device(t, control)
	require.Zero(t, d.ProvenUptimeSecs, "B's reset stays")
	require.Equal(t, registry.StatusProbation, d.Status)
	require.Equal(t, c.ProvenUptimeSecs, d.ProvenUptimeSecs)
	require.Equal(t, c.Status, d.Status)
	require.Equal(t, c.SlashCount, d.SlashCount) // A no longer counts
	require.Zero(t, d.PendingOffences)
	// A took 1% of 2,000 IO (20), B 10% of the 1,980 left (198); A's 20 came back
	require.Equal(t, uint64(1_802*chaintest.IO), d.Stake)
	require.Equal(t, uint64(1_802*chaintest.IO), e.TokenBalance(t, e.Registry.VaultAddress(device.Device)))
	require.Equal(t, uint64(1_800*chaintest.IO), c.Stake)
	t.Logf("finding 5: device %d s uptime, status %d; control %d s, status %d (was: device Active with 4 s)",
		d.ProvenUptimeSecs, d.Status, c.ProvenUptimeSecs, c.Status)
}

// Finding 6, the registry's half: after a (now delayed) change of escrow_authority, the old
// authority still releases its own job's device, and the new one cannot release it
// (NotDeviceJob); a device the new authority hires is released only by the new one.
func TestFinding6RegistryReleaseAfterEscrowAuthorityChange(t *testing.T) {
	e := newEnv(t)
	params := e.initialize(t)
	p := e.ActiveProvider(t, e.Funded(t))
	k := p.DeviceKey.PublicKey()
	old, next := e.escrow, e.Funded(t)
	job1, job2 := solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey()
	require.NoError(t, e.Send([]solana.PrivateKey{old}, chaintest.Must(e.Registry.HireDevice(old.PublicKey(), k, job1))))

	params.EscrowAuthority = next.PublicKey()
	require.NoError(t, e.update(t, e.Admin, params))
	c := e.registryConfig(t)
	require.NotEqual(t, params, c.Params, "a new escrow authority waits the delay")
	e.waitPast(t, c.PendingAppliesAt)
	require.NoError(t, e.apply(t))
	require.Equal(t, params, e.registryConfig(t).Params)

	require.ErrorIs(t, e.Send([]solana.PrivateKey{next}, chaintest.Must(e.Registry.ReleaseDevice(next.PublicKey(), k, job1))), registry.ErrNotDeviceJob)
	require.NoError(t, e.Send([]solana.PrivateKey{old}, chaintest.Must(e.Registry.ReleaseDevice(old.PublicKey(), k, job1))))
	require.Equal(t, registry.StatusActive, e.Device(t, p).Status)

	require.ErrorIs(t, e.Send([]solana.PrivateKey{old}, chaintest.Must(e.Registry.HireDevice(old.PublicKey(), k, job2))), registry.ErrUnauthorized)
	require.NoError(t, e.Send([]solana.PrivateKey{next}, chaintest.Must(e.Registry.HireDevice(next.PublicKey(), k, job2))))
	require.ErrorIs(t, e.Send([]solana.PrivateKey{e.Funded(t), old}, chaintest.Must(e.Registry.ReleaseDevice(old.PublicKey(), k, job2))), registry.ErrNotDeviceJob)
	require.NoError(t, e.Send([]solana.PrivateKey{next}, chaintest.Must(e.Registry.ReleaseDevice(next.PublicKey(), k, job2))))
	require.Equal(t, registry.StatusActive, e.Device(t, p).Status)
}

// Also seen: a 100% slash left a zero ticket whose rent stranded once the device deregistered
// (withdraw_unstaked needed the closed vault). Now the zero ticket closes without the vault and
// its rent goes back to the owner who paid it, exactly.
func TestAlsoSeenZeroTicketRentAfterDeregistration(t *testing.T) {
	e := newEnv(t)
	e.initialize(t, func(p *registry.ConfigParams) { p.SlashBps[registry.OffenceSpoofedHardware] = 10_000 })
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 3_000*chaintest.IO)
	o, k := p.Owner.PublicKey(), p.DeviceKey.PublicKey()
	require.NoError(t, e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(e.Registry.RequestUnstake(o, k, 1_000*chaintest.IO))))
	ev := evidenceOf("spoofed, all of it")
	require.NoError(t, e.Send(e.slashSigners(), e.oracleSlashIx(p, registry.OffenceSpoofedHardware, ev)))
	d := e.Device(t, p)
	require.Zero(t, d.Stake+d.PendingUnstake)
	require.Equal(t, uint64(3_000*chaintest.IO), e.TokenBalance(t, e.escrowOf(p, ev)))
	e.waitPast(t, e.slashRecord(t, p, ev).AppealDeadline)
	require.NoError(t, e.Send([]solana.PrivateKey{e.Funded(t)}, chaintest.Must(e.Registry.FinalizeSlash(k, ev, e.IOMint, e.Treasury, e.Pool, e.Keeper.PublicKey()))))
	require.NoError(t, e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(e.Registry.DeregisterDevice(o, k, p.Token))))
	require.False(t, e.exists(t, e.Registry.VaultAddress(p.Device)))

	ticket := e.Registry.TicketAddress(p.Device)
	require.Equal(t, uint64(ticketRent), e.Lamports(t, ticket))
	before := e.Lamports(t, o)
	require.NoError(t, e.ownerSend(t, p, chaintest.Must(e.Registry.WithdrawUnstaked(o, k, p.Token))))
	require.False(t, e.exists(t, ticket))
	require.Equal(t, before+ticketRent, e.Lamports(t, o))
	require.Equal(t, uint64(2_000*chaintest.IO), e.TokenBalance(t, p.Token))
}

// Also seen: initialize_config refuses an IO or IOSD mint with a freeze authority (whoever
// holds it could freeze vaults and escrows and so block every exit).
func TestAlsoSeenInitRefusesFreezableMints(t *testing.T) {
	e := newEnv(t)
	freezable, _ := e.FreezableMint(t, 8, 1_000*chaintest.IO)
	params := e.params()
	for _, tc := range []struct {
		name     string
		io, iosd solana.PublicKey
	}{
		{"IO", freezable, e.IOSDMint},
		{"IOSD", e.IOMint, freezable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix := chaintest.Must(e.Registry.InitializeConfig(e.Admin.PublicKey(), tc.io, tc.iosd, params, chaintest.RegistryLimits()))
			require.ErrorIs(t, e.Send([]solana.PrivateKey{e.Admin}, ix), registry.ErrInvalidMint)
		})
	}
	require.False(t, e.exists(t, e.Registry.ConfigAddress()))
}
