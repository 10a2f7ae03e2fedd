// Package api is the oracle's HTTP API (fiber): POST wire.HeartbeatPath takes a worker's
// signed heartbeat and credits it live; GET wire.StatusPath+device is the public, read-only
// view of a device; wire.JobsPath relays a job's signed spec and node announcements
// (relay.go). Every answer, refusals included, is signed with the oracle's key.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/ratelimit"
	"github.com/gpunet/gpunet/internal/wire"
	"github.com/gpunet/gpunet/oracle/challenge"
	"github.com/gpunet/gpunet/oracle/store"
	"github.com/gpunet/gpunet/oracle/uptime"
	"github.com/gpunet/gpunet/oracle/view"
)

// Config bounds what the API takes.
type Config struct {
	MaxBody   int           // bytes of a request body
	ClockSkew time.Duration // how far a heartbeat's timestamp may be from the oracle's clock
	RateBurst int           // heartbeats a device may send at once...
	RateEvery time.Duration // ...then one per RateEvery
	// StatusBurst and StatusEvery limit the public status endpoint per client address.
	StatusBurst int
	StatusEvery time.Duration
	Timeout     time.Duration // for the registry and database reads of one request
}

// Registry is what the API reads of the chain.
type Registry interface {
	Config(ctx context.Context) (*registry.Config, error)
	Device(ctx context.Context, key solana.PublicKey) (*registry.Device, error)
}

// Server is the API of one oracle.
type Server struct {
	app      *fiber.App
	key      wire.Signer
	verifier Verifier
	devices  *ratelimit.Limiter[solana.PublicKey]
	clients  *ratelimit.Limiter[string]
	registry Registry
	store    *store.Store
	timeout  time.Duration
	results  *prometheus.CounterVec
	now      func() time.Time
	// challenges offers proof-of-compute challenges in heartbeat answers (nil: none).
	challenges *challenge.Service
	// jobs and signers serve the job relay (relay.go).
	jobs    Jobs
	signers *ratelimit.Limiter[solana.PublicKey]
}

// New is the API of the oracle signing with key; results counts heartbeats by outcome
// (accepted, late, or the refusal's reason).
func New(cfg Config, key wire.Signer, reg Registry, st *store.Store, results *prometheus.CounterVec) *Server {
	s := &Server{
		key:      key,
		verifier: Verifier{Oracle: key.PublicKey(), ClockSkew: cfg.ClockSkew},
		devices:  ratelimit.New[solana.PublicKey](cfg.RateBurst, cfg.RateEvery, ratelimit.MaxTracked),
		clients:  ratelimit.New[string](cfg.StatusBurst, cfg.StatusEvery, ratelimit.MaxTracked),
		signers:  ratelimit.New[solana.PublicKey](cfg.RateBurst, cfg.RateEvery, ratelimit.MaxTracked),
		registry: reg,
		store:    st,
		timeout:  cfg.Timeout,
		results:  results,
		now:      time.Now,
	}
	s.app = fiber.New(fiber.Config{
		BodyLimit:             max(cfg.MaxBody, wire.MaxChallengeProofBody),
		ReadTimeout:           10 * time.Second,
		WriteTimeout:          10 * time.Second,
		IdleTimeout:           time.Minute,
		DisableStartupMessage: true,
		ErrorHandler:          s.fail,
	})
	// Browsers (the web app's cloud console) publish a job's spec and read its board from
	// another origin. Every request is authenticated by its signature, never by a cookie, so
	// any origin may; the answer's signature headers are exposed for clients to verify.
	s.app.Use(cors.New(cors.Config{AllowOrigins: "*", AllowMethods: "GET,HEAD,PUT,OPTIONS",
		AllowHeaders:  "Content-Type, " + wire.KeyHeader + ", " + wire.SignatureHeader,
		ExposeHeaders: wire.KeyHeader + ", " + wire.SignatureHeader + ", Retry-After", MaxAge: 600}))
	s.app.Use(bodyLimit(cfg.MaxBody))
	s.app.Post(wire.HeartbeatPath, s.heartbeat)
	s.app.Get(wire.StatusPath+":device", s.status)
	return s
}

