package registry_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// The helpers of admin_test.go and unstake_test.go carry an "au" prefix so that they cannot
// collide with helpers of the other instruction tests in this package.

func (e *env) auAcceptAdmin(newAdmin solana.PublicKey) solana.Instruction {
	return chaintest.Must(e.Registry.AcceptAdmin(newAdmin))
}

func (e *env) auConfig(t testing.TB) *registry.Config {
	config, err := e.Registry.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	return config
}

// The two-step admin handover: naming, accepting, and who may do what before and after.
func TestAdminTransfer(t *testing.T) {
	e := newEnv(t)
	params := e.initialize(t)
	admin := e.Admin
	next := e.Funded(t)
	transfer := func(signer solana.PrivateKey, to solana.PublicKey) error {
		return e.Send([]solana.PrivateKey{signer}, chaintest.Must(e.Registry.TransferAdmin(signer.PublicKey(), to)))
	}
	accept := func(signer solana.PrivateKey) error {
		return e.Send([]solana.PrivateKey{signer}, e.auAcceptAdmin(signer.PublicKey()))
	}

	t.Run("accept with nothing pending", func(t *testing.T) {
		require.ErrorIs(t, accept(next), registry.ErrNoPendingAdmin)
	})
	t.Run("transfer by a stranger", func(t *testing.T) {
		require.ErrorIs(t, transfer(next, next.PublicKey()), registry.ErrUnauthorized)
	})
	t.Run("transfer without the admin's signature", func(t *testing.T) {
		ix := chaintest.Must(e.Registry.TransferAdmin(admin.PublicKey(), next.PublicKey()))
		ix.Accounts()[1].IsSigner = false
		require.ErrorIs(t, e.Send([]solana.PrivateKey{next}, ix), registry.ErrMissingSigner)
	})
	t.Run("transfer to the zero key", func(t *testing.T) {
		require.ErrorIs(t, transfer(admin, solana.PublicKey{}), registry.ErrInvalidConfigParams)
	})
	t.Run("transfer with a non-program config", func(t *testing.T) {
		ix := chaintest.Must(e.Registry.TransferAdmin(admin.PublicKey(), next.PublicKey()))
		ix.Accounts()[0].PublicKey = e.IOMint
		require.ErrorIs(t, e.Send([]solana.PrivateKey{admin}, ix), registry.ErrInvalidAccountOwner)
	})
	t.Run("transfer with a provider as the config", func(t *testing.T) {
		p := e.NewProvider(t, chaintest.H100, 0, 0)
		ix := chaintest.Must(e.Registry.TransferAdmin(admin.PublicKey(), next.PublicKey()))
		ix.Accounts()[0].PublicKey = e.Registry.ProviderAddress(p.Owner.PublicKey())
		require.ErrorIs(t, e.Send([]solana.PrivateKey{admin}, ix), registry.ErrInvalidAccountData)
	})
	require.Equal(t, solana.PublicKey{}, e.auConfig(t).PendingAdmin)

	t.Run("a later transfer replaces the pending admin", func(t *testing.T) {
		first := e.Funded(t)
		require.NoError(t, transfer(admin, first.PublicKey()))
		require.Equal(t, first.PublicKey(), e.auConfig(t).PendingAdmin)
		sig, err := e.SendSig([]solana.PrivateKey{admin}, chaintest.Must(e.Registry.TransferAdmin(admin.PublicKey(), next.PublicKey())))
		require.NoError(t, err)
		require.Equal(t, []any{&registry.AdminTransferStarted{Admin: admin.PublicKey(), PendingAdmin: next.PublicKey()}}, e.eventsOf(t, sig))
		config := e.auConfig(t)
		require.Equal(t, next.PublicKey(), config.PendingAdmin)
		require.Equal(t, admin.PublicKey(), config.Admin)
		require.ErrorIs(t, accept(first), registry.ErrNoPendingAdmin)
	})
	t.Run("accept by someone else", func(t *testing.T) {
		require.ErrorIs(t, accept(e.Funded(t)), registry.ErrNoPendingAdmin)
	})
	t.Run("accept by the current admin", func(t *testing.T) {
		require.ErrorIs(t, accept(admin), registry.ErrNoPendingAdmin)
	})
	t.Run("accept without the pending admin's signature", func(t *testing.T) {
		ix := e.auAcceptAdmin(next.PublicKey())
		ix.Accounts()[1].IsSigner = false
		require.ErrorIs(t, e.Send([]solana.PrivateKey{admin}, ix), registry.ErrMissingSigner)
	})
	t.Run("accept with a provider as the config", func(t *testing.T) {
		p := e.NewProvider(t, chaintest.H100, 0, 0)
		ix := e.auAcceptAdmin(next.PublicKey())
		ix.Accounts()[0].PublicKey = e.Registry.ProviderAddress(p.Owner.PublicKey())
		require.ErrorIs(t, e.Send([]solana.PrivateKey{next}, ix), registry.ErrInvalidAccountData)
	})

	// Both steps work while paused: a paused registry can still change hands.
	require.NoError(t, e.Send([]solana.PrivateKey{admin}, chaintest.Must(e.Registry.SetPause(admin.PublicKey(), true))))
	sig, err := e.SendSig([]solana.PrivateKey{next}, e.auAcceptAdmin(next.PublicKey()))
	require.NoError(t, err)
	require.Equal(t, []any{&registry.AdminTransferred{PreviousAdmin: admin.PublicKey(), Admin: next.PublicKey()}}, e.eventsOf(t, sig))
	config := e.auConfig(t)
	require.Equal(t, next.PublicKey(), config.Admin)
	require.Equal(t, solana.PublicKey{}, config.PendingAdmin)
	require.Equal(t, uint8(1), config.Paused)

	t.Run("a second accept", func(t *testing.T) {
		// paid by another wallet, so it is not the identical (deduplicated) transaction
		ix := e.auAcceptAdmin(next.PublicKey())
		require.ErrorIs(t, e.Send([]solana.PrivateKey{e.Funded(t), next}, ix), registry.ErrNoPendingAdmin)
	})
	t.Run("the old admin lost its rights", func(t *testing.T) {
		changed := params
		changed.BaseStake++
		require.ErrorIs(t, e.update(t, admin, changed), registry.ErrUnauthorized)
		require.ErrorIs(t, transfer(admin, admin.PublicKey()), registry.ErrUnauthorized)
		err := e.Send([]solana.PrivateKey{admin}, chaintest.Must(e.Registry.SetPause(admin.PublicKey(), false)))
		require.ErrorIs(t, err, registry.ErrUnauthorized)
	})
	t.Run("the new admin has them", func(t *testing.T) {
		changed := params
		changed.AppealWindowSecs++ // a longer appeal window applies at once
		require.NoError(t, e.update(t, next, changed))
		require.Equal(t, changed, e.auConfig(t).Params)
		require.NoError(t, e.Send([]solana.PrivateKey{next}, chaintest.Must(e.Registry.SetPause(next.PublicKey(), false))))
		require.Equal(t, uint8(0), e.auConfig(t).Paused)
		// and can hand it back
		require.NoError(t, transfer(next, admin.PublicKey()))
		require.NoError(t, accept(admin))
		require.Equal(t, admin.PublicKey(), e.auConfig(t).Admin)
	})
}

