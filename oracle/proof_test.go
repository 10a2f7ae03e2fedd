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

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/wire"
)

// worker heartbeats a device to every oracle every 500 ms (the registry's interval is 1 s, so
// each heartbeat's 2 s credit overlaps the next), each oracle with its own sequence; an oracle
// that is down just misses them.
type worker struct {
	key     solana.PrivateKey
	oracles []*running
	mu      sync.Mutex
	seq     []uint64
}

func (w *worker) beat() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, o := range w.oracles {
		w.seq[i]++
		body := heartbeat(w.key.PublicKey(), o.key.PublicKey(), w.seq[i], time.Now())
		sig, _ := wire.Sign(w.key, wire.DomainRequest, body)
		req, _ := http.NewRequest(http.MethodPost, o.url+wire.HeartbeatPath, bytes.NewReader(body))
		req.Header.Set(wire.KeyHeader, w.key.PublicKey().String())
		req.Header.Set(wire.SignatureHeader, sig.String())
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}
}

func (w *worker) run(ctx context.Context) {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		w.beat()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// votes are the uptimes the oracles' status shows they voted, landed, on window.
func votes(t *testing.T, oracles []*running, device solana.PublicKey, window uint64) []uint32 {
	var out []uint32
	for _, o := range oracles {
		_, s := status(t, o, device.String())
		for _, sub := range s.Submissions {
			if sub.Kind == "vote" && sub.Window == window && sub.State == "landed" {
				out = append(out, sub.UptimeSecs)
			}
		}
	}
	return out
}

// waitCounted waits until the device's last counted window is past after.
func waitCounted(t *testing.T, e *chaintest.Env, p chaintest.Provider, after uint64) *registry.Device {
	var d *registry.Device
	require.Eventually(t, func() bool { d = e.Device(t, p); return d.LastProofWindow > after }, 90*time.Second, 200*time.Millisecond)
	return d
}

// Three oracles prove an honest device's live uptime on-chain by quorum, with no coordination:
// the first counted window counts the value two of them voted; then, while one oracle is
// stopped mid-window and restarted on its database, every window counts exactly the time the
// device was up (it never stops), and the restarted oracle never sends a vote the chain
// already has.
func TestUptimeProvenByQuorum(t *testing.T) {
	e := chaintest.New(t)
	e.InitRegistry(t, solana.NewWallet().PublicKey(), fastRegistry)
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO)
	flags := []string{"-rate-every", "100ms"}
	oracles := make([]*running, 3)
	for i := range oracles {
		oracles[i] = start(t, e, e.Oracles[i], database(t), flags...)
	}
	w := &worker{key: p.DeviceKey, oracles: oracles, seq: make([]uint64, 3)}
	ctx, stop := context.WithCancel(e.Ctx)
	defer stop()
	go w.run(ctx)

	first := waitCounted(t, e, p, 0)
	require.Eventually(t, func() bool { return len(votes(t, oracles, p.DeviceKey.PublicKey(), first.LastProofWindow)) >= 2 }, 30*time.Second, 100*time.Millisecond)
	agreeing := map[uint32]int{}
	for _, v := range votes(t, oracles, p.DeviceKey.PublicKey(), first.LastProofWindow) {
		agreeing[v]++
	}
	require.GreaterOrEqual(t, agreeing[uint32(first.ProvenUptimeSecs)], 2, "counted %d, votes %v", first.ProvenUptimeSecs, agreeing)

	// a checkpoint once the heartbeats cover whole windows, then a restart mid-window
	from := waitCounted(t, e, p, first.LastProofWindow)
	time.Sleep(1500 * time.Millisecond)
	require.NoError(t, oracles[1].stop())
	w.mu.Lock()
	oracles[1] = start(t, e, e.Oracles[1], oracles[1].dsn, flags...)
	w.mu.Unlock()
	end := waitCounted(t, e, p, from.LastProofWindow+3)
	require.Equal(t, from.ProvenUptimeSecs+3*(end.LastProofWindow-from.LastProofWindow), end.ProvenUptimeSecs,
		"every window since %d counted whole (3 s each)", from.LastProofWindow)

	for i, o := range oracles {
		db := openDB(t, o.dsn)
		var duplicates, pending int
		require.NoError(t, db.QueryRow(e.Ctx, `SELECT count(*) FILTER (WHERE error LIKE '%DuplicateVote%'), count(*) FILTER (WHERE state = 'pending' AND window_id < $1)
			FROM actions WHERE kind = 'vote'`, int64(end.LastProofWindow)).Scan(&duplicates, &pending))
		require.Zero(t, duplicates, "oracle %d sent a vote the chain had", i+1)
		require.Zero(t, pending, "oracle %d left a vote unsettled", i+1)
	}
	// The restarted oracle may have cast no vote at all: when the other two agree first, each
	// window is counted before its vote is due, and it sends none (the registry would refuse it).
	if _, s := status(t, oracles[1], p.DeviceKey.PublicKey().String()); len(s.Submissions) > 0 {
		raw, _ := json.Marshal(s.Submissions[0])
		t.Logf("restarted oracle's latest submission: %s", raw)
	}
}
