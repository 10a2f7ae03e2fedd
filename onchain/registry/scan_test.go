package registry_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/chaintest"
)

// DevicesOf finds exactly an owner's two devices, not another owner's.
func TestDevicesOf(t *testing.T) {
	e := chaintest.New(t)
	e.InitRegistry(t, solana.NewWallet().PublicKey())
	p := e.NewProvider(t, chaintest.H100, 0, 0)
	second := solana.NewWallet().PrivateKey
	require.NoError(t, e.Send([]solana.PrivateKey{p.Owner, second},
		chaintest.Must(e.Registry.RegisterDevice(p.Owner.PublicKey(), second.PublicKey(), e.IOMint, chaintest.H100))))
	other := e.NewProvider(t, chaintest.H100, 0, 0)

	for _, c := range []struct {
		owner solana.PublicKey
		keys  []solana.PublicKey
	}{
		{p.Owner.PublicKey(), []solana.PublicKey{p.DeviceKey.PublicKey(), second.PublicKey()}},
		{other.Owner.PublicKey(), []solana.PublicKey{other.DeviceKey.PublicKey()}},
		{solana.NewWallet().PublicKey(), nil},
	} {
		found, err := e.Registry.DevicesOf(e.Ctx, e.Client, c.owner)
		require.NoError(t, err)
		var keys []solana.PublicKey
		for _, d := range found {
			require.Equal(t, e.Registry.DeviceAddress(d.Device.DeviceKey), d.Address)
			require.Equal(t, c.owner, d.Device.Owner)
			keys = append(keys, d.Device.DeviceKey)
		}
		require.ElementsMatch(t, c.keys, keys)
	}
}
