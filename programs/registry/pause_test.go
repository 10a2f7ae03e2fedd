package registry_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// While the registry is paused every non-admin instruction fails with ProgramPaused, except
// the ways out: releasing a device from its job, requesting an unstake, withdrawing a ticket,
// deregistering, finalizing a slash whose appeal window ended and applying a due configuration
// (exit_test.go shows each works while paused); the admin's instructions keep working, and
// resuming restores everything.
func TestPauseStopsEveryNonAdminInstruction(t *testing.T) {
	e := newEnv(t)
	params := e.initialize(t)
	p := e.ActiveProvider(t, e.Funded(t))
	o, k := p.Owner.PublicKey(), p.DeviceKey.PublicKey()
	job := solana.NewWallet().PublicKey()
	require.NoError(t, e.Send([]solana.PrivateKey{e.escrow}, chaintest.Must(e.Registry.HireDevice(e.escrow.PublicKey(), k, job))))
	newcomer := e.Funded(t)
	evidence := evidenceOf("paused")

	admin := e.Admin.PublicKey()
	require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, chaintest.Must(e.Registry.SetPause(admin, true))))
	paused := []struct {
		name    string
		signers []solana.PrivateKey
		ix      solana.Instruction
	}{
		{"register_provider", []solana.PrivateKey{newcomer}, chaintest.Must(e.Registry.RegisterProvider(newcomer.PublicKey(), "https://x.example"))},
		{"register_device", []solana.PrivateKey{p.Owner, newcomer}, chaintest.Must(e.Registry.RegisterDevice(o, newcomer.PublicKey(), e.IOMint, chaintest.H100))},
		{"stake", []solana.PrivateKey{p.Owner}, chaintest.Must(e.Registry.Stake(o, k, p.Token, chaintest.IO))},
		{"set_asks", []solana.PrivateKey{p.Owner}, chaintest.Must(e.Registry.SetAsks(o, k, 1, 1))},
		{"submit_proof", []solana.PrivateKey{e.Oracles[0]}, chaintest.Must(e.Registry.SubmitProof(e.Oracles[0].PublicKey(), k, report(chaintest.PastWindow(0), 1, 0, registry.ChallengeNone), e.Oracles[0].PublicKey()))},
		{"close_stale_proof", []solana.PrivateKey{e.Keeper}, chaintest.Must(e.Registry.CloseStaleProof(k, chaintest.PastWindow(5), e.Oracles[0].PublicKey()))},
		{"count_proof", []solana.PrivateKey{e.Keeper}, chaintest.Must(e.Registry.CountProof(k, chaintest.PastWindow(5), e.Oracles[0].PublicKey()))},
		{"slash", e.slashSigners(), e.oracleSlashIx(p, registry.OffenceDowntime, evidence)},
		{"set_device_job (hire)", []solana.PrivateKey{e.escrow}, chaintest.Must(e.Registry.HireDevice(e.escrow.PublicKey(), k, solana.NewWallet().PublicKey()))},
	}
	for _, tc := range paused {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, e.Send(tc.signers, tc.ix), registry.ErrProgramPaused)
		})
	}
	t.Run("set_device_job (release) still works", func(t *testing.T) {
		require.NoError(t, e.Send([]solana.PrivateKey{e.escrow}, chaintest.Must(e.Registry.ReleaseDevice(e.escrow.PublicKey(), k, job))))
		require.Equal(t, registry.StatusActive, e.Device(t, p).Status)
	})
	t.Run("the admin's instructions still work", func(t *testing.T) {
		require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, chaintest.Must(e.Registry.UpdateConfig(admin, params))))
		require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, chaintest.Must(e.Registry.TransferAdmin(admin, admin))))
		require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, chaintest.Must(e.Registry.AcceptAdmin(admin))))
	})
	require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, chaintest.Must(e.Registry.SetPause(admin, false))))
	t.Run("resumed", func(t *testing.T) {
		require.NoError(t, e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(e.Registry.Stake(o, k, p.Token, chaintest.IO))))
		require.Equal(t, uint64(2_001*chaintest.IO), e.Device(t, p).Stake)
	})
}
