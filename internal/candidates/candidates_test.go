package candidates_test

import (
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/programerr"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/candidates"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/scheduler"
	"github.com/gpunet/gpunet/internal/wire"
)

// The chain's candidates: every registered device of the class, active or not, with the
// registry's hireability reasons, and nothing of another class.
func TestChain(t *testing.T) {
	e := chaintest.New(t)
	e.InitRegistry(t, solana.NewWallet().PublicKey())
	active := e.ActiveProvider(t, e.Node.Key("faucet"))
	probation := e.NewProvider(t, chaintest.H100, 0, 0)
	rtx := chaintest.H100
	rtx.HardwareModel, rtx.VramGib = registry.ModelRTX4090, 24
	e.NewProvider(t, rtx, 0, 0)

	src := candidates.Chain{Client: e.Client, Registry: e.Registry}
	got, err := src.Candidates(e.Ctx, registry.ModelH100)
	require.NoError(t, err)
	require.Len(t, got, 2)
	byAddress := map[solana.PublicKey]scheduler.Candidate{}
	for _, c := range got {
		byAddress[c.Address] = c
	}
	a := byAddress[active.Device]
	require.Equal(t, scheduler.Candidate{Address: active.Device, Owner: active.Owner.PublicKey(), Provider: e.Registry.ProviderAddress(active.Owner.PublicKey()),
		Spec: chaintest.H100, Status: registry.StatusActive, Reputation: e.Device(t, active).Reputation}, a)
	p := byAddress[probation.Device]
	require.Equal(t, registry.StatusProbation, p.Status)
	require.Equal(t, []*programerr.Error{registry.ErrDeviceNotHireable, registry.ErrStakeBelowMinimum}, p.NotHireable)

	all, err := src.Candidates(e.Ctx)
	require.NoError(t, err)
	require.Len(t, all, 3)
}

// A device is up while an oracle's credit of its last heartbeat runs, with one interval's room.
func TestLive(t *testing.T) {
	now := time.UnixMilli(1_000_000)
	status := func(creditedUntil int64, late bool) *wire.DeviceStatus {
		return &wire.DeviceStatus{LastHeartbeat: &wire.HeartbeatSeen{CreditedUntil: creditedUntil, Late: late}}
	}
	require.True(t, candidates.Live(status(1_000_500, false), now, time.Second), "credited ahead")
	require.True(t, candidates.Live(status(999_000, false), now, time.Second), "ended one interval ago")
	require.False(t, candidates.Live(status(998_999, false), now, time.Second), "ended longer ago")
	require.False(t, candidates.Live(status(1_000_500, true), now, time.Second), "a late heartbeat credits nothing")
	require.False(t, candidates.Live(&wire.DeviceStatus{}, now, time.Second), "never heard")
}
