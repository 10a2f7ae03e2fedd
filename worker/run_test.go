package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/wire"
)

// fakeOracle plays an oracle by the wire contract: it checks the device's signature and
// sequence and answers signed with key. Heartbeats it accepted go to got.
type fakeOracle struct {
	key  solana.PrivateKey
	got  chan wire.Heartbeat
	last uint64
	hang chan struct{} // when set, heartbeats wait for it to close
}

func (o *fakeOracle) serve(t *testing.T) *httptest.Server {
	answer := func(w http.ResponseWriter, status int, v any) {
		body, _ := json.Marshal(v)
		sig, err := wire.Sign(o.key, wire.DomainAnswer, body)
		require.NoError(t, err)
		w.Header().Set(wire.KeyHeader, o.key.PublicKey().String())
		w.Header().Set(wire.SignatureHeader, sig.String())
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+wire.StatusPath+"{device}", func(w http.ResponseWriter, r *http.Request) {
		answer(w, http.StatusNotFound, wire.Problem{Reason: wire.ReasonUnknownDevice, Message: "no heartbeat yet"})
	})
	mux.HandleFunc("POST "+wire.HeartbeatPath, func(w http.ResponseWriter, r *http.Request) {
		if o.hang != nil {
			select {
			case <-o.hang:
			case <-r.Context().Done():
			}
			return
		}
		body, _ := io.ReadAll(r.Body)
		var hb wire.Heartbeat
		require.NoError(t, json.Unmarshal(body, &hb))
		sig, err := solana.SignatureFromBase58(r.Header.Get(wire.SignatureHeader))
		require.NoError(t, err)
		require.NoError(t, wire.Verify(hb.Device, wire.DomainRequest, body, sig))
		require.Equal(t, hb.Device.String(), r.Header.Get(wire.KeyHeader))
		require.Equal(t, o.key.PublicKey(), hb.Oracle)
		require.Greater(t, hb.Sequence, o.last, "sequences strictly increase")
		o.last = hb.Sequence
		answer(w, http.StatusOK, wire.HeartbeatAck{Oracle: o.key.PublicKey(), Device: hb.Device, Sequence: hb.Sequence, ReceivedAt: 1_000, CreditedUntil: 3_000, IntervalSecs: 1})
		o.got <- hb
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestRunHeartbeatsEveryOracleAndTrustsOnlyRegistryOracles(t *testing.T) {
	e := chaintest.New(t)
	e.InitRegistry(t, e.Keeper.PublicKey(), func(p *registry.ConfigParams) { p.HeartbeatIntervalSecs = 1 })
	honest := &fakeOracle{key: e.Oracles[0], got: make(chan wire.Heartbeat, 100)}
	impostor := &fakeOracle{key: solana.NewWallet().PrivateKey, got: make(chan wire.Heartbeat, 100)}
	stuck := &fakeOracle{key: e.Oracles[1], hang: make(chan struct{})}
	defer close(stuck.hang)
	honestURL, impostorURL, stuckURL := honest.serve(t).URL, impostor.serve(t).URL, stuck.serve(t).URL
	config, device := newWorker(t, e)
	t.Setenv("GPUNET_WORKER_ORACLES", strings.Join([]string{stuckURL, impostorURL, honestURL}, ","))

	run := func(beats int) (seqs []uint64, logs string) {
		var out harness.Buffer
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		listen := fmt.Sprintf("127.0.0.1:%d", harness.Port(t))
		go func() { done <- Run(ctx, []string{"-config", config, "-listen", listen}, &out) }()
		for range beats {
			hb := <-honest.got // while the stuck oracle holds its first heartbeat
			require.Equal(t, device, hb.Device)
			require.Equal(t, wire.TelemetryVersion, hb.Telemetry.Version)
			seqs = append(seqs, hb.Sequence)
		}
		// the oracle has the heartbeat a moment before the worker has its answer
		require.Eventually(t, func() bool {
			resp, err := http.Get("http://" + listen + "/metrics")
			require.NoError(t, err)
			metrics, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return strings.Contains(string(metrics), `gpunet_worker_heartbeats_total{oracle="`+impostorURL+`",result="untrusted"}`) &&
				strings.Contains(string(metrics), `gpunet_worker_heartbeat_last_ack_timestamp_seconds{oracle="`+honestURL+`"} 1`)
		}, 10*time.Second, 20*time.Millisecond, "the impostor's answer counted untrusted, the honest one's ack recorded")
		cancel()
		require.NoError(t, <-done)
		return seqs, out.String()
	}
	first, logs := run(3)
	require.Empty(t, impostor.got, "nothing is sent to an oracle the registry does not know")
	require.Contains(t, logs, "answer not signed by a registry oracle (key \\\""+impostor.key.PublicKey().String()+"\\\")")
	require.IsIncreasing(t, first)

	second, _ := run(1)
	require.Greater(t, second[0], first[2], "a restarted worker never reuses a sequence")
	data, err := os.ReadFile(filepath.Join(filepath.Dir(config), "heartbeat-sequence"))
	require.NoError(t, err)
	require.Equal(t, "513\n", string(data), "two runs reserved two blocks of 256")
}
