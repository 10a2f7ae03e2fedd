package network_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
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
}
