package localdev_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/localdev"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
)

// Init configures a fresh localnet once (a second run changes nothing), and points a registry
// configured before the escrow existed at the escrow's authority.
func TestInit(t *testing.T) {
	e := chaintest.New(t)
	prog := e.Network.Escrow
	keys := localdev.OpenKeys(e.Node.KeysDir)

	e.InitRegistry(t, e.Node.Key("admin").PublicKey()) // as `make dev` did before the escrow
	changed, err := localdev.Init(e.Ctx, e.Network, keys)
	require.NoError(t, err)
	require.Equal(t, []string{"point the registry at the escrow authority", "initialize economy config", "initialize escrow config"}, changed)
	changed, err = localdev.Init(e.Ctx, e.Network, keys)
	require.NoError(t, err)
	require.Empty(t, changed)

	rc, err := e.Registry.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	require.Equal(t, prog.AuthorityAddress(), rc.Params.EscrowAuthority)
	ec, err := prog.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	want := onescrow.DefaultParams(e.Node.Key("scheduler").PublicKey(), e.Node.Key("treasury").PublicKey())
	require.Equal(t, want, ec.Params)
	require.Equal(t, e.Registry.ID, ec.RegistryProgram)
	require.Equal(t, e.IOSDMint, ec.IosdMint)
	require.Equal(t, e.Admin.PublicKey(), ec.Admin)
	require.Equal(t, prog.AuthorityAddress(), ec.Authority)
	require.Equal(t, e.Economy.ID, ec.EconomyProgram)
	oc, err := e.Economy.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	require.Equal(t, e.Economy.MintAuthorityAddress(), oc.MintAuthority)
	require.Equal(t, e.Treasury, oc.Params.CommunityPool)
}

// On a fresh localnet Init creates both Configs, the registry's naming the escrow's authority.
func TestInitFresh(t *testing.T) {
	e := chaintest.New(t)
	prog := e.Network.Escrow
	changed, err := localdev.Init(e.Ctx, e.Network, localdev.OpenKeys(e.Node.KeysDir))
	require.NoError(t, err)
	require.Equal(t, []string{"initialize registry config", "initialize economy config", "initialize escrow config"}, changed)
	rc, err := e.Registry.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	require.Equal(t, prog.AuthorityAddress(), rc.Params.EscrowAuthority)
}
