package oracle_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/poc"
	"github.com/gpunet/gpunet/internal/wire"
	"github.com/gpunet/gpunet/worker/challenge"
)

// gathered is the value of the counter name{label="value"} in reg, or of name with no
// labels when label is empty (0 when absent).
func gathered(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			ls := m.GetLabel()
			if mf.GetName() == name && (label == "" && len(ls) == 0 || len(ls) == 1 && ls[0].GetName() == label && ls[0].GetValue() == value) {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// A challenge answered by the real worker solver is counted on both sides and shown in the
// assigned oracle's public status: the oracle counts one offer and one pass and observes the
// elapsed seconds in the class's histogram; the worker counts one pass and the seconds it
// computed; the other oracles count nothing and show no challenge.
func TestChallengeObserved(t *testing.T) {
	e := chaintest.New(t)
	e.InitRegistry(t, solana.NewWallet().PublicKey(), fastRegistry)
	p := e.NewProvider(t, cpuSpec, 1_000*chaintest.IO, 200*chaintest.IO)
	flags := []string{"-rate-burst", "20", "-challenge-period", "1h", "-challenge-classes", "0:256:1s:5s"}
	oracles := make([]*running, 3)
	for i := range oracles {
		oracles[i] = start(t, e, e.Oracles[i], database(t), flags...)
	}
	device := p.DeviceKey.PublicKey()
	var (
		offer  *wire.ChallengeOffer
		oracle *running
	)
	for _, o := range oracles {
		if ack := post(t, o, p.DeviceKey, heartbeat(device, o.key.PublicKey(), 1, time.Now())).ack(t); ack.Challenge != nil {
			offer, oracle = ack.Challenge, o
		}
	}
	require.NotNil(t, offer)

	reg := prometheus.NewRegistry()
	keys := []solana.PublicKey{e.Oracles[0].PublicKey(), e.Oracles[1].PublicKey(), e.Oracles[2].PublicKey()}
	solver := challenge.New(p.DeviceKey, poc.CPU{}, func() []solana.PublicKey { return keys }, slog.New(slog.NewTextHandler(io.Discard, nil)), promauto.With(reg))
	solver.Offer(oracle.url, *offer)
	ctx, stop := context.WithCancel(e.Ctx)
	t.Cleanup(stop)
	go func() { _ = solver.Run(ctx) }()
	require.Eventually(t, func() bool { return gathered(t, reg, "gpunet_worker_challenges_total", "outcome", "passed") == 1 }, time.Minute, 20*time.Millisecond)
	for _, outcome := range []string{"failed", "missed", "error"} {
		require.Zero(t, gathered(t, reg, "gpunet_worker_challenges_total", "outcome", outcome), outcome)
	}
	require.Positive(t, gathered(t, reg, "gpunet_worker_challenge_compute_seconds_total", "", ""))

	_, st := status(t, oracle, device.String())
	require.NotNil(t, st.LastChallenge)
	elapsed := st.LastChallenge.ElapsedMs
	require.Positive(t, elapsed)
	require.Equal(t, &wire.ChallengeSeen{IssuedAt: offer.IssuedAt, N: 256, Outcome: "passed", ElapsedMs: elapsed, Score: 33}, st.LastChallenge)
	want := map[string]float64{
		`gpunet_oracle_challenges_total{outcome="offered"}`:        1,
		`gpunet_oracle_challenges_total{outcome="passed"}`:         1,
		`gpunet_oracle_challenges_total{outcome="wrong"}`:          0,
		`gpunet_oracle_challenges_total{outcome="slow"}`:           0,
		`gpunet_oracle_challenges_total{outcome="unanswered"}`:     0,
		`gpunet_oracle_challenge_elapsed_seconds_count{class="0"}`: 1,
		`gpunet_oracle_challenge_elapsed_seconds_sum{class="0"}`:   float64(elapsed) / 1000,
	}
	for _, o := range oracles {
		for sample, v := range want {
			if o != oracle {
				v = 0
			}
			require.Equal(t, v, metric(t, o, sample), sample)
		}
		if o != oracle {
			_, st := status(t, o, device.String())
			require.Nil(t, st.LastChallenge)
		}
	}
}

// from is an HTTP client whose connections come from local address ip.
func from(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

// beatFrom sends device key's heartbeat seq to oracle o over client and returns its offer.
func beatFrom(t *testing.T, client *http.Client, o *running, key solana.PrivateKey, seq uint64) *wire.ChallengeOffer {
	body := heartbeat(key.PublicKey(), o.key.PublicKey(), seq, time.Now())
	req, err := http.NewRequest(http.MethodPost, o.url+wire.HeartbeatPath, bytes.NewReader(body))
	require.NoError(t, err)
	sig, err := wire.Sign(key, wire.DomainRequest, body)
	require.NoError(t, err)
	req.Header.Set(wire.KeyHeader, key.PublicKey().String())
	req.Header.Set(wire.SignatureHeader, sig.String())
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(answer))
	var ack wire.HeartbeatAck
	require.NoError(t, json.Unmarshal(answer, &ack))
	return ack.Challenge
}

// Two devices of one owner start their challenges together: the first to heartbeat in the
// period is held while its sibling, heartbeating, has not yet heartbeated in it; the sibling's
// heartbeat releases both, so their clocks start within one heartbeat interval. A device of
// another owner, from another address, is offered at its first heartbeat of the period
// meanwhile.
func TestChallengeCohortStartsTogether(t *testing.T) {
	const interval = 3 * time.Second
	period := 6 * time.Second
	e := chaintest.New(t)
	e.InitRegistry(t, solana.NewWallet().PublicKey(), func(p *registry.ConfigParams) {
		fastRegistry(p)
		p.HeartbeatIntervalSecs = int64(interval / time.Second)
	})
	// the period k, far enough ahead to register first, and three device keys this one oracle
	// challenges in it
	k := uint64(time.Now().Add(4*period).UnixMilli() / period.Milliseconds())
	keyFor := func(slot int) solana.PrivateKey {
		for {
			key := solana.NewWallet().PrivateKey
			if slot < 0 || poc.Assignee(key.PublicKey(), k, 3) == slot {
				return key
			}
		}
	}
	a := keyFor(-1)
	slot := poc.Assignee(a.PublicKey(), k, 3)
	b, c := keyFor(slot), keyFor(slot)
	owner := e.NewProvider(t, cpuSpec, 1_000*chaintest.IO, 200*chaintest.IO)
	other := e.NewProvider(t, cpuSpec, 1_000*chaintest.IO, 200*chaintest.IO)
	for _, d := range []struct {
		p   chaintest.Provider
		key solana.PrivateKey
	}{{owner, a}, {owner, b}, {other, c}} {
		require.NoError(t, e.Send([]solana.PrivateKey{d.p.Owner, d.key},
			chaintest.Must(e.Registry.RegisterDevice(d.p.Owner.PublicKey(), d.key.PublicKey(), e.IOMint, cpuSpec)),
			chaintest.Must(e.Registry.Stake(d.p.Owner.PublicKey(), d.key.PublicKey(), d.p.Token, 200*chaintest.IO))))
	}
	o := start(t, e, e.Oracles[slot], database(t), "-rate-burst", "20", "-challenge-period", period.String(), "-challenge-classes", "0:256:1s:5s")
	here, there := from("127.0.0.1"), from("127.0.0.2")

	boundary := time.UnixMilli(int64(k) * period.Milliseconds())
	require.True(t, time.Now().Before(boundary.Add(-2*time.Second)), "set-up took past period %d", k)
	time.Sleep(time.Until(boundary.Add(-2 * time.Second)))
	for _, key := range []solana.PrivateKey{a, b} {
		beatFrom(t, here, o, key, 1)
	}
	beatFrom(t, there, o, c, 1)
	time.Sleep(time.Until(boundary))

	require.Nil(t, beatFrom(t, here, o, a, 2), "held: its sibling has not heartbeated in the period")
	offerC := beatFrom(t, there, o, c, 2)
	require.NotNil(t, offerC, "another owner at another address is not held")
	offerB := beatFrom(t, here, o, b, 2)
	require.NotNil(t, offerB, "the last of the cohort releases it")
	offerA := beatFrom(t, here, o, a, 3)
	require.NotNil(t, offerA)
	require.Equal(t, k, uint64(offerA.IssuedAt/period.Milliseconds()), "all in period k")
	require.Equal(t, k, uint64(offerB.IssuedAt/period.Milliseconds()))
	require.LessOrEqual(t, offerA.IssuedAt-offerB.IssuedAt, interval.Milliseconds(), "clocks within one heartbeat interval")
	require.GreaterOrEqual(t, offerA.IssuedAt, offerB.IssuedAt)
}
