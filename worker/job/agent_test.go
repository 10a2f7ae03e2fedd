package job_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/chaintest"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
	"github.com/gpunet/gpunet/worker/job"
)

// A device asking 0.50 IOSD an hour declines a job at 0.40 (no transaction: it stays
// proposed) and accepts one at 0.50: hired, paid to its owner's associated account, created
// by the device key.
func TestAgentAcceptsOnlyAtItsAsk(t *testing.T) {
	e := chaintest.New(t)
	e.InitEscrow(t)
	p := e.ActiveProvider(t, e.Funded(t))
	require.NoError(t, e.Node.Airdrop(e.Ctx, p.DeviceKey.PublicKey(), solana.LAMPORTS_PER_SOL))
	require.NoError(t, e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(e.Registry.SetAsks(p.Owner.PublicKey(), p.DeviceKey.PublicKey(), 500, 0))))
	renter := e.Funded(t)
	from := e.TokenAccount(t, e.IOSDMint, renter.PublicKey(), 10_000_000)
	propose := func(id uint64, price uint64) solana.PublicKey {
		job := e.Network.Escrow.JobAddress(renter.PublicKey(), id)
		require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(e.Network.Escrow.CreateJob(renter.PublicKey(), from, e.IOSDMint,
			onescrow.Terms{JobID: id, PricePerHour: price, DurationSecs: 3600, DeviceCount: 1}))))
		require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(e.Network.Escrow.AssignDevices(renter.PublicKey(), job, p.Device))))
		return job
	}
	slot := func(job solana.PublicKey) escrow.Slot {
		j, err := e.Network.Escrow.FetchJob(e.Ctx, e.Client, job)
		require.NoError(t, err)
		return j.Slots[0]
	}
	agent := job.New(job.Config{Address: "127.0.0.2", PortBase: 20_000, CPUs: 1}, e.Network, p.DeviceKey, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	balance := func() uint64 {
		b, err := e.Client.Balance(context.Background(), p.DeviceKey.PublicKey())
		require.NoError(t, err)
		return b
	}

	cheap := propose(1, 400_000)
	before := balance()
	require.NoError(t, agent.Proposals(e.Ctx))
	require.Equal(t, escrow.SlotProposed, slot(cheap).State, "below its ask: declined")
	require.Equal(t, before, balance(), "declining sends nothing")

	fair := propose(2, 500_000)
	require.NoError(t, agent.Proposals(e.Ctx))
	payout, _, err := solana.FindAssociatedTokenAddress(p.Owner.PublicKey(), e.IOSDMint)
	require.NoError(t, err)
	require.Equal(t, escrow.Slot{Device: p.Device, Payout: payout, JoinedAt: slot(fair).JoinedAt, State: escrow.SlotHired}, slot(fair))
	require.NotZero(t, slot(fair).JoinedAt)
	require.Equal(t, escrow.SlotProposed, slot(cheap).State, "the cheap job is still declined")
	require.Zero(t, e.TokenBalance(t, payout), "the payout account exists, empty")
	require.Nil(t, agent.Node(), "no node before the job runs on a relay")
}

// A worker running when the proposal comes accepts it from its subscription.
func TestAgentAcceptsWhatItIsProposedWhileRunning(t *testing.T) {
	e := chaintest.New(t)
	e.InitEscrow(t)
	p := e.ActiveProvider(t, e.Funded(t))
	require.NoError(t, e.Node.Airdrop(e.Ctx, p.DeviceKey.PublicKey(), solana.LAMPORTS_PER_SOL))
	agent := job.New(job.Config{Address: "127.0.0.2", PortBase: 20_000, CPUs: 1, Every: time.Hour}, e.Network, p.DeviceKey, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(e.Ctx)
	done := make(chan error, 1)
	go func() { done <- agent.Run(ctx) }()
	time.Sleep(time.Second) // subscribed

	renter := e.Funded(t)
	from := e.TokenAccount(t, e.IOSDMint, renter.PublicKey(), 10_000_000)
	addr := e.Network.Escrow.JobAddress(renter.PublicKey(), 1)
	require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(e.Network.Escrow.CreateJob(renter.PublicKey(), from, e.IOSDMint,
		onescrow.Terms{JobID: 1, PricePerHour: 500_000, DurationSecs: 3600, DeviceCount: 1}))))
	require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(e.Network.Escrow.AssignDevices(renter.PublicKey(), addr, p.Device))))
	require.Eventually(t, func() bool {
		j, err := e.Network.Escrow.FetchJob(e.Ctx, e.Client, addr)
		return err == nil && j.Slots[0].State == escrow.SlotHired
	}, 30*time.Second, 200*time.Millisecond)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}
