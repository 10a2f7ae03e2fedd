package oracle_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/wire"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
)

// health is o's signed JobHealth of job, its signature checked.
func health(t *testing.T, o *running, job solana.PublicKey) wire.JobHealth {
	resp, err := http.Get(o.url + wire.JobsPath + job.String() + wire.JobHealthPath)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	signer, err := wire.VerifyAnswer(resp.Header, body, []solana.PublicKey{o.key.PublicKey()})
	require.NoError(t, err)
	require.Equal(t, o.key.PublicKey(), signer)
	var h wire.JobHealth
	require.NoError(t, json.Unmarshal(body, &h))
	require.Equal(t, job, h.Job)
	return h
}

// An oracle judges a running job's hired devices from their heartbeats: all up while they beat
// and the head lists the members; a member whose heartbeats stop is down for no_heartbeat, one
// the head stops listing for node_left, each since the end of its last credit; with the head
// down, a beating member is up (no_head).
func TestJobHealth(t *testing.T) {
	e := chaintest.New(t)
	e.InitEscrow(t, func(p *registry.ConfigParams) { p.HeartbeatIntervalSecs = 1 })
	renter := e.Funded(t)
	renterToken := e.TokenAccount(t, e.IOSDMint, renter.PublicKey(), 3*3_600_000)
	job := e.Network.Escrow.JobAddress(renter.PublicKey(), 1)
	require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(e.Network.Escrow.CreateJob(renter.PublicKey(), renterToken, e.IOSDMint,
		onescrow.Terms{JobID: 1, PricePerHour: 3_600_000, DurationSecs: 3600, DeviceCount: 3}))))
	providers := make([]chaintest.Provider, 3)
	for i := range providers {
		providers[i] = e.ActiveProvider(t, renter)
	}
	require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(e.Network.Escrow.AssignDevices(renter.PublicKey(), job,
		providers[0].Device, providers[1].Device, providers[2].Device))))
	o := start(t, e, e.Oracles[0], database(t))
	require.Empty(t, health(t, o, job).Slots, "a job that does not run has nothing to judge")

	ctx, stop := context.WithCancel(e.Ctx)
	quiet, stopQuiet := context.WithCancel(ctx)
	headCtx, stopHead := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(3)
	defer func() { stop(); wg.Wait() }()
	dropped, leaving := providers[1].DeviceKey.PublicKey(), providers[2].DeviceKey.PublicKey()
	var members atomic.Pointer[[]solana.PublicKey]
	members.Store(&[]solana.PublicKey{dropped, leaving})
	go rayNode(headCtx, &wg, providers[0].DeviceKey, []*running{o}, func() wire.JobNode { return wire.JobNode{Job: job, Alive: true, Members: *members.Load()} })
	go rayNode(quiet, &wg, providers[1].DeviceKey, []*running{o}, always(wire.JobNode{Job: job, Alive: true}))
	var leftAlive atomic.Bool
	leftAlive.Store(true)
	go rayNode(ctx, &wg, providers[2].DeviceKey, []*running{o}, func() wire.JobNode { return wire.JobNode{Job: job, Alive: leftAlive.Load()} })
	for i, p := range providers {
		require.NoError(t, e.Send([]solana.PrivateKey{renter, p.DeviceKey}, chaintest.Must(e.Network.Escrow.AcceptJob(job, p.DeviceKey.PublicKey(),
			e.TokenAccount(t, e.IOSDMint, p.Owner.PublicKey(), 0), uint8(i)))))
	}
	up := func(slot int) wire.SlotHealth {
		return wire.SlotHealth{Slot: uint8(slot), Device: providers[slot].Device, Up: true}
	}
	require.Eventually(t, func() bool {
		h := health(t, o, job)
		return len(h.Slots) == 3 && h.Slots[0] == up(0) && h.Slots[1] == up(1) && h.Slots[2] == up(2)
	}, 20*time.Second, 200*time.Millisecond, "every hired device up")

	stopQuiet()
	members.Store(&[]solana.PublicKey{dropped})
	var h wire.JobHealth
	require.Eventually(t, func() bool {
		h = health(t, o, job)
		return !h.Slots[1].Up && !h.Slots[2].Up
	}, 20*time.Second, 200*time.Millisecond)
	require.Equal(t, up(0), h.Slots[0], "the head")
	require.Equal(t, wire.ReasonNoHeartbeat, h.Slots[1].Reason)
	require.Equal(t, wire.ReasonNodeLeft, h.Slots[2].Reason, "beating, but no longer in the head's cluster")
	for _, s := range h.Slots[1:] {
		require.Less(t, s.Since, h.At-1000, "slot %d: down since more than a heartbeat interval before the report", s.Slot)
		require.Greater(t, s.Since, h.At-10_000, "slot %d: since its last credit, seconds ago", s.Slot)
	}

	// The head goes: it is down, and a beating member whose node stopped with it is not blamed.
	stopHead()
	leftAlive.Store(false)
	require.Eventually(t, func() bool { h = health(t, o, job); return !h.Slots[0].Up && h.Slots[2].Reason == wire.ReasonNoHead }, 20*time.Second, 200*time.Millisecond)
	require.Equal(t, wire.ReasonNoHeartbeat, h.Slots[0].Reason)
	require.Equal(t, wire.SlotHealth{Slot: 2, Device: providers[2].Device, Up: true, Reason: wire.ReasonNoHead}, h.Slots[2])
	require.False(t, h.Slots[1].Up, "a member whose own heartbeats stopped is down whatever its head")
}
