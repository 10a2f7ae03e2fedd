// Package challenge is the oracle's side of the proof-of-compute challenge (oracle/README.md):
// which devices it challenges when (poc.Assignee, once per period), the offer it puts in a
// heartbeat's answer, the positions it draws once the root has arrived, the verdict on the
// multiproof, and the outcome and score its next vote on the device carries on-chain.
package challenge

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/poc"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/internal/wire"
	"github.com/gpunet/gpunet/oracle/store"
)

// Config is the challenge schedule and the class table.
type Config struct {
	Classes map[uint32]Class // by hardware model; a model not in it is not challenged
	Period  time.Duration    // a device is challenged by one oracle per period
	// OpenWithin is how long after the root the multiproof is due: opening is milliseconds
	// of work, this bounds the upload.
	OpenWithin time.Duration
}

// Service runs the challenges of one oracle.
type Service struct {
	cfg   Config
	key   solana.PublicKey
	store *store.Store
	log   *slog.Logger
	rng   io.Reader // crypto/rand: seeds, IDs and positions nobody can predict

	outcomes *prometheus.CounterVec   // by outcome: offered, passed, wrong, slow, unanswered
	elapsed  *prometheus.HistogramVec // offer to root, by class (hardware model)
	cohorts  cohorts
}

// New is the challenge service of the oracle with key; its metrics register with metrics.
func New(cfg Config, key solana.PublicKey, st *store.Store, log *slog.Logger, metrics promauto.Factory) *Service {
	return &Service{cfg: cfg, key: key, store: st, log: log, rng: rand.Reader, cohorts: newCohorts(),
		outcomes: metrics.NewCounterVec(prometheus.CounterOpts{Namespace: "gpunet", Subsystem: "oracle", Name: "challenges_total",
			Help: "Proof-of-compute challenges by outcome: offered, passed, or the failure's finding (wrong, slow, unanswered)."}, []string{"outcome"}),
		elapsed: metrics.NewHistogramVec(prometheus.HistogramOpts{Namespace: "gpunet", Subsystem: "oracle", Name: "challenge_elapsed_seconds",
			Help:    "Seconds from a challenge's offer to its root, by class (hardware model), for the challenges decided on a root.",
			Buckets: prometheus.ExponentialBuckets(0.125, 2, 10)}, []string{"class"}),
	}
}

// Error is a refused challenge request: its HTTP status and reason.
type Error struct {
	Status int
	Reason wire.Reason
	Msg    string
}

func (e *Error) Error() string { return string(e.Reason) + ": " + e.Msg }

func refuse(status int, reason wire.Reason, format string, a ...any) *Error {
	return &Error{Status: status, Reason: reason, Msg: fmt.Sprintf(format, a...)}
}

var errUnavailable = refuse(http.StatusServiceUnavailable, wire.ReasonUnavailable, "cannot read or store the challenge now")

// Offer is the challenge to put in the answer to d's heartbeat from addr at now, or nil: d is
// challenged when this oracle is the period's assignee (poc.Assignee over the registry's oracle
// set), its class has an entry, and it is not hired (its job is the proof). Its challenge
// starts once every device of its cohort (same owner or same address, challenged by this
// oracle this period, heartbeating) has heartbeated in the period (cohorts.held), so one
// machine time-shared between identities works all their challenges at once. The offer is
// repeated until its deadline in case an answer was lost, and its clock runs from the first.
func (s *Service) Offer(ctx context.Context, d *registry.Device, params *registry.ConfigParams, addr string, now time.Time) *wire.ChallengeOffer {
	class := s.cfg.Classes[d.Spec.HardwareModel]
	slot := oracleSlot(params, s.key)
	period := uint64(now.UnixMilli() / s.cfg.Period.Milliseconds())
	challenged := func(m member) bool {
		_, ok := s.cfg.Classes[m.model]
		return ok && slot >= 0 && m.status != registry.StatusHired && poc.Assignee(m.key, period, int(params.OracleCount)) == slot
	}
	interval := time.Duration(params.HeartbeatIntervalSecs) * time.Second
	periodStart := time.UnixMilli(int64(period) * s.cfg.Period.Milliseconds())
	if !s.cohorts.beat(member{key: d.DeviceKey, owner: d.Owner, addr: addr, model: d.Spec.HardwareModel, status: d.Status}, now, 2*interval, periodStart, challenged) {
		return nil
	}
	var fresh [48]byte
	if _, err := io.ReadFull(s.rng, fresh[:]); err != nil {
		s.log.Error("challenge randomness", "err", err)
		return nil
	}
	c, err := s.store.Offer(ctx, store.Challenge{ID: hex.EncodeToString(fresh[:16]), Device: d.DeviceKey.String(), Period: period, Model: class.Model,
		N: class.N, Seed: fresh[16:], IssuedMs: now.UnixMilli(), RootDeadlineMs: now.Add(class.Deadline).UnixMilli(), OpenWithinMs: s.cfg.OpenWithin.Milliseconds()})
	if err != nil {
		s.log.Warn("offer challenge", "device", d.DeviceKey, "err", err)
		return nil
	}
	if c.State != store.Offered || now.UnixMilli() > c.RootDeadlineMs {
		return nil
	}
	o := &wire.ChallengeOffer{ID: c.ID, Oracle: s.key, Device: d.DeviceKey, N: c.N, IssuedAt: c.IssuedMs, RootDeadline: c.RootDeadlineMs, OpenWithin: c.OpenWithinMs}
	copy(o.Seed[:], c.Seed)
	if c.ID == hex.EncodeToString(fresh[:16]) {
		s.outcomes.WithLabelValues("offered").Inc()
		s.log.Info("challenge offered", "device", c.Device, "id", c.ID, "n", c.N, "deadline", class.Deadline)
	}
	return o
}

