package network_test

import (
	"net"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/network"
)

// Open on the localnet: its genesis hash is no public cluster's, so the DEV-ONLY ids are
// accepted, and the client it returns decodes the registry's errors by name (set_pause on a
// registry not configured yet: InvalidAccountOwner).
func TestOpenOnTheLocalnet(t *testing.T) {
	e := chaintest.New(t)
	n, err := network.Open(e.Ctx, network.Options{Cluster: network.DevCluster, URL: e.Node.RPCURL})
	require.NoError(t, err)
	require.Equal(t, e.Registry.ID, n.Registry.ID)
	stranger := e.Funded(t)
	ix := chaintest.Must(n.Registry.SetPause(stranger.PublicKey(), true))
	_, err = n.Client.Send(e.Ctx, []solana.Instruction{ix}, stranger)
	require.ErrorIs(t, err, registry.ErrInvalidAccountOwner)

	// Without a cluster, the genesis hash (no public cluster's) picks the localnet's ids; the
	// registry is not configured, and the error says how to configure it.
	n, err = network.Open(e.Ctx, network.Options{URL: e.Node.RPCURL, Commitment: rpc.CommitmentProcessed})
	require.NoError(t, err)
	require.Equal(t, network.DevCluster, n.Cluster)
	require.Equal(t, e.Network.IDs, n.IDs)
	require.Equal(t, rpc.CommitmentProcessed, n.Client.Commitment())
	_, missing := n.Registry.FetchConfig(e.Ctx, n.Client)
	err = n.NotConfigured("registry", missing)
	require.ErrorIs(t, err, network.ErrNotConfigured)
	require.EqualError(t, err, "the registry program is not initialized on this localnet: run `gpunet localnet-init` (`make dev` does)")
	n.Cluster = "devnet"
	require.EqualError(t, n.NotConfigured("registry", missing), "the registry program is not initialized on devnet: its admin must initialize it first")
	require.Equal(t, network.Mints{}, n.Mints) // none before the registry names them

	// Once the registry is configured, Open takes the mints its Config names (no flag or
	// default can disagree with the chain), and the economy's instructions use them.
	e.InitRegistry(t, e.Keeper.PublicKey())
	n, err = network.Open(e.Ctx, network.Options{URL: e.Node.RPCURL})
	require.NoError(t, err)
	require.Equal(t, network.Mints{IO: e.IOMint, IOSD: e.IOSDMint}, n.Mints)
	require.Equal(t, e.IOMint, n.Economy.IOMint)
	require.Equal(t, e.IOSDMint, n.Economy.IOSDMint)
}

// An RPC that refuses the connection: ErrUnreachable at the first attempt, with a hint to
// start the localnet when it is on this machine.
func TestOpenUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	url := "http://" + l.Addr().String()
	require.NoError(t, l.Close())
	for _, o := range []network.Options{{Cluster: network.DevCluster, URL: url}, {URL: url}} {
		_, err := network.Open(t.Context(), o)
		require.ErrorIs(t, err, network.ErrUnreachable)
		require.EqualError(t, err, "cannot reach "+url+": is the localnet running? try `make dev`")
	}
	// An RPC that accepts the connection and never answers: the same, at ProbeTimeout.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer silent.Close()
	_, err = network.Open(t.Context(), network.Options{URL: "http://" + silent.Addr().String()})
	require.EqualError(t, err, "cannot reach http://"+silent.Addr().String()+": is the localnet running? try `make dev`")
	// A cluster without ids is refused before its RPC is asked.
	_, err = network.Open(t.Context(), network.Options{Cluster: "devnet", URL: url})
	require.ErrorIs(t, err, network.ErrNoProgramIDs)
}

func TestAnchorCluster(t *testing.T) {
	for genesis, want := range map[string]string{network.GenesisDevnet: "devnet", network.GenesisTestnet: "testnet",
		network.GenesisMainnetBeta: "mainnet", solana.NewWallet().PublicKey().String(): network.DevCluster} {
		require.Equal(t, want, network.AnchorCluster(genesis))
	}
}
