package chaintest_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// The fixtures on a real localnet: funded wallets and token accounts of both mints, the
// registry initialized, an Active provider, and a CPI-making transaction's events and
// compute units.
func TestEnv(t *testing.T) {
	e := chaintest.New(t)
	require.Equal(t, uint64(0), e.TokenBalance(t, e.Pool))
	require.NotZero(t, e.TokenBalance(t, e.Treasury))

	owner := e.Funded(t)
	require.Equal(t, 10*solana.LAMPORTS_PER_SOL, e.Lamports(t, owner.PublicKey()))
	io := e.TokenAccount(t, e.IOMint, owner.PublicKey(), 3*chaintest.IO)
	require.Equal(t, uint64(3*chaintest.IO), e.TokenBalance(t, io))
	iosd := e.TokenAccount(t, e.IOSDMint, owner.PublicKey(), 1_000_000)
	require.Equal(t, uint64(1_000_000), e.TokenBalance(t, iosd))
	require.Equal(t, uint64(0), e.TokenBalance(t, solana.NewWallet().PublicKey()))

	params := e.InitRegistry(t, e.Node.Key("admin").PublicKey())
	config, err := e.Registry.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	require.Equal(t, params, config.Params)
	require.Equal(t, e.Pool, config.Params.CompensationPool)

	p := e.ActiveProvider(t, owner)
	stake := e.Device(t, p).Stake
	sig, err := e.SendSig([]solana.PrivateKey{p.Owner}, chaintest.Must(e.Registry.Stake(p.Owner.PublicKey(), p.DeviceKey.PublicKey(), p.Token, chaintest.IO)))
	require.NoError(t, err)
	require.Equal(t, []any{&registry.Staked{Device: p.Device, Amount: chaintest.IO, Stake: stake + chaintest.IO}},
		e.Events(t, sig, e.Registry.ID, registry.ParseAnyEvent))
	require.Empty(t, e.Events(t, sig, solana.TokenProgramID, registry.ParseAnyEvent))
	total, own, cpis := e.ComputeUnits(t, sig)
	require.Equal(t, 1, cpis) // the token transfer into the vault
	require.Less(t, own, total)
}