func oracleSlot(params *registry.ConfigParams, key solana.PublicKey) int {
	for i, o := range protocol.LiveOracles(params) {
		if o == key {
			return i
		}
	}
	return -1
}

// find is the stored challenge a request names, checked against the request's signer.
func (s *Service) find(ctx context.Context, signer, device, oracle solana.PublicKey, id string) (*store.Challenge, error) {
	switch {
	case oracle != s.key:
		return nil, refuse(http.StatusBadRequest, wire.ReasonWrongOracle, "the request names oracle %s", oracle)
	case device != signer:
		return nil, refuse(http.StatusBadRequest, wire.ReasonWrongDevice, "signed by %s, not the device %s", signer, device)
	}
	c, err := s.store.ChallengeByID(ctx, id)
	switch {
	case err != nil:
		return nil, errUnavailable
	case c == nil || c.Device != device.String():
		return nil, refuse(http.StatusNotFound, wire.ReasonUnknownChallenge, "no challenge %q for device %s", id, device)
	}
	return c, nil
}

// Root takes a device's root (signed by signer, received at now) and answers the positions
// to open, drawn now from the oracle's CSPRNG; a root after the class's deadline fails the
// challenge (finding slow).
func (s *Service) Root(ctx context.Context, signer solana.PublicKey, r *wire.ChallengeRoot, now time.Time) (*wire.ChallengeOpen, error) {
	c, err := s.find(ctx, signer, r.Device, r.Oracle, r.ID)
	if err != nil {
		return nil, err
	}
	if c.State != store.Offered {
		return nil, refuse(http.StatusConflict, wire.ReasonReplayed, "challenge %s already has its root", c.ID)
	}
	at := now.UnixMilli()
	if at > c.RootDeadlineMs {
		elapsed := at - c.IssuedMs
		return nil, s.fail(ctx, c, store.Offered, at, store.FindingSlow, &elapsed,
			fmt.Sprintf("root after %d ms, the deadline was %d ms", elapsed, c.RootDeadlineMs-c.IssuedMs))
	}
	positions, err := poc.Draw(s.rng, c.N, poc.Samples)
	if err != nil {
		return nil, errUnavailable
	}
	pairs := make([][2]int, len(positions))
	enc := make([]byte, 0, 8*len(positions))
	for k, p := range positions {
		pairs[k] = [2]int{p.I, p.J}
		enc = binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(enc, uint32(p.I)), uint32(p.J))
	}
	deadline := at + c.OpenWithinMs
	switch err := s.store.Root(ctx, c.ID, r.Root[:], at, enc, deadline); {
	case errors.Is(err, store.ErrStep):
		return nil, refuse(http.StatusConflict, wire.ReasonReplayed, "challenge %s already has its root", c.ID)
	case err != nil:
		return nil, errUnavailable
	}
	return &wire.ChallengeOpen{ID: c.ID, Oracle: s.key, Device: r.Device, Positions: pairs, ProofDeadline: deadline}, nil
}

