package registry_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// The escrow authority hires an Active device and releases it: Active -> Hired -> Active,
// nothing else about the device changes, and every other transition is refused.
func TestSetDeviceJob(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	payer := e.Funded(t)
	p := e.ActiveProvider(t, payer)
	before := e.Device(t, p)
	job := solana.NewWallet().PublicKey()
	send := func(ix solana.Instruction, signers ...chain.Signer) (solana.Signature, error) {
		return e.Client.Send(e.Ctx, []solana.Instruction{ix}, signers[0], signers[1:]...)
	}
	hire := func(job solana.PublicKey, signers ...chain.Signer) (solana.Signature, error) {
		return send(chaintest.Must(e.Registry.HireDevice(e.escrow.PublicKey(), p.DeviceKey.PublicKey(), job)), signers...)
	}
	release := func(job solana.PublicKey, signers ...chain.Signer) (solana.Signature, error) {
		return send(chaintest.Must(e.Registry.ReleaseDevice(e.escrow.PublicKey(), p.DeviceKey.PublicKey(), job)), signers...)
	}

	t.Run("hire", func(t *testing.T) {
		sig, err := hire(job, e.escrow)
		require.NoError(t, err)
		require.Equal(t, []any{
			&registry.DeviceStatusChanged{Device: p.Device, From: registry.StatusActive, To: registry.StatusHired},
			&registry.DeviceJobSet{Device: p.Device, Job: job},
		}, e.eventsOf(t, sig))
		want := *before
		want.CurrentJob = job
		want.HiredBy = e.escrow.PublicKey()
		want.Status = registry.StatusHired
		require.Equal(t, &want, e.Device(t, p))
	})
	t.Run("hire a hired device", func(t *testing.T) {
		_, err := hire(solana.NewWallet().PublicKey(), e.escrow)
		require.ErrorIs(t, err, registry.ErrDeviceNotHireable)
		_, err = hire(job, payer, e.escrow) // the same job again, in a different transaction
		require.ErrorIs(t, err, registry.ErrDeviceNotHireable)
		require.Equal(t, job, e.Device(t, p).CurrentJob)
	})
	t.Run("release from another job", func(t *testing.T) {
		_, err := release(solana.NewWallet().PublicKey(), e.escrow)
		require.ErrorIs(t, err, registry.ErrNotDeviceJob)
		require.Equal(t, job, e.Device(t, p).CurrentJob)
	})
	t.Run("release", func(t *testing.T) {
		sig, err := release(job, e.escrow)
		require.NoError(t, err)
		require.Equal(t, []any{
			&registry.DeviceStatusChanged{Device: p.Device, From: registry.StatusHired, To: registry.StatusActive},
			&registry.DeviceJobSet{Device: p.Device},
		}, e.eventsOf(t, sig))
		require.Equal(t, before, e.Device(t, p))
	})
	t.Run("release twice", func(t *testing.T) {
		_, err := release(job, payer, e.escrow) // another payer: not a duplicate transaction
		require.ErrorIs(t, err, registry.ErrNotDeviceJob)
		require.Equal(t, before, e.Device(t, p))
	})
	t.Run("hire again after the release", func(t *testing.T) {
		_, err := hire(job, payer, e.escrow)
		require.NoError(t, err)
		require.Equal(t, registry.StatusHired, e.Device(t, p).Status)
		_, err = release(job, payer, e.escrow)
		require.NoError(t, err)
		require.Equal(t, before, e.Device(t, p))
	})
}

