package localdev

import (
	"fmt"
	"testing"

	bin "github.com/gagliardetto/binary"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// A chain saved by an older build (a Config of another size or layout version) is refused with
// what to do, before Init sends anything; the Config this build wrote passes.
func TestInitRefusesAnOldChain(t *testing.T) {
	e := chaintest.New(t)
	prog := e.Network.Escrow
	_, err := Init(e.Ctx, e.Network, OpenKeys(e.Node.KeysDir))
	require.NoError(t, err)
	data, err := e.Client.AccountData(e.Ctx, e.Registry.ConfigAddress())
	require.NoError(t, err)
	l := layouts(prog)[0]
	require.NoError(t, checkLayout(l, data))

	err = checkLayout(l, data[:len(data)-8])
	require.ErrorIs(t, err, ErrOldChain)
	require.EqualError(t, err, fmt.Sprintf("%s: the registry Config at %s is %d bytes, this build's is %d; "+
		"reset the chain with `make reset`, then `make dev`", ErrOldChain, l.address, len(data)-8, len(data)))

	config, err := registry.ParseAccount_Config(data)
	require.NoError(t, err)
	config.Version = registry.LayoutVersion - 1
	old, err := bin.MarshalBorsh(config)
	require.NoError(t, err)
	err = checkLayout(l, append(registry.Account_Config[:], old...))
	require.ErrorIs(t, err, ErrOldChain)
	require.Contains(t, err.Error(), fmt.Sprintf("has layout version %d, this build writes %d", registry.LayoutVersion-1, registry.LayoutVersion))
}
