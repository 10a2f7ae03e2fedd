package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gofiber/fiber/v2"

	"github.com/gpunet/gpunet/internal/wire"
	"github.com/gpunet/gpunet/oracle/challenge"
)

// Challenges serves the proof-of-compute challenge (wire.ChallengeRootPath and
// wire.ChallengeProofPath) with c, and offers c's challenges in heartbeat answers.
func (s *Server) Challenges(c *challenge.Service) {
	s.challenges = c
	s.app.Post(wire.ChallengeRootPath, func(f *fiber.Ctx) error {
		return challengeStep(s, f, c.Root)
	})
	s.app.Post(wire.ChallengeProofPath, func(f *fiber.Ctx) error {
		return challengeStep(s, f, c.Proof)
	})
}

// challengeStep checks a challenge request's signature and decodes it strictly, then answers
// what step says, signed. Both steps share the device's heartbeat rate limit.
func challengeStep[Req, Ans any](s *Server, f *fiber.Ctx, step func(context.Context, solana.PublicKey, *Req, time.Time) (*Ans, error)) error {
	now := s.now()
	signer, r := signedBy(f.Get(wire.KeyHeader), f.Get(wire.SignatureHeader), f.Body())
	if r != nil {
		return s.refuse(f, r)
	}
	req, err := strict[Req](f.Body())
	if err != nil {
		return s.refuse(f, refuse(http.StatusBadRequest, wire.ReasonMalformed, err.Error()))
	}
	if !s.devices.Allow(signer, now) {
		return s.refuse(f, refuse(http.StatusTooManyRequests, wire.ReasonRateLimited, "too many requests from this device"))
	}
	ctx, cancel := context.WithTimeout(f.UserContext(), s.timeout)
	defer cancel()
	ans, err := step(ctx, signer, req, now)
	var ce *challenge.Error
	switch {
	case errors.As(err, &ce):
		return s.refuse(f, refuse(ce.Status, ce.Reason, ce.Msg))
	case err != nil:
		return err
	}
	return s.answer(f, http.StatusOK, ans)
}

// bodyLimit refuses a body over max on every path but the multiproof's (which fiber's own
// limit, wire.MaxChallengeProofBody, bounds).
func bodyLimit(max int) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if len(c.Request().Body()) > max && c.Path() != wire.ChallengeProofPath {
			return fiber.ErrRequestEntityTooLarge
		}
		return c.Next()
	}
}
