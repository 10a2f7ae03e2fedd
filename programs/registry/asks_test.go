package registry_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// set_asks: the owner sets both asks (AsksSet, nothing else in the Device changes) and may set
// them again; nobody else can, and a deregistered device cannot. accept_job's use of the asks
// is tested in programs/escrow.
func TestSetAsks(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO)
	o, k := p.Owner.PublicKey(), p.DeviceKey.PublicKey()
	set := func(iosd, io uint32) solana.Instruction { return chaintest.Must(e.Registry.SetAsks(o, k, iosd, io)) }

	before := e.Device(t, p)
	require.Equal(t, [2]uint32{0, 0}, [2]uint32{before.AskIosd, before.AskIo}, "a new device asks nothing and refuses IO")
	sig, err := e.SendSig([]solana.PrivateKey{e.Funded(t), p.Owner}, set(450, 1_200_000))
	require.NoError(t, err)
	require.Equal(t, []any{&registry.AsksSet{Device: p.Device, AskIosd: 450, AskIo: 1_200_000}}, e.eventsOf(t, sig))
	after := e.Device(t, p)
	want := *before
	want.AskIosd, want.AskIo = 450, 1_200_000
	require.Equal(t, want, *after, "only the asks change")

	t.Run("set again, IO refused", func(t *testing.T) {
		require.NoError(t, e.ownerSend(t, p, set(0, 0)))
		d := e.Device(t, p)
		require.Equal(t, [2]uint32{0, 0}, [2]uint32{d.AskIosd, d.AskIo})
	})

	stranger := e.Funded(t)
	other := e.NewProvider(t, chaintest.H100, 0, 0)
	cases := []struct {
		name    string
		signers []solana.PrivateKey
		ix      solana.Instruction
		err     error
	}{
		{"owner did not sign", []solana.PrivateKey{stranger}, chaintest.Unsigned(set(1, 1), 2), registry.ErrMissingSigner},
		{"signed by someone else", []solana.PrivateKey{stranger}, chaintest.Must(e.Registry.SetAsks(stranger.PublicKey(), k, 1, 1)), registry.ErrWrongOwner},
		{"another provider's owner", []solana.PrivateKey{other.Owner}, chaintest.Must(e.Registry.SetAsks(other.Owner.PublicKey(), k, 1, 1)), registry.ErrWrongOwner},
		{"read-only device", []solana.PrivateKey{p.Owner}, chaintest.ReadOnly(set(1, 1), 1), registry.ErrAccountNotWritable},
		{"not a device (its provider)", []solana.PrivateKey{p.Owner}, chaintest.WithAccount(set(1, 1), 1, e.Registry.ProviderAddress(o)), registry.ErrInvalidAccountData},
		{"another program's account", []solana.PrivateKey{p.Owner}, chaintest.WithAccount(set(1, 1), 1, p.Token), registry.ErrInvalidAccountOwner},
		{"not the config", []solana.PrivateKey{p.Owner}, chaintest.WithAccount(set(1, 1), 0, p.Device), registry.ErrInvalidAccountData},
		{"missing argument", []solana.PrivateKey{p.Owner}, chaintest.WithData(set(1, 1), registry.Instruction_SetAsks[:]), registry.ErrInvalidInstructionData},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, e.Send(tc.signers, tc.ix), tc.err)
		})
	}
	d := e.Device(t, p)
	require.Equal(t, [2]uint32{0, 0}, [2]uint32{d.AskIosd, d.AskIo}, "no refused call changed the asks")

	t.Run("deregistered device", func(t *testing.T) {
		require.NoError(t, e.Send([]solana.PrivateKey{other.Owner}, chaintest.Must(e.Registry.DeregisterDevice(other.Owner.PublicKey(), other.DeviceKey.PublicKey(), other.Token))))
		err := e.Send([]solana.PrivateKey{other.Owner}, chaintest.Must(e.Registry.SetAsks(other.Owner.PublicKey(), other.DeviceKey.PublicKey(), 1, 1)))
		require.ErrorIs(t, err, registry.ErrDeviceDeregistered)
	})
}