func TestSetDeviceJobNegative(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	payer := e.Funded(t)
	p := e.ActiveProvider(t, payer)
	probation := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO) // staked, no proven uptime
	before := e.Device(t, p)
	job := solana.NewWallet().PublicKey()
	edit := func(deviceKey solana.PublicKey, mutate func(accounts []*solana.AccountMeta)) solana.Instruction {
		ix := chaintest.Must(e.Registry.HireDevice(e.escrow.PublicKey(), deviceKey, job))
		mutate(ix.Accounts())
		return ix
	}
	none := func([]*solana.AccountMeta) {}

	t.Run("hire a device in probation", func(t *testing.T) {
		err := e.Send([]solana.PrivateKey{e.escrow}, edit(probation.DeviceKey.PublicKey(), none))
		require.ErrorIs(t, err, registry.ErrDeviceNotHireable)
		require.Equal(t, registry.StatusProbation, e.Device(t, probation).Status)
	})
	t.Run("release a device that has no job", func(t *testing.T) {
		ix := chaintest.Must(e.Registry.ReleaseDevice(e.escrow.PublicKey(), p.DeviceKey.PublicKey(), job))
		require.ErrorIs(t, e.Send([]solana.PrivateKey{e.escrow}, ix), registry.ErrNotDeviceJob)
	})
	t.Run("the zero job or a hire flag other than 0 or 1", func(t *testing.T) {
		zero := chaintest.Must(e.Registry.HireDevice(e.escrow.PublicKey(), p.DeviceKey.PublicKey(), solana.PublicKey{}))
		require.ErrorIs(t, e.Send([]solana.PrivateKey{e.escrow}, zero), registry.ErrInvalidInstructionData)
		two := chaintest.Must(e.Registry.HireDevice(e.escrow.PublicKey(), p.DeviceKey.PublicKey(), job))
		data, err := two.Data()
		require.NoError(t, err)
		data[len(data)-1] = 2
		ix := solana.NewInstruction(two.ProgramID(), two.Accounts(), data)
		require.ErrorIs(t, e.Send([]solana.PrivateKey{e.escrow}, ix), registry.ErrInvalidInstructionData)
		require.Equal(t, before, e.Device(t, p))
	})
	t.Run("signed by someone else", func(t *testing.T) {
		stranger := e.Funded(t)
		ix := chaintest.Must(e.Registry.HireDevice(stranger.PublicKey(), p.DeviceKey.PublicKey(), job))
		require.ErrorIs(t, e.Send([]solana.PrivateKey{stranger}, ix), registry.ErrUnauthorized)
	})
	t.Run("signed by the device's owner", func(t *testing.T) {
		ix := chaintest.Must(e.Registry.HireDevice(p.Owner.PublicKey(), p.DeviceKey.PublicKey(), job))
		require.ErrorIs(t, e.Send([]solana.PrivateKey{p.Owner}, ix), registry.ErrUnauthorized)
	})
	t.Run("the escrow authority must sign", func(t *testing.T) {
		ix := edit(p.DeviceKey.PublicKey(), func(a []*solana.AccountMeta) { a[2].IsSigner = false })
		require.ErrorIs(t, e.Send([]solana.PrivateKey{payer}, ix), registry.ErrMissingSigner)
	})
	t.Run("a Provider passed as the device", func(t *testing.T) {
		ix := edit(p.DeviceKey.PublicKey(), func(a []*solana.AccountMeta) { a[1].PublicKey = e.Registry.ProviderAddress(p.Owner.PublicKey()) })
		require.ErrorIs(t, e.Send([]solana.PrivateKey{e.escrow}, ix), registry.ErrInvalidAccountData)
	})
	t.Run("a device account the registry does not own", func(t *testing.T) {
		ix := edit(p.DeviceKey.PublicKey(), func(a []*solana.AccountMeta) { a[1].PublicKey = p.Token })
		require.ErrorIs(t, e.Send([]solana.PrivateKey{e.escrow}, ix), registry.ErrInvalidAccountOwner)
	})
	t.Run("a spoofed config", func(t *testing.T) {
		ix := edit(p.DeviceKey.PublicKey(), func(a []*solana.AccountMeta) { a[0].PublicKey = p.Device })
		require.ErrorIs(t, e.Send([]solana.PrivateKey{e.escrow}, ix), registry.ErrInvalidAccountData)
	})
	t.Run("the device must be writable", func(t *testing.T) {
		ix := edit(p.DeviceKey.PublicKey(), func(a []*solana.AccountMeta) { a[1].IsWritable = false })
		require.ErrorIs(t, e.Send([]solana.PrivateKey{e.escrow}, ix), registry.ErrAccountNotWritable)
	})
	require.Equal(t, before, e.Device(t, p))
}
