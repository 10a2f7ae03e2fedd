package localdev_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/localdev"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
	onregistry "github.com/gpunet/gpunet/onchain/registry"
)

// Init configures a fresh localnet once (a second run changes nothing), and points a registry
// configured before the escrow existed at the escrow's authority.
func TestInit(t *testing.T) {
	e := chaintest.New(t)
	prog := e.Network.Escrow
	keys := localdev.OpenKeys(e.Node.KeysDir)

	e.InitRegistry(t, e.Node.Key("admin").PublicKey(), localdev.DevRegistryTimes) // as `make dev` did before the escrow
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

// On a fresh localnet Init creates both Configs, the registry's naming the escrow's authority
// and holding the dev times (the production defaults stay).
func TestInitFresh(t *testing.T) {
	e := chaintest.New(t)
	prog := e.Network.Escrow
	changed, err := localdev.Init(e.Ctx, e.Network, localdev.OpenKeys(e.Node.KeysDir))
	require.NoError(t, err)
	require.Equal(t, []string{"initialize registry config", "initialize economy config", "initialize escrow config"}, changed)
	rc, err := e.Registry.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	require.Equal(t, prog.AuthorityAddress(), rc.Params.EscrowAuthority)
	p := rc.Params
	require.Equal(t, [5]int64{5, 60, 30, 180, 600},
		[5]int64{p.HeartbeatIntervalSecs, p.ProofWindowSecs, p.VoteDeadlineSecs, p.ProbationSecs, p.MaxProofAgeSecs})
	prod := onregistry.DefaultParams(p.Keeper, p.Treasury, p.CompensationPool, p.EscrowAuthority, nil, 2)
	require.Equal(t, [5]int64{60, 3600, 600, 12 * 3600, 3 * 3600},
		[5]int64{prod.HeartbeatIntervalSecs, prod.ProofWindowSecs, prod.VoteDeadlineSecs, prod.ProbationSecs, prod.MaxProofAgeSecs})
}

// A registry Config with other times (a chain from an older make dev) is an old chain: Init
// says which times differ and how to reset, and sends nothing.
func TestInitRefusesOtherRegistryTimes(t *testing.T) {
	e := chaintest.New(t)
	e.InitRegistry(t, e.Network.Escrow.AuthorityAddress()) // chaintest's times: 2 s windows, 4 s probation
	_, err := localdev.Init(e.Ctx, e.Network, localdev.OpenKeys(e.Node.KeysDir))
	require.ErrorIs(t, err, localdev.ErrOldChain)
	require.EqualError(t, err, localdev.ErrOldChain.Error()+": the registry Config at "+e.Registry.ConfigAddress().String()+
		" has proof_window_secs 2 (this build: 60), heartbeat_interval_secs 60 (this build: 5), probation_secs 4 (this build: 180), "+
		"vote_deadline_secs 600 (this build: 30), max_proof_age_secs 60 (this build: 600), and the proof window is fixed at initialization; "+
		"reset the chain with `make reset`, then `make dev`")
	_, err = e.Economy.FetchConfig(e.Ctx, e.Client)
	require.ErrorIs(t, err, chain.ErrAccountNotFound)
}
