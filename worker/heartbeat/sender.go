package heartbeat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/gpunet/gpunet/internal/wire"
)

// maxAnswer bounds an oracle's answer.
const maxAnswer = 64 << 10

// Set is what the registry's Config says about heartbeats: how often, and which keys are its
// oracles.
type Set struct {
	Interval time.Duration
	Oracles  []solana.PublicKey
}

// Sender heartbeats from one device.
type Sender struct {
	Device    wire.Signer
	Sequence  *Sequence
	HTTP      *http.Client
	Log       *slog.Logger
	Set       func() Set            // the registry's latest heartbeat settings
	Telemetry func() wire.Telemetry // what the host sees now
	// OnChallenge, when set, takes a challenge an oracle (at url) offered in its answer.
	OnChallenge func(url string, offer wire.ChallengeOffer)

	metrics  metrics
	mu       sync.Mutex
	lastAcks map[string]wire.HeartbeatAck
}

type metrics struct {
	beats    *prometheus.CounterVec
	lastAck  *prometheus.GaugeVec
	failures *prometheus.GaugeVec
}

// NewSender returns a Sender whose metrics (gpunet_worker_heartbeat*) f registers.
func NewSender(device wire.Signer, seq *Sequence, set func() Set, telemetry func() wire.Telemetry, log *slog.Logger, f promauto.Factory) *Sender {
	opts := func(name, help string) prometheus.GaugeOpts {
		return prometheus.GaugeOpts{Namespace: "gpunet", Subsystem: "worker", Name: name, Help: help}
	}
	return &Sender{Device: device, Sequence: seq, HTTP: &http.Client{}, Log: log, Set: set, Telemetry: telemetry, lastAcks: map[string]wire.HeartbeatAck{},
		metrics: metrics{
			beats: f.NewCounterVec(prometheus.CounterOpts{Namespace: "gpunet", Subsystem: "worker", Name: "heartbeats_total",
				Help: "Heartbeats sent per oracle, by result: ok, refused (a signed refusal), untrusted (an answer no registry oracle signed), error."}, []string{"oracle", "result"}),
			lastAck:  f.NewGaugeVec(opts("heartbeat_last_ack_timestamp_seconds", "When each oracle last acknowledged a heartbeat (its clock)."), []string{"oracle"}),
			failures: f.NewGaugeVec(opts("heartbeat_consecutive_failures", "Heartbeats each oracle failed in a row."), []string{"oracle"}),
		}}
}

// LastAck is oracle url's last acknowledgment, if any.
func (s *Sender) LastAck(url string) (wire.HeartbeatAck, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.lastAcks[url]
	return a, ok
}

