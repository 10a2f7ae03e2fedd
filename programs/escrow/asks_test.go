package escrow_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/protocol"
)

// accept_job holds a job to the device's ask in the job's mint, as it is when the device
// accepts: in IOSD an ask of 0 takes any price, in IO an ask of 0 refuses the job; a price
// equal to the ask is accepted. A refused acceptance leaves the slot proposed and the device
// Active. protocol.AcceptsPrice predicts every outcome.
func TestAcceptJobHoldsToTheAsk(t *testing.T) {
	e := newEnv(t)
	ask := uint32(price / registry.AskUnit) // the test price, 3.6 IOSD (or 0.036 IO) an hour
	setAsks := func(p chaintest.Provider, iosd, io uint32) {
		require.NoError(t, e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(e.Registry.SetAsks(p.Owner.PublicKey(), p.DeviceKey.PublicKey(), iosd, io))))
	}
	// expect accepts slot 0 of j for its only provider after setting its asks, and checks the
	// outcome against the chain and protocol.AcceptsPrice.
	expect := func(t *testing.T, j job, mint protocol.Mint, iosdAsk, ioAsk uint32, want error) {
		p := j.providers[0]
		setAsks(p, iosdAsk, ioAsk)
		d := e.Device(t, p)
		require.Equal(t, [2]uint32{iosdAsk, ioAsk}, [2]uint32{d.AskIosd, d.AskIo})
		require.Equal(t, want, protocol.AcceptsPrice(d, mint, price))
		_, err := e.accept(j, 0, 0)
		if want != nil {
			require.ErrorIs(t, err, want)
			require.Equal(t, escrow.SlotProposed, e.job(t, j).Slots[0].State)
			require.Equal(t, registry.StatusActive, e.Device(t, p).Status)
			return
		}
		require.NoError(t, err)
		g := e.job(t, j)
		require.Equal(t, escrow.SlotHired, g.Slots[0].State)
		require.Equal(t, escrow.JobRunning, g.State)
		require.Equal(t, registry.StatusHired, e.Device(t, p).Status)
	}

	t.Run("IOSD", func(t *testing.T) {
		j := e.createJob(t, 1, 600)
		e.propose(t, &j, 1)
		expect(t, j, protocol.MintIOSD, ask+1, 0, escrow.ErrPriceBelowAsk)
		expect(t, j, protocol.MintIOSD, ask, 0, nil)
	})
	t.Run("IOSD at an ask of 0", func(t *testing.T) {
		j := e.createJob(t, 1, 600)
		e.propose(t, &j, 1)
		expect(t, j, protocol.MintIOSD, 0, ask+1, nil)
	})
	t.Run("IO", func(t *testing.T) {
		r := e.Funded(t)
		token := e.TokenAccount(t, e.IOMint, r.PublicKey(), price) // an hour of one device
		require.NoError(t, e.Send([]solana.PrivateKey{r}, chaintest.Must(e.prog.CreateJob(r.PublicKey(), token, e.IOMint, terms(1, 1, 3600)))))
		j := job{addr: e.prog.JobAddress(r.PublicKey(), 1), id: 1, renter: renter{key: r, token: token}}
		p := e.ActiveProvider(t, r)
		j.providers, j.payouts = []chaintest.Provider{p}, []solana.PublicKey{p.Token} // its IO account
		require.NoError(t, e.Send([]solana.PrivateKey{r}, chaintest.Must(e.prog.AssignDevices(r.PublicKey(), j.addr, p.Device))))
		expect(t, j, protocol.MintIO, 0, 0, escrow.ErrIoNotAccepted)
		expect(t, j, protocol.MintIO, 1, ask+1, escrow.ErrPriceBelowAsk)
		expect(t, j, protocol.MintIO, ask+1, ask, nil) // the IOSD ask does not apply to IO
	})
}
