package registry_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
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

// Devices finds the devices of the models asked for, and every device when none; the offset
// of spec.hardware_model is where the generated layout puts it.
func TestDevicesByModel(t *testing.T) {
	e := chaintest.New(t)
	e.InitRegistry(t, solana.NewWallet().PublicKey())
	h100 := e.NewProvider(t, chaintest.H100, 0, 0)
	rtx := chaintest.H100
	rtx.HardwareModel = registry.ModelRTX4090
	rtxs := []chaintest.Provider{e.NewProvider(t, rtx, 0, 0), e.NewProvider(t, rtx, 0, 0)}

	keys := func(models ...uint32) []solana.PublicKey {
		found, err := e.Registry.Devices(e.Ctx, e.Client, models...)
		require.NoError(t, err)
		var out []solana.PublicKey
		for _, d := range found {
			require.Equal(t, e.Registry.DeviceAddress(d.Device.DeviceKey), d.Address)
			out = append(out, d.Device.DeviceKey)
		}
		return out
	}
	require.ElementsMatch(t, []solana.PublicKey{h100.DeviceKey.PublicKey()}, keys(registry.ModelH100))
	require.ElementsMatch(t, []solana.PublicKey{rtxs[0].DeviceKey.PublicKey(), rtxs[1].DeviceKey.PublicKey()}, keys(registry.ModelRTX4090))
	require.ElementsMatch(t, []solana.PublicKey{h100.DeviceKey.PublicKey(), rtxs[0].DeviceKey.PublicKey(), rtxs[1].DeviceKey.PublicKey()}, keys())
	require.ElementsMatch(t, keys(), keys(registry.ModelH100, registry.ModelRTX4090))
	require.Empty(t, keys(registry.ModelB200))
}
