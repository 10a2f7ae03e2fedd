package registry_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
)

// activeProvider registers a device with the H100 minimum stake and proves 4 s of uptime
// (the test probation) over two past windows, so it is Active.
func (e *env) activeProvider(t testing.TB, payer solana.PrivateKey) provider {
	p := e.newProvider(t, H100, 5_000*IO, 2_000*IO)
	e.proveUptime(t, payer, p, pastWindow(3), 2)
	e.proveUptime(t, payer, p, pastWindow(2), 2)
	require.Equal(t, registry.StatusActive, e.device(t, p).Status)
	return p
}

// The escrow authority hires an Active device and releases it: Active -> Hired -> Active,
// nothing else about the device changes, and every other transition is refused.
func TestSetDeviceJob(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	payer := e.funded(t)
	p := e.activeProvider(t, payer)
	before := e.device(t, p)
	job := solana.NewWallet().PublicKey()
	setJob := func(job solana.PublicKey, signers ...solana.PrivateKey) (solana.Signature, error) {
		ix := must(e.prog.SetDeviceJob(e.escrow.PublicKey(), p.deviceKey.PublicKey(), job))
		return e.client.Send(e.ctx, []solana.Instruction{ix}, signers[0], signers[1:]...)
	}

	t.Run("hire", func(t *testing.T) {
		sig, err := setJob(job, e.escrow)
		require.NoError(t, err)
		require.Equal(t, []any{
			&registry.DeviceStatusChanged{Device: p.device, From: registry.StatusActive, To: registry.StatusHired},
			&registry.DeviceJobSet{Device: p.device, Job: job},
		}, e.eventsOf(t, sig))
		want := *before
		want.CurrentJob = job
		want.Status = registry.StatusHired
		require.Equal(t, &want, e.device(t, p))
	})
	t.Run("hire a hired device", func(t *testing.T) {
		_, err := setJob(solana.NewWallet().PublicKey(), e.escrow)
		require.ErrorIs(t, err, registry.ErrDeviceNotHireable)
		_, err = setJob(job, payer, e.escrow) // the same job again, in a different transaction
		require.ErrorIs(t, err, registry.ErrDeviceNotHireable)
		require.Equal(t, job, e.device(t, p).CurrentJob)
	})
	t.Run("release", func(t *testing.T) {
		sig, err := setJob(solana.PublicKey{}, e.escrow)
		require.NoError(t, err)
		require.Equal(t, []any{
			&registry.DeviceStatusChanged{Device: p.device, From: registry.StatusHired, To: registry.StatusActive},
			&registry.DeviceJobSet{Device: p.device},
		}, e.eventsOf(t, sig))
		require.Equal(t, before, e.device(t, p))
	})
	t.Run("release twice", func(t *testing.T) {
		_, err := setJob(solana.PublicKey{}, payer, e.escrow) // another payer: not a duplicate transaction
		require.ErrorIs(t, err, registry.ErrDeviceNotHireable)
		require.Equal(t, before, e.device(t, p))
	})
	t.Run("hire again after the release", func(t *testing.T) {
		_, err := setJob(job, payer, e.escrow)
		require.NoError(t, err)
		require.Equal(t, registry.StatusHired, e.device(t, p).Status)
		_, err = setJob(solana.PublicKey{}, payer, e.escrow)
		require.NoError(t, err)
		require.Equal(t, before, e.device(t, p))
	})
}

func TestSetDeviceJobNegative(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	payer := e.funded(t)
	p := e.activeProvider(t, payer)
	probation := e.newProvider(t, H100, 5_000*IO, 2_000*IO) // staked, no proven uptime
	before := e.device(t, p)
	job := solana.NewWallet().PublicKey()
	edit := func(deviceKey solana.PublicKey, mutate func(accounts []*solana.AccountMeta)) solana.Instruction {
		ix := must(e.prog.SetDeviceJob(e.escrow.PublicKey(), deviceKey, job))
		mutate(ix.Accounts())
		return ix
	}
	none := func([]*solana.AccountMeta) {}

	t.Run("hire a device in probation", func(t *testing.T) {
		err := e.send([]solana.PrivateKey{e.escrow}, edit(probation.deviceKey.PublicKey(), none))
		require.ErrorIs(t, err, registry.ErrDeviceNotHireable)
		require.Equal(t, registry.StatusProbation, e.device(t, probation).Status)
	})
	t.Run("release a device that has no job", func(t *testing.T) {
		ix := must(e.prog.SetDeviceJob(e.escrow.PublicKey(), p.deviceKey.PublicKey(), solana.PublicKey{}))
		require.ErrorIs(t, e.send([]solana.PrivateKey{e.escrow}, ix), registry.ErrDeviceNotHireable)
	})
	t.Run("signed by someone else", func(t *testing.T) {
		stranger := e.funded(t)
		ix := must(e.prog.SetDeviceJob(stranger.PublicKey(), p.deviceKey.PublicKey(), job))
		require.ErrorIs(t, e.send([]solana.PrivateKey{stranger}, ix), registry.ErrUnauthorized)
	})
	t.Run("signed by the device's owner", func(t *testing.T) {
		ix := must(e.prog.SetDeviceJob(p.owner.PublicKey(), p.deviceKey.PublicKey(), job))
		require.ErrorIs(t, e.send([]solana.PrivateKey{p.owner}, ix), registry.ErrUnauthorized)
	})
	t.Run("the escrow authority must sign", func(t *testing.T) {
		ix := edit(p.deviceKey.PublicKey(), func(a []*solana.AccountMeta) { a[2].IsSigner = false })
		require.ErrorIs(t, e.send([]solana.PrivateKey{payer}, ix), registry.ErrMissingSigner)
	})
	t.Run("a Provider passed as the device", func(t *testing.T) {
		ix := edit(p.deviceKey.PublicKey(), func(a []*solana.AccountMeta) { a[1].PublicKey = e.prog.ProviderAddress(p.owner.PublicKey()) })
		require.ErrorIs(t, e.send([]solana.PrivateKey{e.escrow}, ix), registry.ErrInvalidAccountData)
	})
	t.Run("a device account the registry does not own", func(t *testing.T) {
		ix := edit(p.deviceKey.PublicKey(), func(a []*solana.AccountMeta) { a[1].PublicKey = p.token })
		require.ErrorIs(t, e.send([]solana.PrivateKey{e.escrow}, ix), registry.ErrInvalidAccountOwner)
	})
	t.Run("a spoofed config", func(t *testing.T) {
		ix := edit(p.deviceKey.PublicKey(), func(a []*solana.AccountMeta) { a[0].PublicKey = p.device })
		require.ErrorIs(t, e.send([]solana.PrivateKey{e.escrow}, ix), registry.ErrInvalidAccountData)
	})
	t.Run("the device must be writable", func(t *testing.T) {
		ix := edit(p.deviceKey.PublicKey(), func(a []*solana.AccountMeta) { a[1].IsWritable = false })
		require.ErrorIs(t, e.send([]solana.PrivateKey{e.escrow}, ix), registry.ErrAccountNotWritable)
	})
	require.Equal(t, before, e.device(t, p))
}
