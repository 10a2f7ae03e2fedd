package alerts_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/indexer/alerts"
	"github.com/gpunet/gpunet/internal/wire"
)

// oracle serves wire.StatusPath signed with key, answering status (nil: a 500).
type oracle struct {
	key    solana.PrivateKey
	mu     sync.Mutex
	status *wire.DeviceStatus
}

func (o *oracle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	st := o.status
	o.mu.Unlock()
	if st == nil {
		w.WriteHeader(500)
		return
	}
	body, _ := json.Marshal(st)
	sig, _ := wire.Sign(o.key, wire.DomainAnswer, body)
	w.Header().Set(wire.KeyHeader, o.key.PublicKey().String())
	w.Header().Set(wire.SignatureHeader, sig.String())
	_, _ = w.Write(body)
}

func (o *oracle) set(st *wire.DeviceStatus) { o.mu.Lock(); o.status = st; o.mu.Unlock() }

// The oracles' signed status decides: online when one credits a recent heartbeat, offline when
// all answered and none does, unknown when none answered; unhealthy from the newest heartbeat.
func TestOraclesProbe(t *testing.T) {
	device := solana.NewWallet().PublicKey()
	a, b := &oracle{key: solana.NewWallet().PrivateKey}, &oracle{key: solana.NewWallet().PrivateKey}
	sa, sb := httptest.NewServer(a), httptest.NewServer(b)
	t.Cleanup(sa.Close)
	t.Cleanup(sb.Close)
	o := alerts.Oracles{URLs: []string{sa.URL, sb.URL}, Keys: []solana.PublicKey{a.key.PublicKey(), b.key.PublicKey()}, Interval: 10 * time.Second}
	now := time.Now().UnixMilli()
	hb := func(received, credited int64, gpus, healthy int, problems ...string) *wire.DeviceStatus {
		return &wire.DeviceStatus{Device: device, LastHeartbeat: &wire.HeartbeatSeen{ReceivedAt: received, CreditedUntil: credited, Telemetry: wire.Telemetry{Version: 1},
			Health: wire.GPUHealth{GPUs: gpus, Healthy: healthy, Problems: problems}}}
	}
	hour := int64(time.Hour / time.Millisecond)
	for _, c := range []struct {
		name string
		a, b *wire.DeviceStatus
		want alerts.Health
	}{
		{"both stale", hb(now-hour, now-hour, 1, 1), hb(now-hour, now-hour, 1, 1), alerts.Health{Known: true, Offline: true}},
		{"one live", hb(now, now+hour, 1, 1), hb(now-hour, now-hour, 1, 1), alerts.Health{Known: true}},
		{"never heard", &wire.DeviceStatus{Device: device}, &wire.DeviceStatus{Device: device}, alerts.Health{Known: true, Offline: true}},
		{"one down, other stale", nil, hb(now-hour, now-hour, 1, 1), alerts.Health{Known: true}},
		{"none answered", nil, nil, alerts.Health{}},
		{"newest unhealthy", hb(now-hour, now-hour, 8, 8), hb(now, now+hour, 8, 7, "gpu 3: xid 79"), alerts.Health{Known: true, Unhealthy: true, Problems: []string{"gpu 3: xid 79"}}},
		{"older unhealthy", hb(now-hour, now-hour, 8, 7, "gpu 3: xid 79"), hb(now, now+hour, 8, 8), alerts.Health{Known: true}},
	} {
		a.set(c.a)
		b.set(c.b)
		got, err := o.Probe(context.Background(), device)
		require.NoError(t, err, c.name)
		require.Equal(t, c.want, got, c.name)
	}

	// An answer signed by a key that is no oracle's counts as no answer.
	a.set(hb(now, now+hour, 1, 1))
	b.set(hb(now-hour, now-hour, 1, 1))
	o.Keys = []solana.PublicKey{b.key.PublicKey(), solana.NewWallet().PublicKey()}
	got, err := o.Probe(context.Background(), device)
	require.NoError(t, err)
	require.Equal(t, alerts.Health{Known: true}, got) // a's live answer untrusted, b stale, not all answered
}
