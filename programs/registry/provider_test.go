package registry_test

import (
	"strings"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
)

func TestRegisterAndStake(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 1_000*chaintest.IO)

	prov, err := e.Registry.FetchProvider(e.Ctx, e.Client, p.Owner.PublicKey())
	require.NoError(t, err)
	require.Equal(t, p.Owner.PublicKey(), prov.Owner)
	require.Equal(t, uint32(1), prov.DeviceCount)
	require.Equal(t, uint64(1_000*chaintest.IO), prov.TotalStake)
	uri := "https://provider.example/meta.json"
	require.Equal(t, uint16(len(uri)), prov.UriLen)
	require.Equal(t, uri, string(prov.MetadataUri[:prov.UriLen]))

	d := e.Device(t, p)
	require.Equal(t, e.Registry.ProviderAddress(p.Owner.PublicKey()), d.Provider)
	require.Equal(t, p.Owner.PublicKey(), d.Owner)
	require.Equal(t, p.DeviceKey.PublicKey(), d.DeviceKey)
	require.Equal(t, chaintest.H100, d.Spec)
	require.Equal(t, uint64(1_000*chaintest.IO), d.Stake)
	require.Equal(t, registry.StatusProbation, d.Status)
	require.Equal(t, uint16(1500), d.Reputation) // untested device: 30% x 1/2
	require.Equal(t, uint64(1_000*chaintest.IO), e.TokenBalance(t, e.Registry.VaultAddress(p.Device)))
	require.Equal(t, uint64(4_000*chaintest.IO), e.TokenBalance(t, p.Token))

	t.Run("stake adds up", func(t *testing.T) {
		require.NoError(t, e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(e.Registry.Stake(p.Owner.PublicKey(), p.DeviceKey.PublicKey(), p.Token, 1_500*chaintest.IO))))
		require.Equal(t, uint64(2_500*chaintest.IO), e.Device(t, p).Stake)
		require.Equal(t, uint64(2_500*chaintest.IO), e.TokenBalance(t, e.Registry.VaultAddress(p.Device)))
	})
	t.Run("zero stake", func(t *testing.T) {
		err := e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(e.Registry.Stake(p.Owner.PublicKey(), p.DeviceKey.PublicKey(), p.Token, 0)))
		require.ErrorIs(t, err, registry.ErrInvalidAmount)
	})
	t.Run("stake into someone else's device", func(t *testing.T) {
		other := e.NewProvider(t, chaintest.H100, 100*chaintest.IO, 0)
		ix := chaintest.Must(e.Registry.Stake(other.Owner.PublicKey(), p.DeviceKey.PublicKey(), other.Token, 10*chaintest.IO))
		ix.Accounts()[1].PublicKey = e.Registry.ProviderAddress(other.Owner.PublicKey())
		err := e.Send([]solana.PrivateKey{other.Owner}, ix)
		require.ErrorIs(t, err, registry.ErrWrongOwner)
	})
	t.Run("stake more than the owner holds", func(t *testing.T) {
		err := e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(e.Registry.Stake(p.Owner.PublicKey(), p.DeviceKey.PublicKey(), p.Token, 2_500*chaintest.IO+1)))
		require.ErrorIs(t, err, registry.ErrInsufficientFunds)
	})
	t.Run("stake from a token account of another mint", func(t *testing.T) {
		faucet := e.Node.Key("faucet")
		iosd, _, err := solana.FindAssociatedTokenAddress(faucet.PublicKey(), e.IOSDMint)
		require.NoError(t, err)
		err = e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(e.Registry.Stake(p.Owner.PublicKey(), p.DeviceKey.PublicKey(), iosd, chaintest.IO)))
		require.ErrorIs(t, err, registry.ErrInvalidMint)
	})
	t.Run("stake into a spoofed vault", func(t *testing.T) {
		ix := chaintest.Must(e.Registry.Stake(p.Owner.PublicKey(), p.DeviceKey.PublicKey(), p.Token, chaintest.IO))
		ix.Accounts()[3].PublicKey = p.Token // a real IO account, but not the device's vault PDA
		err := e.Send([]solana.PrivateKey{p.Owner}, ix)
		require.ErrorIs(t, err, registry.ErrInvalidPda)
	})
}