// Pausing stops every instruction that needs the live config; the admin ones keep working.
func TestSetPause(t *testing.T) {
	e := newEnv(t)
	params := e.initialize(t)
	admin := e.Admin
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 1_000*chaintest.IO)
	stake := func(amount uint64) error {
		return e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(e.Registry.Stake(p.Owner.PublicKey(), p.DeviceKey.PublicKey(), p.Token, amount)))
	}
	registerProvider := func(owner solana.PrivateKey) error {
		return e.Send([]solana.PrivateKey{owner}, chaintest.Must(e.Registry.RegisterProvider(owner.PublicKey(), "https://provider.example/meta.json")))
	}

	t.Run("pause by a stranger", func(t *testing.T) {
		stranger := e.Funded(t)
		err := e.Send([]solana.PrivateKey{stranger}, chaintest.Must(e.Registry.SetPause(stranger.PublicKey(), true)))
		require.ErrorIs(t, err, registry.ErrUnauthorized)
	})
	t.Run("pause without the admin's signature", func(t *testing.T) {
		ix := chaintest.Must(e.Registry.SetPause(admin.PublicKey(), true))
		ix.Accounts()[1].IsSigner = false
		require.ErrorIs(t, e.Send([]solana.PrivateKey{e.Funded(t)}, ix), registry.ErrMissingSigner)
	})
	t.Run("a bool that is neither 0 nor 1", func(t *testing.T) {
		ix := chaintest.Must(e.Registry.SetPause(admin.PublicKey(), true))
		data, err := ix.Data()
		require.NoError(t, err)
		data[len(data)-1] = 2
		bad := solana.NewInstruction(e.Registry.ID, ix.Accounts(), data)
		require.ErrorIs(t, e.Send([]solana.PrivateKey{admin}, bad), registry.ErrInvalidInstructionData)
	})
	t.Run("pause with a device as the config", func(t *testing.T) {
		ix := chaintest.Must(e.Registry.SetPause(admin.PublicKey(), true))
		ix.Accounts()[0].PublicKey = p.Device
		require.ErrorIs(t, e.Send([]solana.PrivateKey{admin}, ix), registry.ErrInvalidAccountData)
	})
	require.Equal(t, uint8(0), e.auConfig(t).Paused)

	sig, err := e.SendSig([]solana.PrivateKey{admin}, chaintest.Must(e.Registry.SetPause(admin.PublicKey(), true)))
	require.NoError(t, err)
	require.Equal(t, []any{&registry.PauseSet{Admin: admin.PublicKey(), Paused: 1}}, e.eventsOf(t, sig))
	require.Equal(t, uint8(1), e.auConfig(t).Paused)

	t.Run("while paused", func(t *testing.T) {
		require.ErrorIs(t, registerProvider(e.Funded(t)), registry.ErrProgramPaused)
		require.ErrorIs(t, stake(chaintest.IO), registry.ErrProgramPaused)
		require.Equal(t, uint64(1_000*chaintest.IO), e.Device(t, p).Stake)
		// the admin's instructions still work
		changed := params
		changed.AppealWindowSecs++ // applies at once
		require.NoError(t, e.update(t, admin, changed))
		require.Equal(t, changed, e.auConfig(t).Params)
		// pausing again is harmless (a different payer: not the identical transaction)
		require.NoError(t, e.Send([]solana.PrivateKey{e.Funded(t), admin}, chaintest.Must(e.Registry.SetPause(admin.PublicKey(), true))))
		require.Equal(t, uint8(1), e.auConfig(t).Paused)
	})

	sig, err = e.SendSig([]solana.PrivateKey{admin}, chaintest.Must(e.Registry.SetPause(admin.PublicKey(), false)))
	require.NoError(t, err)
	require.Equal(t, []any{&registry.PauseSet{Admin: admin.PublicKey(), Paused: 0}}, e.eventsOf(t, sig))
	require.Equal(t, uint8(0), e.auConfig(t).Paused)

	t.Run("unpaused", func(t *testing.T) {
		require.NoError(t, registerProvider(e.Funded(t)))
		require.NoError(t, stake(chaintest.IO))
		require.Equal(t, uint64(1_001*chaintest.IO), e.Device(t, p).Stake)
	})
}
