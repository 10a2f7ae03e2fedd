// Package challenge answers the oracles' proof-of-compute challenges (oracle/README.md): an
// offer comes in a heartbeat's answer; the worker multiplies with its fastest backend, sends
// the Merkle root, opens the positions the oracle then draws, and sends the multiproof.
package challenge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/gpunet/gpunet/internal/poc"
	"github.com/gpunet/gpunet/internal/wire"
	"github.com/gpunet/gpunet/worker/heartbeat"
)

// MaxN is the largest n the worker takes: C alone is 4 n^2 bytes (1 GiB at 16,384).
const MaxN = 16384

// queue is how many offers wait while one is worked: one oracle challenges a device per
// period, so more are a misbehaving oracle's.
const queue = 4

// Solver answers one device's challenges, one at a time.
type Solver struct {
	Device  wire.Signer
	Backend poc.Backend               // the fastest this host has
	Oracles func() []solana.PublicKey // the registry's oracle keys, which sign every answer
	HTTP    *http.Client
	Log     *slog.Logger

	offers   chan offer
	mu       sync.Mutex
	seen     map[string]bool
	outcomes *prometheus.CounterVec // by outcome: passed, failed, missed (a deadline), error
	compute  prometheus.Counter     // seconds spent multiplying and opening
}

type offer struct {
	url string
	wire.ChallengeOffer
}

// New is the solver of device with backend; its metrics register with metrics.
func New(device wire.Signer, backend poc.Backend, oracles func() []solana.PublicKey, log *slog.Logger, metrics promauto.Factory) *Solver {
	return &Solver{Device: device, Backend: backend, Oracles: oracles, HTTP: &http.Client{Timeout: time.Minute}, Log: log,
		offers: make(chan offer, queue), seen: map[string]bool{},
		outcomes: metrics.NewCounterVec(prometheus.CounterOpts{Namespace: "gpunet", Subsystem: "worker", Name: "challenges_total",
			Help: "Proof-of-compute challenges answered, by outcome: passed, failed (the oracle's verdict), missed (a deadline), error."}, []string{"outcome"}),
		compute: metrics.NewCounter(prometheus.CounterOpts{Namespace: "gpunet", Subsystem: "worker", Name: "challenge_compute_seconds_total",
			Help: "Seconds spent computing challenges (multiplying, committing, opening): the challenges' cost to the host."}),
	}
}

// Offer queues an offer from the oracle at url (heartbeat.Sender.OnChallenge); an ID seen
// before (the oracle repeats an offer until its root arrives) or a full queue is dropped.
func (s *Solver) Offer(url string, o wire.ChallengeOffer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[o.ID] {
		return
	}
	select {
	case s.offers <- offer{url, o}:
		s.seen[o.ID] = true
	default:
		s.Log.Warn("challenge dropped: busy", "oracle", url, "id", o.ID)
	}
}

// Run answers queued offers until ctx ends.
func (s *Solver) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case o := <-s.offers:
			start := time.Now()
			res, err := s.Solve(ctx, o.url, o.ChallengeOffer)
			var p *wire.Problem
			switch {
			case ctx.Err() != nil:
				return nil
			case errors.As(err, &p) && p.Reason == wire.ReasonDeadlineMissed:
				s.outcomes.WithLabelValues("missed").Inc()
				s.Log.Warn("challenge missed its deadline", "oracle", o.url, "id", o.ID, "n", o.N, "err", err)
			case err != nil:
				s.outcomes.WithLabelValues("error").Inc()
				s.Log.Warn("challenge", "oracle", o.url, "id", o.ID, "n", o.N, "err", err)
			case !res.Passed:
				s.outcomes.WithLabelValues("failed").Inc()
				s.Log.Warn("challenge failed", "oracle", o.url, "id", o.ID, "n", o.N, "failure", res.Failure)
			default:
				s.outcomes.WithLabelValues("passed").Inc()
				s.Log.Info("challenge passed", "oracle", o.url, "id", o.ID, "n", o.N, "backend", s.Backend.Name(),
					"oracle_elapsed_ms", res.ElapsedMs, "took", time.Since(start).Round(time.Millisecond), "score", res.Score)
			}
		}
	}
}

// Solve answers one offer from the oracle at url: root, then multiproof.
func (s *Solver) Solve(ctx context.Context, url string, o wire.ChallengeOffer) (*wire.ChallengeResult, error) {
	me := s.Device.PublicKey()
	if o.Device != me {
		return nil, fmt.Errorf("offer for device %s, not this one", o.Device)
	}
	if o.N > MaxN {
		return nil, fmt.Errorf("n = %d over this worker's %d", o.N, MaxN)
	}
	ch := poc.Challenge{Seed: o.Seed, Device: me, N: o.N}
	start := time.Now()
	tree, err := poc.Prove(ctx, s.Backend, ch)
	s.compute.Add(time.Since(start).Seconds())
	if err != nil {
		return nil, err
	}
	var open wire.ChallengeOpen
	if err := s.post(ctx, url, wire.ChallengeRootPath, o.Oracle, wire.ChallengeRoot{ID: o.ID, Oracle: o.Oracle, Device: me, Root: wire.Bytes32(tree.Root())}, &open); err != nil {
		return nil, fmt.Errorf("root: %w", err)
	}
	if open.ID != o.ID || open.Device != me {
		return nil, fmt.Errorf("positions for challenge %s of %s: not this one", open.ID, open.Device)
	}
	positions := make([]poc.Position, len(open.Positions))
	for k, p := range open.Positions {
		positions[k] = poc.Position{I: p[0], J: p[1]}
	}
	start = time.Now()
	proof, err := tree.Open(positions)
	s.compute.Add(time.Since(start).Seconds())
	if err != nil {
		return nil, err
	}
	enc, err := proof.MarshalBinary()
	if err != nil {
		return nil, err
	}
	var res wire.ChallengeResult
	if err := s.post(ctx, url, wire.ChallengeProofPath, o.Oracle, wire.ChallengeProof{ID: o.ID, Oracle: o.Oracle, Device: me, Proof: enc}, &res); err != nil {
		return nil, fmt.Errorf("proof: %w", err)
	}
	if res.ID != o.ID || res.Device != me {
		return nil, fmt.Errorf("result for challenge %s of %s: not this one", res.ID, res.Device)
	}
	return &res, nil
}

// post sends msg signed to the oracle at url+path and decodes its answer, which oracle must
// have signed, into out; a refusal is a *wire.Problem.
func (s *Solver) post(ctx context.Context, url, path string, oracle solana.PublicKey, msg, out any) error {
	body, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	signer, status, answer, err := heartbeat.Call(ctx, s.HTTP, s.Device, http.MethodPost, url+path, body, s.Oracles())
	switch {
	case err != nil:
		return err
	case signer != oracle:
		return fmt.Errorf("%w: answered by %s, not %s", wire.ErrUntrusted, signer, oracle)
	case status != http.StatusOK:
		var p wire.Problem
		if json.Unmarshal(answer, &p) != nil || p.Reason == "" {
			return fmt.Errorf("oracle answered %d: %.200q", status, answer)
		}
		return &p
	}
	return json.Unmarshal(answer, out)
}