// Serve serves the API on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(ln) }

// Shutdown stops taking requests and waits for those in flight until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }

func (s *Server) heartbeat(c *fiber.Ctx) error {
	now := s.now()
	hb, r := s.verifier.Verify(c.Get(wire.KeyHeader), c.Get(wire.SignatureHeader), c.Body(), now)
	if r == nil {
		var ack *wire.HeartbeatAck
		if ack, r = s.accept(c.UserContext(), hb, c.IP(), now); r == nil {
			result := "accepted"
			if ack.CreditedUntil == ack.ReceivedAt {
				result = "late"
			}
			s.results.WithLabelValues(result).Inc()
			return s.answer(c, http.StatusOK, ack)
		}
	}
	s.results.WithLabelValues(string(r.Reason)).Inc()
	return s.refuse(c, r)
}

// accept checks a verified heartbeat against the registry and the device's rate limit (after
// the registry, so keys of no device never take a place in the limiter), then stores it with
// the uptime it credits; addr is the sender's address, which groups devices for challenges.
func (s *Server) accept(ctx context.Context, hb *wire.Heartbeat, addr string, now time.Time) (*wire.HeartbeatAck, *Refusal) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	d, err := s.registry.Device(ctx, hb.Device)
	switch {
	case errors.Is(err, view.ErrBusy):
		return nil, refuse(http.StatusTooManyRequests, wire.ReasonRateLimited, "too many registry lookups of new device keys; retry later")
	case errors.Is(err, view.ErrUnknownDevice):
		return nil, refuse(http.StatusNotFound, wire.ReasonUnknownDevice, "the registry has no device "+hb.Device.String())
	case err != nil:
		return nil, refuse(http.StatusServiceUnavailable, wire.ReasonUnavailable, "cannot read the registry now")
	case d.Status == registry.StatusDeregistered:
		return nil, refuse(http.StatusForbidden, wire.ReasonDeregistered, "the device is deregistered")
	case d.Status == registry.StatusSuspended:
		return nil, refuse(http.StatusForbidden, wire.ReasonSuspended, "the device is suspended by a pending slash")
	}
	if !s.devices.Allow(hb.Device, now) {
		return nil, refuse(http.StatusTooManyRequests, wire.ReasonRateLimited, "too many heartbeats from this device")
	}
	cfg, err := s.registry.Config(ctx)
	if err != nil {
		return nil, refuse(http.StatusServiceUnavailable, wire.ReasonUnavailable, "cannot read the registry now")
	}
	interval := cfg.Params.HeartbeatIntervalSecs
	credit, credited := uptime.Credit(now, hb.Timestamp, interval)
	err = s.store.Accept(ctx, store.Heartbeat{Device: hb.Device.String(), Sequence: hb.Sequence, WorkerMs: hb.Timestamp, Credit: credit, Credited: credited, Telemetry: hb.Telemetry})
	switch {
	case errors.Is(err, store.ErrReplayed):
		return nil, refuse(http.StatusConflict, wire.ReasonReplayed, "sequence not above the last accepted")
	case err != nil:
		return nil, refuse(http.StatusServiceUnavailable, wire.ReasonUnavailable, "cannot store the heartbeat now")
	}
	ack := &wire.HeartbeatAck{Oracle: s.key.PublicKey(), Device: hb.Device, Sequence: hb.Sequence,
		ReceivedAt: credit.From, CreditedUntil: credit.Until, IntervalSecs: uint32(interval)}
	if s.challenges != nil {
		ack.Challenge = s.challenges.Offer(ctx, d, &cfg.Params, addr, now)
	}
	return ack, nil
}

// submissions is how many of its latest transactions a device's status shows.
const submissions = 20

