package registry_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
)

func (e *env) initializeAs(t testing.TB, signer solana.PrivateKey, params registry.ConfigParams) error {
	return e.initializeWith(t, signer, params, chaintest.RegistryLimits())
}

func (e *env) initializeWith(t testing.TB, signer solana.PrivateKey, params registry.ConfigParams, limits registry.RegistryLimits) error {
	ix, err := e.Registry.InitializeConfig(signer.PublicKey(), e.IOMint, e.IOSDMint, params, limits)
	require.NoError(t, err)
	_, err = e.Client.Send(e.Ctx, []solana.Instruction{ix}, signer)
	return err
}

func (e *env) update(t testing.TB, signer solana.PrivateKey, params registry.ConfigParams) error {
	ix, err := e.Registry.UpdateConfig(signer.PublicKey(), params)
	require.NoError(t, err)
	_, err = e.Client.Send(e.Ctx, []solana.Instruction{ix}, signer)
	return err
}

// The config round trip through the generated client: initialize, read back and decode,
// update, and the errors each wrong caller gets.
func TestConfigLifecycle(t *testing.T) {
	e := newEnv(t)
	params := e.params()

	t.Run("only the upgrade authority may initialize", func(t *testing.T) {
		err := e.initializeAs(t, e.Funded(t), params)
		require.ErrorIs(t, err, registry.ErrNotUpgradeAuthority)
	})

	t.Run("inconsistent params are refused", func(t *testing.T) {
		bad := params
		bad.OracleQuorum = bad.OracleCount + 1
		require.ErrorIs(t, e.initializeAs(t, e.Admin, bad), registry.ErrInvalidConfigParams)
	})

	t.Run("initialize", func(t *testing.T) {
		require.NoError(t, e.initializeAs(t, e.Admin, params))
		config, err := e.Registry.FetchConfig(e.Ctx, e.Client)
		require.NoError(t, err)
		require.Equal(t, e.Admin.PublicKey(), config.Admin)
		require.Equal(t, solana.PublicKey{}, config.PendingAdmin)
		require.Equal(t, e.IOMint, config.IoMint)
		require.Equal(t, e.IOSDMint, config.IosdMint)
		require.Equal(t, params, config.Params)
		require.Equal(t, chaintest.RegistryLimits(), config.Limits)
		require.Equal(t, registry.ConfigParams{}, config.Pending)
		require.Zero(t, config.PendingAppliesAt)
		require.Equal(t, registry.LayoutVersion, config.Version)
		require.Equal(t, uint8(0), config.Paused)
		_, bump, err := solana.FindProgramAddress([][]byte{[]byte("config")}, e.Registry.ID)
		require.NoError(t, err)
		require.Equal(t, bump, config.Bump)
	})

	t.Run("re-initialization is refused", func(t *testing.T) {
		again := params
		again.BaseStake++ // a different transaction: an identical one would be deduplicated
		require.ErrorIs(t, e.initializeAs(t, e.Admin, again), registry.ErrAccountAlreadyInitialized)
	})

	t.Run("update by the admin, after the delay", func(t *testing.T) {
		next := params
		next.BaseStake = 300 * 100_000_000
		next.OracleQuorum = 3
		e.UpdateRegistry(t, next)
		config, err := e.Registry.FetchConfig(e.Ctx, e.Client)
		require.NoError(t, err)
		require.Equal(t, next, config.Params)
		require.Equal(t, registry.ConfigParams{}, config.Pending)
	})

	t.Run("update by anyone else is refused", func(t *testing.T) {
		err := e.update(t, e.Funded(t), params)
		require.ErrorIs(t, err, registry.ErrUnauthorized)
		var ie *chain.InstructionError
		require.ErrorAs(t, err, &ie)
		require.Equal(t, uint32(6100), ie.Code)
		require.Equal(t, e.Registry.ID, ie.Program)
	})

	t.Run("update without the admin's signature is refused", func(t *testing.T) {
		ix, err := e.Registry.UpdateConfig(e.Admin.PublicKey(), params)
		require.NoError(t, err)
		ix.Accounts()[1].IsSigner = false
		payer := e.Funded(t)
		_, err = e.Client.Send(e.Ctx, []solana.Instruction{ix}, payer)
		require.ErrorIs(t, err, registry.ErrMissingSigner)
	})

	t.Run("a spoofed config account is refused", func(t *testing.T) {
		ix, err := e.Registry.UpdateConfig(e.Admin.PublicKey(), params)
		require.NoError(t, err)
		ix.Accounts()[0].PublicKey = e.IOMint
		_, err = e.Client.Send(e.Ctx, []solana.Instruction{ix}, e.Admin)
		require.ErrorIs(t, err, registry.ErrInvalidAccountOwner)
	})

	t.Run("truncated instruction data is refused", func(t *testing.T) {
		ix, err := e.Registry.UpdateConfig(e.Admin.PublicKey(), params)
		require.NoError(t, err)
		data, err := ix.Data()
		require.NoError(t, err)
		short := solana.NewInstruction(e.Registry.ID, ix.Accounts(), data[:len(data)-1])
		_, err = e.Client.Send(e.Ctx, []solana.Instruction{short}, e.Admin)
		require.ErrorIs(t, err, registry.ErrInvalidInstructionData)
	})

	t.Run("an unknown instruction is refused", func(t *testing.T) {
		bogus := solana.NewInstruction(e.Registry.ID, nil, []byte{1, 2, 3, 4, 5, 6, 7, 8})
		_, err := e.Client.Send(e.Ctx, []solana.Instruction{bogus}, e.Admin)
		require.ErrorIs(t, err, registry.ErrInvalidInstruction)
	})
}