// Run heartbeats to the oracle at url every interval until ctx ends; after a failure it
// retries sooner, backing off from 500 ms up to the interval.
func (s *Sender) Run(ctx context.Context, url string) error {
	log := s.Log.With("oracle", url)
	var key solana.PublicKey // the oracle's, learned from its signed answers
	fails := 0
	for {
		set := s.Set()
		wait := set.Interval
		err := s.beat(ctx, url, set, &key)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			fails++
			wait = min(set.Interval, 500*time.Millisecond<<min(fails-1, 10))
			log.Warn("heartbeat failed", "err", err, "failures", fails, "retry_in", wait)
		default:
			if fails > 0 {
				log.Info("heartbeat recovered", "after_failures", fails)
			}
			fails = 0
		}
		s.metrics.failures.WithLabelValues(url).Set(float64(fails))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// beat sends one heartbeat, learning the oracle's key first when it is not known.
func (s *Sender) beat(ctx context.Context, url string, set Set, key *solana.PublicKey) (err error) {
	result := "error"
	defer func() { s.metrics.beats.WithLabelValues(url, result).Inc() }()
	ctx, cancel := context.WithTimeout(ctx, set.Interval)
	defer cancel()
	if key.IsZero() || !slices.Contains(set.Oracles, *key) {
		if *key, _, _, err = s.call(ctx, http.MethodGet, url+wire.StatusPath+s.Device.PublicKey().String(), nil, set); err != nil {
			result = resultOf(err)
			return fmt.Errorf("learn the oracle's key: %w", err)
		}
	}
	seq, err := s.Sequence.Next()
	if err != nil {
		return err
	}
	body, err := json.Marshal(wire.Heartbeat{Device: s.Device.PublicKey(), Oracle: *key, Sequence: seq, Timestamp: time.Now().UnixMilli(), Telemetry: s.Telemetry()})
	if err != nil {
		return fmt.Errorf("encode heartbeat: %w", err)
	}
	signer, status, answer, err := s.call(ctx, http.MethodPost, url+wire.HeartbeatPath, body, set)
	if err != nil {
		result = resultOf(err)
		return err
	}
	if signer != *key {
		return fmt.Errorf("%w: answered by %s, not %s", wire.ErrUntrusted, signer, *key)
	}
	if status != http.StatusOK {
		result = "refused"
		var p wire.Problem
		if json.Unmarshal(answer, &p) != nil || p.Reason == "" {
			return fmt.Errorf("oracle answered %d: %.200q", status, answer)
		}
		if p.Reason == wire.ReasonWrongOracle {
			*key = solana.PublicKey{} // learn it again
		}
		return fmt.Errorf("oracle refused the heartbeat (%d): %w", status, &p)
	}
	var ack wire.HeartbeatAck
	if err := json.Unmarshal(answer, &ack); err != nil {
		return fmt.Errorf("decode ack: %w", err)
	}
	if ack.Device != s.Device.PublicKey() || ack.Oracle != *key || ack.Sequence != seq {
		return fmt.Errorf("ack for device %s, oracle %s, sequence %d: not this heartbeat", ack.Device, ack.Oracle, ack.Sequence)
	}
	result = "ok"
	if ack.Challenge != nil && s.OnChallenge != nil {
		s.OnChallenge(url, *ack.Challenge)
	}
	s.mu.Lock()
	s.lastAcks[url] = ack
	s.mu.Unlock()
	s.metrics.lastAck.WithLabelValues(url).Set(float64(ack.ReceivedAt) / 1000)
	return nil
}

func resultOf(err error) string {
	if errors.Is(err, wire.ErrUntrusted) {
		return "untrusted"
	}
	return "error"
}

func (s *Sender) call(ctx context.Context, method, url string, body []byte, set Set) (solana.PublicKey, int, []byte, error) {
	return Call(ctx, s.HTTP, s.Device, method, url, body, set.Oracles)
}

// Call sends a request (signed by device when it has a body) and returns the answer's
// verified signer, status and body. An answer that no key of oracles signed is wire.ErrUntrusted.
func Call(ctx context.Context, hc *http.Client, device wire.Signer, method, url string, body []byte, oracles []solana.PublicKey) (solana.PublicKey, int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return solana.PublicKey{}, 0, nil, err
	}
	if body != nil {
		sig, err := wire.Sign(device, wire.DomainRequest, body)
		if err != nil {
			return solana.PublicKey{}, 0, nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(wire.KeyHeader, device.PublicKey().String())
		req.Header.Set(wire.SignatureHeader, sig.String())
	}
	resp, err := hc.Do(req)
	if err != nil {
		return solana.PublicKey{}, 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return solana.PublicKey{}, 0, nil, fmt.Errorf("read answer: %w", err)
	}
	if len(answer) > maxAnswer {
		return solana.PublicKey{}, 0, nil, fmt.Errorf("answer over %d bytes", maxAnswer)
	}
	signer, err := wire.VerifyAnswer(resp.Header, answer, oracles)
	if err != nil {
		return solana.PublicKey{}, resp.StatusCode, answer, fmt.Errorf("%s %s: %d: %w", method, url, resp.StatusCode, err)
	}
	return signer, resp.StatusCode, answer, nil
}
