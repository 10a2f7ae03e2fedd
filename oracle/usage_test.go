package oracle_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/wire"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
)

// rayNode heartbeats device key to every oracle twice a second, saying its Ray node on job is
// alive, and as the head, which members it sees alive (node's answer at each beat).
func rayNode(ctx context.Context, wg *sync.WaitGroup, key solana.PrivateKey, oracles []*running, node func() wire.JobNode) {
	seq := uint64(0)
	defer wg.Done()
	for {
		seq++
		for _, o := range oracles {
			body, _ := json.Marshal(wire.Heartbeat{Device: key.PublicKey(), Oracle: o.key.PublicKey(), Sequence: seq, Timestamp: time.Now().UnixMilli(),
				Telemetry: wire.Telemetry{Version: 1, Job: ptr(node())}})
			sig, _ := wire.Sign(key, wire.DomainRequest, body)
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, o.url+wire.HeartbeatPath, bytes.NewReader(body))
			req.Header.Set(wire.KeyHeader, key.PublicKey().String())
			req.Header.Set(wire.SignatureHeader, sig.String())
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func always(n wire.JobNode) func() wire.JobNode { return func() wire.JobNode { return n } }

func ptr[T any](v T) *T { return &v }

// Three oracles attest a 3-device job's usage from its Ray nodes' heartbeats: the head and the
// member it lists are verified for every second they were on the job, the member the head
// does not list for none, and settling pays exactly the verified seconds.
func TestUsageIsTheRayTimeTheHeadConfirms(t *testing.T) {
	e := chaintest.New(t)
	fixture := e.InitEscrow(t, func(p *registry.ConfigParams) { p.HeartbeatIntervalSecs = 1 })
	const price, duration = 3_600_000, 12 // 1,000 base units a second
	renter := e.Funded(t)
	renterToken := e.TokenAccount(t, e.IOSDMint, renter.PublicKey(), 3*duration*1_000)
	job := e.Network.Escrow.JobAddress(renter.PublicKey(), 1)
	require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(e.Network.Escrow.CreateJob(renter.PublicKey(), renterToken, e.IOSDMint,
		onescrow.Terms{JobID: 1, PricePerHour: price, DurationSecs: duration, DeviceCount: 3}))))
	providers := make([]chaintest.Provider, 3)
	payouts := make([]solana.PublicKey, 3)
	for i := range providers {
		providers[i] = e.ActiveProvider(t, renter)
		payouts[i] = e.TokenAccount(t, e.IOSDMint, providers[i].Owner.PublicKey(), 0)
	}
	require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(e.Network.Escrow.AssignDevices(renter.PublicKey(), job,
		providers[0].Device, providers[1].Device, providers[2].Device))))
	// the oracles start once the devices are Active: the test's own proofs made them so, and a
	// running oracle's crank would count or close those windows under it
	oracles := make([]*running, 3)
	for i := range oracles {
		oracles[i] = start(t, e, e.Oracles[i], database(t))
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, o := range oracles {
				t.Logf("oracle %s:\n%s", o.key.PublicKey(), o.logs)
			}
		}
	})

	ctx, stop := context.WithCancel(e.Ctx)
	var wg sync.WaitGroup
	wg.Add(3)
	head, confirmed, unlisted := providers[0].DeviceKey, providers[1].DeviceKey, providers[2].DeviceKey
	go rayNode(ctx, &wg, head, oracles, always(wire.JobNode{Job: job, Alive: true, Members: []solana.PublicKey{confirmed.PublicKey()}}))
	go rayNode(ctx, &wg, confirmed, oracles, always(wire.JobNode{Job: job, Alive: true}))
	go rayNode(ctx, &wg, unlisted, oracles, always(wire.JobNode{Job: job, Alive: true}))
	defer func() { stop(); wg.Wait() }()
	time.Sleep(time.Second) // the nodes are up before they join: every second on the job is served
	for i, p := range providers {
		require.NoError(t, e.Send([]solana.PrivateKey{renter, p.DeviceKey}, chaintest.Must(e.Network.Escrow.AcceptJob(job, p.DeviceKey.PublicKey(), payouts[i], uint8(i)))))
	}
	j, err := e.Network.Escrow.FetchJob(e.Ctx, e.Client, job)
	require.NoError(t, err)
	require.Equal(t, escrow.JobRunning, j.State)
	end := j.StartedAt + j.DurationSecs
	last := uint64(end / j.UsageWindowSecs) // the window of the job's end, the last one voted
	require.Eventually(t, func() bool {
		j, err = e.Network.Escrow.FetchJob(e.Ctx, e.Client, job)
		return err == nil && j.LastUsageWindow == last
	}, time.Minute, 200*time.Millisecond, "usage counted to the job's end")

	// Served from before they joined to after the end: each slot's wall time on the job, less
	// at most a second (a heartbeat an oracle receives more than an interval after it was
	// sent, as on a loaded machine, credits nothing by rule); the unlisted member nothing.
	for slot, wall := range []int64{end - j.Slots[0].JoinedAt, end - j.Slots[1].JoinedAt} {
		require.InDelta(t, wall, int64(j.Slots[slot].VerifiedSecs), 1, "slot %d", slot)
	}
	require.Zero(t, j.Slots[2].VerifiedSecs, "the member its head does not list")
	for slot := range 2 {
		sig, err := e.SendSig([]solana.PrivateKey{renter}, chaintest.Must(e.Network.Escrow.Settle(renter.PublicKey(), job, uint8(slot),
			onescrow.Payee{Device: providers[slot].Device, Owner: providers[slot].Owner.PublicKey(), Payout: payouts[slot]}, fixture.TreasuryIOSD, e.IOSDMint)))
		require.NoError(t, err, "%v", sig)
		gross := j.Slots[slot].VerifiedSecs * price / 3600
		fee := gross * uint64(j.FeeBps) / 10_000
		require.Equal(t, gross-fee, e.TokenBalance(t, payouts[slot]), "slot %d: its verified seconds x price, less the fee", slot)
	}
}