func TestRegisterNegative(t *testing.T) {
	e := newEnv(t)
	owner := e.Funded(t)
	uri := "https://provider.example/meta.json"

	t.Run("before the config exists", func(t *testing.T) {
		err := e.Send([]solana.PrivateKey{owner}, chaintest.Must(e.Registry.RegisterProvider(owner.PublicKey(), uri)))
		require.ErrorIs(t, err, registry.ErrInvalidAccountOwner)
	})
	e.initialize(t)

	cases := []struct {
		name string
		uri  string
		err  error
	}{
		{"empty uri", "", registry.ErrInvalidMetadataUri},
		{"uri too long", strings.Repeat("a", 129), registry.ErrInvalidMetadataUri},
		{"unprintable uri", "https://x\n", registry.ErrInvalidMetadataUri},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := e.Send([]solana.PrivateKey{owner}, chaintest.Must(e.Registry.RegisterProvider(owner.PublicKey(), tc.uri)))
			require.ErrorIs(t, err, tc.err)
		})
	}
	t.Run("provider PDA of another wallet", func(t *testing.T) {
		ix := chaintest.Must(e.Registry.RegisterProvider(owner.PublicKey(), uri))
		ix.Accounts()[1].PublicKey = e.Registry.ProviderAddress(solana.NewWallet().PublicKey())
		require.ErrorIs(t, e.Send([]solana.PrivateKey{owner}, ix), registry.ErrInvalidPda)
	})
	require.NoError(t, e.Send([]solana.PrivateKey{owner}, chaintest.Must(e.Registry.RegisterProvider(owner.PublicKey(), uri))))
	t.Run("twice", func(t *testing.T) {
		err := e.Send([]solana.PrivateKey{owner}, chaintest.Must(e.Registry.RegisterProvider(owner.PublicKey(), uri+"?again")))
		require.ErrorIs(t, err, registry.ErrAccountAlreadyInitialized)
	})

	deviceKey := solana.NewWallet().PrivateKey
	register := func(spec registry.DeviceSpec, signers ...solana.PrivateKey) error {
		return e.Send(signers, chaintest.Must(e.Registry.RegisterDevice(owner.PublicKey(), deviceKey.PublicKey(), e.IOMint, spec)))
	}
	t.Run("device key must sign", func(t *testing.T) {
		ix := chaintest.Must(e.Registry.RegisterDevice(owner.PublicKey(), deviceKey.PublicKey(), e.IOMint, chaintest.H100))
		ix.Accounts()[5].IsSigner = false
		require.ErrorIs(t, e.Send([]solana.PrivateKey{owner}, ix), registry.ErrMissingSigner)
	})
	t.Run("under someone else's provider", func(t *testing.T) {
		stranger := e.Funded(t)
		ix := chaintest.Must(e.Registry.RegisterDevice(stranger.PublicKey(), deviceKey.PublicKey(), e.IOMint, chaintest.H100))
		ix.Accounts()[1].PublicKey = e.Registry.ProviderAddress(owner.PublicKey())
		require.ErrorIs(t, e.Send([]solana.PrivateKey{stranger, deviceKey}, ix), registry.ErrWrongOwner)
	})
	t.Run("wrong mint", func(t *testing.T) {
		ix := chaintest.Must(e.Registry.RegisterDevice(owner.PublicKey(), deviceKey.PublicKey(), e.IOSDMint, chaintest.H100))
		require.ErrorIs(t, e.Send([]solana.PrivateKey{owner, deviceKey}, ix), registry.ErrInvalidMint)
	})
	specs := []struct {
		name string
		edit func(*registry.DeviceSpec)
		err  error
	}{
		{"unknown model", func(s *registry.DeviceSpec) { s.HardwareModel = 99 }, registry.ErrUnknownHardwareClass},
		{"no gpus", func(s *registry.DeviceSpec) { s.GpuCount = 0 }, registry.ErrInvalidDeviceSpec},
		{"no vram", func(s *registry.DeviceSpec) { s.VramGib = 0 }, registry.ErrInvalidDeviceSpec},
		{"bandwidth tier", func(s *registry.DeviceSpec) { s.BandwidthTier = 4 }, registry.ErrInvalidDeviceSpec},
		{"cpu with gpus", func(s *registry.DeviceSpec) { s.HardwareModel = registry.ModelCPU }, registry.ErrInvalidDeviceSpec},
	}
	for _, tc := range specs {
		t.Run(tc.name, func(t *testing.T) {
			spec := chaintest.H100
			tc.edit(&spec)
			require.ErrorIs(t, register(spec, owner, deviceKey), tc.err)
		})
	}
	require.NoError(t, register(chaintest.H100, owner, deviceKey))
	t.Run("same device twice", func(t *testing.T) {
		spec := chaintest.H100
		spec.VramGib = 81 // a different transaction
		require.ErrorIs(t, register(spec, owner, deviceKey), registry.ErrAccountAlreadyInitialized)
	})
}