// Proof takes a device's multiproof and decides the challenge: passed when every opened
// entry checks against the root and the regenerated matrices (poc.Challenge.Verify).
func (s *Service) Proof(ctx context.Context, signer solana.PublicKey, p *wire.ChallengeProof, now time.Time) (*wire.ChallengeResult, error) {
	c, err := s.find(ctx, signer, p.Device, p.Oracle, p.ID)
	if err != nil {
		return nil, err
	}
	switch c.State {
	case store.Offered:
		return nil, refuse(http.StatusConflict, wire.ReasonOutOfOrder, "challenge %s has no root yet", c.ID)
	case store.Passed, store.Fail:
		return nil, refuse(http.StatusConflict, wire.ReasonReplayed, "challenge %s is decided already", c.ID)
	}
	at := now.UnixMilli()
	elapsed := *c.RootMs - c.IssuedMs
	if at > *c.ProofDeadline {
		return nil, s.fail(ctx, c, store.Rooted, at, store.FindingUnanswered, &elapsed, fmt.Sprintf("proof %d ms after the root, due within %d ms", at-*c.RootMs, c.OpenWithinMs))
	}
	ch := poc.Challenge{N: c.N}
	copy(ch.Seed[:], c.Seed)
	copy(ch.Device[:], p.Device[:])
	var root poc.Hash
	copy(root[:], c.Root)
	positions := make([]poc.Position, len(c.Positions)/8)
	for k := range positions {
		positions[k] = poc.Position{I: int(binary.LittleEndian.Uint32(c.Positions[8*k:])), J: int(binary.LittleEndian.Uint32(c.Positions[8*k+4:]))}
	}
	var proof poc.Multiproof
	err = proof.UnmarshalBinary(p.Proof)
	if err == nil {
		err = ch.Verify(root, positions, &proof)
	}
	if err != nil {
		return s.result(c, s.fail(ctx, c, store.Rooted, at, store.FindingWrong, &elapsed, err.Error()))
	}
	class := s.cfg.Classes[c.Model]
	gops := 2 * float64(c.N) * float64(c.N) * float64(c.N) / (float64(max(elapsed, 1)) / 1000) / 1e9
	c.State, c.ElapsedMs, c.GOPS, c.Score = store.Passed, &elapsed, &gops, class.Score()
	if err := s.decide(ctx, c, store.Rooted, at); err != nil {
		return nil, err
	}
	s.log.Info("challenge passed", "device", c.Device, "id", c.ID, "n", c.N, "elapsed_ms", elapsed, "gops", gops, "score", c.Score)
	return s.result(c, nil)
}

// fail decides c failed with finding; the error is what the request is answered (nil when
// the failure is the answer itself, a result).
func (s *Service) fail(ctx context.Context, c *store.Challenge, from string, at int64, finding string, elapsed *int64, why string) error {
	c.State, c.Finding, c.Failure, c.ElapsedMs = store.Fail, finding, why, elapsed
	if err := s.decide(ctx, c, from, at); err != nil {
		return err
	}
	s.log.Warn("challenge failed: spoofing finding", "device", c.Device, "id", c.ID, "n", c.N, "finding", finding, "why", why)
	if finding == store.FindingWrong {
		return nil
	}
	return refuse(http.StatusGone, wire.ReasonDeadlineMissed, "challenge %s failed: %s", c.ID, why)
}

func (s *Service) decide(ctx context.Context, c *store.Challenge, from string, at int64) error {
	switch err := s.store.Decide(ctx, *c, from, at); {
	case errors.Is(err, store.ErrStep):
		return refuse(http.StatusConflict, wire.ReasonReplayed, "challenge %s moved on meanwhile", c.ID)
	case err != nil:
		return errUnavailable
	}
	s.outcomes.WithLabelValues(Outcome(c)).Inc()
	if c.ElapsedMs != nil {
		s.elapsed.WithLabelValues(strconv.FormatUint(uint64(c.Model), 10)).Observe(float64(*c.ElapsedMs) / 1000)
	}
	return nil
}

// Outcome is c's state while it runs (offered, rooted), then passed or its failure's finding.
func Outcome(c *store.Challenge) string {
	if c.State == store.Fail {
		return c.Finding
	}
	return c.State
}

func (s *Service) result(c *store.Challenge, err error) (*wire.ChallengeResult, error) {
	if err != nil {
		return nil, err
	}
	key, _ := solana.PublicKeyFromBase58(c.Device)
	return &wire.ChallengeResult{ID: c.ID, Oracle: s.key, Device: key, Passed: c.State == store.Passed, Failure: c.Failure,
		ElapsedMs: *c.ElapsedMs, Score: c.Score}, nil
}

// Report is what this oracle's next vote on device carries: the outcome and score of its
// oldest decided challenge no landed vote carried yet (registry.ChallengeNone and 0 when
// none), and that challenge's ID for Reported. Overdue challenges are failed first.
func (s *Service) Report(ctx context.Context, device string, now time.Time) (outcome uint8, score uint64, id string, err error) {
	expired, err := s.store.Expire(ctx, device, now.UnixMilli())
	if err != nil {
		return 0, 0, "", err
	}
	s.outcomes.WithLabelValues(store.FindingUnanswered).Add(float64(expired))
	c, err := s.store.Unreported(ctx, device)
	if err != nil || c == nil {
		return registry.ChallengeNone, 0, "", err
	}
	if c.State == store.Passed {
		return registry.ChallengePassed, c.Score, c.ID, nil
	}
	return registry.ChallengeFailed, 0, c.ID, nil
}

// Reported records that the vote on window, landed, carried challenge id.
func (s *Service) Reported(ctx context.Context, id string, window uint64) error {
	return s.store.Reported(ctx, id, window)
}
