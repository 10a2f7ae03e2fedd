package registry_test

import (
	"strings"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
)

func TestRegisterAndStake(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	p := e.newProvider(t, H100, 5_000*IO, 1_000*IO)

	prov, err := e.prog.FetchProvider(e.ctx, e.client, p.owner.PublicKey())
	require.NoError(t, err)
	require.Equal(t, p.owner.PublicKey(), prov.Owner)
	require.Equal(t, uint32(1), prov.DeviceCount)
	require.Equal(t, uint64(1_000*IO), prov.TotalStake)
	uri := "https://provider.example/meta.json"
	require.Equal(t, uint16(len(uri)), prov.UriLen)
	require.Equal(t, uri, string(prov.MetadataUri[:prov.UriLen]))

	d := e.device(t, p)
	require.Equal(t, e.prog.ProviderAddress(p.owner.PublicKey()), d.Provider)
	require.Equal(t, p.owner.PublicKey(), d.Owner)
	require.Equal(t, p.deviceKey.PublicKey(), d.DeviceKey)
	require.Equal(t, H100, d.Spec)
	require.Equal(t, uint64(1_000*IO), d.Stake)
	require.Equal(t, registry.StatusProbation, d.Status)
	require.Equal(t, uint16(1500), d.Reputation) // untested device: 30% x 1/2
	require.Equal(t, uint64(1_000*IO), e.tokenBalance(t, e.prog.VaultAddress(p.device)))
	require.Equal(t, uint64(4_000*IO), e.tokenBalance(t, p.token))

	t.Run("stake adds up", func(t *testing.T) {
		require.NoError(t, e.send([]solana.PrivateKey{p.owner}, must(e.prog.Stake(p.owner.PublicKey(), p.deviceKey.PublicKey(), p.token, 1_500*IO))))
		require.Equal(t, uint64(2_500*IO), e.device(t, p).Stake)
		require.Equal(t, uint64(2_500*IO), e.tokenBalance(t, e.prog.VaultAddress(p.device)))
	})
	t.Run("zero stake", func(t *testing.T) {
		err := e.send([]solana.PrivateKey{p.owner}, must(e.prog.Stake(p.owner.PublicKey(), p.deviceKey.PublicKey(), p.token, 0)))
		require.ErrorIs(t, err, registry.ErrInvalidAmount)
	})
	t.Run("stake into someone else's device", func(t *testing.T) {
		other := e.newProvider(t, H100, 100*IO, 0)
		ix := must(e.prog.Stake(other.owner.PublicKey(), p.deviceKey.PublicKey(), other.token, 10*IO))
		ix.Accounts()[1].PublicKey = e.prog.ProviderAddress(other.owner.PublicKey())
		err := e.send([]solana.PrivateKey{other.owner}, ix)
		require.ErrorIs(t, err, registry.ErrWrongOwner)
	})
	t.Run("stake more than the owner holds", func(t *testing.T) {
		err := e.send([]solana.PrivateKey{p.owner}, must(e.prog.Stake(p.owner.PublicKey(), p.deviceKey.PublicKey(), p.token, 2_500*IO+1)))
		require.ErrorIs(t, err, registry.ErrInsufficientFunds)
	})
	t.Run("stake from a token account of another mint", func(t *testing.T) {
		faucet := e.node.Key("faucet")
		iosd, _, err := solana.FindAssociatedTokenAddress(faucet.PublicKey(), e.iosdMint)
		require.NoError(t, err)
		err = e.send([]solana.PrivateKey{p.owner}, must(e.prog.Stake(p.owner.PublicKey(), p.deviceKey.PublicKey(), iosd, IO)))
		require.ErrorIs(t, err, registry.ErrInvalidMint)
	})
	t.Run("stake into a spoofed vault", func(t *testing.T) {
		ix := must(e.prog.Stake(p.owner.PublicKey(), p.deviceKey.PublicKey(), p.token, IO))
		ix.Accounts()[3].PublicKey = p.token // a real IO account, but not the device's vault PDA
		err := e.send([]solana.PrivateKey{p.owner}, ix)
		require.ErrorIs(t, err, registry.ErrInvalidPda)
	})
}

func TestRegisterNegative(t *testing.T) {
	e := newEnv(t)
	owner := e.funded(t)
	uri := "https://provider.example/meta.json"

	t.Run("before the config exists", func(t *testing.T) {
		err := e.send([]solana.PrivateKey{owner}, must(e.prog.RegisterProvider(owner.PublicKey(), uri)))
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
			err := e.send([]solana.PrivateKey{owner}, must(e.prog.RegisterProvider(owner.PublicKey(), tc.uri)))
			require.ErrorIs(t, err, tc.err)
		})
	}
	t.Run("provider PDA of another wallet", func(t *testing.T) {
		ix := must(e.prog.RegisterProvider(owner.PublicKey(), uri))
		ix.Accounts()[1].PublicKey = e.prog.ProviderAddress(solana.NewWallet().PublicKey())
		require.ErrorIs(t, e.send([]solana.PrivateKey{owner}, ix), registry.ErrInvalidPda)
	})
	require.NoError(t, e.send([]solana.PrivateKey{owner}, must(e.prog.RegisterProvider(owner.PublicKey(), uri))))
	t.Run("twice", func(t *testing.T) {
		err := e.send([]solana.PrivateKey{owner}, must(e.prog.RegisterProvider(owner.PublicKey(), uri+"?again")))
		require.ErrorIs(t, err, registry.ErrAccountAlreadyInitialized)
	})

	deviceKey := solana.NewWallet().PrivateKey
	register := func(spec registry.DeviceSpec, signers ...solana.PrivateKey) error {
		return e.send(signers, must(e.prog.RegisterDevice(owner.PublicKey(), deviceKey.PublicKey(), e.ioMint, spec)))
	}
	t.Run("device key must sign", func(t *testing.T) {
		ix := must(e.prog.RegisterDevice(owner.PublicKey(), deviceKey.PublicKey(), e.ioMint, H100))
		ix.Accounts()[5].IsSigner = false
		require.ErrorIs(t, e.send([]solana.PrivateKey{owner}, ix), registry.ErrMissingSigner)
	})
	t.Run("under someone else's provider", func(t *testing.T) {
		stranger := e.funded(t)
		ix := must(e.prog.RegisterDevice(stranger.PublicKey(), deviceKey.PublicKey(), e.ioMint, H100))
		ix.Accounts()[1].PublicKey = e.prog.ProviderAddress(owner.PublicKey())
		require.ErrorIs(t, e.send([]solana.PrivateKey{stranger, deviceKey}, ix), registry.ErrWrongOwner)
	})
	t.Run("wrong mint", func(t *testing.T) {
		ix := must(e.prog.RegisterDevice(owner.PublicKey(), deviceKey.PublicKey(), e.iosdMint, H100))
		require.ErrorIs(t, e.send([]solana.PrivateKey{owner, deviceKey}, ix), registry.ErrInvalidMint)
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
			spec := H100
			tc.edit(&spec)
			require.ErrorIs(t, register(spec, owner, deviceKey), tc.err)
		})
	}
	require.NoError(t, register(H100, owner, deviceKey))
	t.Run("same device twice", func(t *testing.T) {
		spec := H100
		spec.VramGib = 81 // a different transaction
		require.ErrorIs(t, register(spec, owner, deviceKey), registry.ErrAccountAlreadyInitialized)
	})
}
