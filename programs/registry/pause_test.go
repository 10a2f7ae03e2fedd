package registry_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
)

// While the registry is paused every non-admin instruction fails with ProgramPaused, except
// releasing a device from its job (so ending jobs never strands a device); the admin's
// instructions keep working, and resuming restores everything.
func TestPauseStopsEveryNonAdminInstruction(t *testing.T) {
	e := newEnv(t)
	params := e.initialize(t)
	p := e.activeProvider(t, e.funded(t))
	o, k := p.owner.PublicKey(), p.deviceKey.PublicKey()
	job := solana.NewWallet().PublicKey()
	require.NoError(t, e.send([]solana.PrivateKey{e.escrow}, must(e.prog.SetDeviceJob(e.escrow.PublicKey(), k, job))))
	newcomer := e.funded(t)
	evidence := evidenceOf("paused")

	admin := e.admin.PublicKey()
	require.NoError(t, e.send([]solana.PrivateKey{e.admin}, must(e.prog.SetPause(admin, true))))
	paused := []struct {
		name    string
		signers []solana.PrivateKey
		ix      solana.Instruction
	}{
		{"register_provider", []solana.PrivateKey{newcomer}, must(e.prog.RegisterProvider(newcomer.PublicKey(), "https://x.example"))},
		{"register_device", []solana.PrivateKey{p.owner, newcomer}, must(e.prog.RegisterDevice(o, newcomer.PublicKey(), e.ioMint, H100))},
		{"stake", []solana.PrivateKey{p.owner}, must(e.prog.Stake(o, k, p.token, IO))},
		{"request_unstake", []solana.PrivateKey{p.owner}, must(e.prog.RequestUnstake(o, k, IO))},
		{"withdraw_unstaked", []solana.PrivateKey{p.owner}, must(e.prog.WithdrawUnstaked(o, k, p.token))},
		{"deregister_device", []solana.PrivateKey{p.owner}, must(e.prog.DeregisterDevice(o, k, p.token))},
		{"submit_proof", []solana.PrivateKey{e.oracles[0]}, must(e.prog.SubmitProof(e.oracles[0].PublicKey(), k, report(pastWindow(0), 1, 0, registry.ChallengeNone)))},
		{"close_stale_proof", []solana.PrivateKey{e.keeper}, must(e.prog.CloseStaleProof(k, pastWindow(5), e.oracles[0].PublicKey()))},
		{"slash", []solana.PrivateKey{e.keeper}, must(e.prog.Slash(e.keeper.PublicKey(), o, k, e.ioMint, registry.OffenceDowntime, evidence))},
		{"finalize_slash", []solana.PrivateKey{e.keeper}, must(e.prog.FinalizeSlash(k, evidence, e.ioMint, e.treasury, e.pool, e.keeper.PublicKey()))},
		{"set_device_job (hire)", []solana.PrivateKey{e.escrow}, must(e.prog.SetDeviceJob(e.escrow.PublicKey(), k, solana.NewWallet().PublicKey()))},
	}
	for _, tc := range paused {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, e.send(tc.signers, tc.ix), registry.ErrProgramPaused)
		})
	}
	t.Run("set_device_job (release) still works", func(t *testing.T) {
		require.NoError(t, e.send([]solana.PrivateKey{e.escrow}, must(e.prog.SetDeviceJob(e.escrow.PublicKey(), k, solana.PublicKey{}))))
		require.Equal(t, registry.StatusActive, e.device(t, p).Status)
	})
	t.Run("the admin's instructions still work", func(t *testing.T) {
		require.NoError(t, e.send([]solana.PrivateKey{e.admin}, must(e.prog.UpdateConfig(admin, params))))
		require.NoError(t, e.send([]solana.PrivateKey{e.admin}, must(e.prog.TransferAdmin(admin, admin))))
		require.NoError(t, e.send([]solana.PrivateKey{e.admin}, must(e.prog.AcceptAdmin(admin))))
	})
	require.NoError(t, e.send([]solana.PrivateKey{e.admin}, must(e.prog.SetPause(admin, false))))
	t.Run("resumed", func(t *testing.T) {
		require.NoError(t, e.send([]solana.PrivateKey{p.owner}, must(e.prog.Stake(o, k, p.token, IO))))
		require.Equal(t, uint64(2_001*IO), e.device(t, p).Stake)
	})
}