func (s *Server) status(c *fiber.Ctx) error {
	device, err := solana.PublicKeyFromBase58(c.Params("device"))
	if err != nil {
		return s.answer(c, http.StatusBadRequest, wire.Problem{Reason: wire.ReasonMalformed, Message: "not a base58 device key"})
	}
	if !s.clients.Allow(c.IP(), s.now()) {
		return s.refuse(c, refuse(http.StatusTooManyRequests, wire.ReasonRateLimited, "too many status requests from this address"))
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), s.timeout)
	defer cancel()
	last, err := s.store.Last(ctx, device.String())
	if err != nil {
		return s.refuse(c, refuse(http.StatusServiceUnavailable, wire.ReasonUnavailable, "cannot read the database now"))
	}
	actions, err := s.store.Actions(ctx, device.String(), submissions)
	if err != nil {
		return s.refuse(c, refuse(http.StatusServiceUnavailable, wire.ReasonUnavailable, "cannot read the database now"))
	}
	out := wire.DeviceStatus{Oracle: s.key.PublicKey(), Device: device, Submissions: make([]wire.Submission, len(actions))}
	if s.challenges != nil {
		latest, err := s.store.Challenges(ctx, device.String(), 1)
		if err != nil {
			return s.refuse(c, refuse(http.StatusServiceUnavailable, wire.ReasonUnavailable, "cannot read the database now"))
		}
		for _, ch := range latest {
			out.LastChallenge = &wire.ChallengeSeen{IssuedAt: ch.IssuedMs, N: ch.N, Outcome: challenge.Outcome(&ch), Score: ch.Score}
			if ch.ElapsedMs != nil {
				out.LastChallenge.ElapsedMs = *ch.ElapsedMs
			}
		}
	}
	if last != nil {
		h := wire.GPUHealth{GPUs: len(last.Telemetry.GPUs), Problems: last.Telemetry.Problems}
		for _, g := range last.Telemetry.GPUs {
			if g.Healthy {
				h.Healthy++
			}
		}
		out.LastHeartbeat = &wire.HeartbeatSeen{Sequence: last.Sequence, Timestamp: last.WorkerMs, ReceivedAt: last.Credit.From,
			CreditedUntil: last.Credit.Until, Late: !last.Credited, Telemetry: last.Telemetry, Health: h}
	}
	for i, a := range actions {
		out.Submissions[i] = wire.Submission{Kind: a.Kind, Window: a.Window, Base: a.Base, UptimeSecs: a.UptimeSecs,
			Signature: a.Signature, State: a.State, Error: a.Error, At: a.UpdatedAt.UnixMilli()}
	}
	return s.answer(c, http.StatusOK, out)
}

// fail answers what fiber refuses before a handler runs (a body over the limit, an unknown
// path) as a signed problem.
func (s *Server) fail(c *fiber.Ctx, err error) error {
	status, reason := http.StatusInternalServerError, wire.ReasonUnavailable
	var fe *fiber.Error
	if errors.As(err, &fe) {
		status, reason = fe.Code, wire.ReasonMalformed
		if fe.Code == http.StatusRequestEntityTooLarge {
			reason = wire.ReasonTooLarge
			s.results.WithLabelValues(string(reason)).Inc()
		}
	}
	return s.answer(c, status, wire.Problem{Reason: reason, Message: err.Error()})
}

// retryAfter is the Retry-After of a 429 or 503: soon, and a well-behaved client backs off.
const retryAfter = "1"

// refuse answers r, with Retry-After when trying again later can succeed.
func (s *Server) refuse(c *fiber.Ctx, r *Refusal) error {
	if r.Status == http.StatusTooManyRequests || r.Status == http.StatusServiceUnavailable {
		c.Set(fiber.HeaderRetryAfter, retryAfter)
	}
	return s.answer(c, r.Status, r.Problem)
}

// answer sends v as JSON signed with the oracle's key over the exact bytes.
func (s *Server) answer(c *fiber.Ctx, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	sig, err := wire.Sign(s.key, wire.DomainAnswer, body)
	if err != nil {
		return err
	}
	c.Set(wire.KeyHeader, s.key.PublicKey().String())
	c.Set(wire.SignatureHeader, sig.String())
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Status(status).Send(body)
}
