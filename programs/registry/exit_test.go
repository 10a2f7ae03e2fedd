package registry_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// The exit paths never depend on the configuration or the pause: after a change of the escrow
// authority, the keeper, the cooldown, the appeal window, the slash split, the base stake and
// the class multipliers, and with the registry paused, a job's old authority releases its
// device, an owner requests an unstake (its unlock fixed by the cooldown now), withdraws a
// ticket at the unlock fixed when it was requested, deregisters; a slash finalizes by the
// split fixed when it was made; the admin reverses another. Exact balances throughout.
func TestExitPathsIgnoreConfigurationAndPause(t *testing.T) {
	e := newEnv(t)
	params := e.initialize(t)
	hired := e.ActiveProvider(t, e.Funded(t))
	job := solana.NewWallet().PublicKey()
	require.NoError(t, e.Send([]solana.PrivateKey{e.escrow}, chaintest.Must(e.Registry.HireDevice(e.escrow.PublicKey(), hired.DeviceKey.PublicKey(), job))))
	leaving := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 1_000*chaintest.IO)
	lo, lk := leaving.Owner.PublicKey(), leaving.DeviceKey.PublicKey()
	require.NoError(t, e.Send([]solana.PrivateKey{leaving.Owner}, chaintest.Must(e.Registry.RequestUnstake(lo, lk, 1_000*chaintest.IO))))
	slashed := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 3_000*chaintest.IO)
	appealed := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 3_000*chaintest.IO)
	evS, evA := evidenceOf("finalized while paused"), evidenceOf("reversed while paused")
	require.NoError(t, e.Send(e.slashSigners(), e.oracleSlashIx(slashed, registry.OffenceDowntime, evS)))

	next := params
	next.EscrowAuthority = solana.NewWallet().PublicKey()
	next.Keeper = solana.NewWallet().PublicKey()
	next.UnstakeCooldownSecs = 60
	next.AppealWindowSecs = 60
	next.SlashBurnBps, next.SlashTreasuryBps = 0, 10_000
	next.BaseStake *= 10
	for i := range next.HardwareClasses[:next.HardwareClassCount] {
		next.HardwareClasses[i].MultiplierBps *= 2
	}
	e.UpdateRegistry(t, next)
	// slashed under the new 60 s appeal window, so the appeal below is in time however slow the machine
	require.NoError(t, e.Send(e.slashSigners(), e.oracleSlashIx(appealed, registry.OffenceDowntime, evA)))
	require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, chaintest.Must(e.Registry.SetPause(e.Admin.PublicKey(), true))))

	t.Run("release by the authority that hired", func(t *testing.T) {
		require.NoError(t, e.Send([]solana.PrivateKey{e.escrow}, chaintest.Must(e.Registry.ReleaseDevice(e.escrow.PublicKey(), hired.DeviceKey.PublicKey(), job))))
		d := e.Device(t, hired)
		require.True(t, d.CurrentJob.IsZero())
		require.Equal(t, registry.StatusProbation, d.Status) // 2,000 IO is below the new minimum
	})
	t.Run("request_unstake, its unlock fixed now", func(t *testing.T) {
		sig, err := e.SendSig([]solana.PrivateKey{hired.Owner}, chaintest.Must(e.Registry.RequestUnstake(hired.Owner.PublicKey(), hired.DeviceKey.PublicKey(), 2_000*chaintest.IO)))
		require.NoError(t, err)
		var requested *registry.UnstakeRequested
		for _, ev := range e.eventsOf(t, sig) {
			if r, ok := ev.(*registry.UnstakeRequested); ok {
				requested = r
			}
		}
		require.NotNil(t, requested)
		require.InDelta(t, e.chainNow(t)+60, requested.UnlockAt, 1)
		require.Equal(t, uint64(2_000*chaintest.IO), e.Device(t, hired).PendingUnstake)
	})
	t.Run("withdraw at the unlock fixed at request, then deregister", func(t *testing.T) {
		require.NoError(t, e.Send([]solana.PrivateKey{leaving.Owner}, chaintest.Must(e.Registry.WithdrawUnstaked(lo, lk, leaving.Token))))
		require.Equal(t, uint64(5_000*chaintest.IO), e.TokenBalance(t, leaving.Token))
		require.NoError(t, e.Send([]solana.PrivateKey{leaving.Owner}, chaintest.Must(e.Registry.DeregisterDevice(lo, lk, leaving.Token))))
		require.Equal(t, registry.StatusDeregistered, e.Device(t, leaving).Status)
		require.Equal(t, uint32(3), e.registryConfig(t).ClassDevices[3]) // H100: hired, slashed, appealed left
	})
	t.Run("resolve_appeal", func(t *testing.T) {
		require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, e.resolveIx(e.Admin.PublicKey(), appealed, evA, e.Keeper.PublicKey())))
		require.Equal(t, uint64(3_000*chaintest.IO), e.Device(t, appealed).Stake)
	})
	t.Run("finalize by the split fixed at the slash", func(t *testing.T) {
		e.waitPast(t, e.slashRecord(t, slashed, evS).AppealDeadline) // 3 s, fixed at the slash
		supply, treasury, pool := e.Supply(t, e.IOMint), e.TokenBalance(t, e.Treasury), e.TokenBalance(t, e.Pool)
		require.NoError(t, e.Send([]solana.PrivateKey{e.Funded(t)}, chaintest.Must(e.Registry.FinalizeSlash(slashed.DeviceKey.PublicKey(), evS, e.IOMint, e.Treasury, e.Pool, e.Keeper.PublicKey()))))
		const held = 30 * chaintest.IO // 1% of 3,000 IO: 50% burned, 25% treasury, 25% pool
		require.Equal(t, supply-held/2, e.Supply(t, e.IOMint))
		require.Equal(t, treasury+held/4, e.TokenBalance(t, e.Treasury))
		require.Equal(t, pool+held/4, e.TokenBalance(t, e.Pool))
		require.Equal(t, registry.StatusProbation, e.Device(t, slashed).Status)
	})
}
