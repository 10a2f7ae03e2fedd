package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// ProblemBase prefixes the type URI of every problem the API answers with; the type's last
// segment is the problem's kind (bad-parameter, not-found...).
const ProblemBase = "https://github.com/gpunet/gpunet/blob/main/indexer/api/README.md#"

// Problem is an RFC 9457 problem detail, the body of every refusal (application/problem+json).
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	// Instance is the request's path.
	Instance string `json:"instance,omitempty"`
	// Param names the parameter a bad-parameter problem is about.
	Param string `json:"param,omitempty"`
}

func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

// problem is a refusal of kind with status.
func problem(status int, kind, detail string) *Problem {
	return &Problem{Type: ProblemBase + kind, Title: http.StatusText(status), Status: status, Detail: detail}
}

// badParam is a 400 about parameter name (its detail at most 240 bytes: it may quote the value).
func badParam(name, detail string) *Problem {
	if len(detail) > 240 {
		detail = strings.ToValidUTF8(detail[:240], "") + "..."
	}
	p := problem(http.StatusBadRequest, "bad-parameter", name+": "+detail)
	p.Param = name
	return p
}

// fail answers err as problem+json: a *Problem as it is, a fiber error (a route that does not
// exist, a request fasthttp refused) under its status, anything else as 503: the database
// or an oracle failed, never the request.
func (s *Server) fail(c *fiber.Ctx, err error) error {
	var p *Problem
	var fe *fiber.Error
	switch {
	case errors.As(err, &p):
	case errors.As(err, &fe):
		kind := "bad-request"
		switch fe.Code {
		case http.StatusNotFound:
			kind = "not-found"
		case http.StatusMethodNotAllowed:
			kind = "method-not-allowed"
		case http.StatusRequestHeaderFieldsTooLarge:
			kind = "request-too-large"
		}
		p = problem(fe.Code, kind, fe.Message)
		if fe.Code >= 500 {
			p = problem(http.StatusServiceUnavailable, "unavailable", "the explorer cannot answer now")
		}
	default:
		s.deps.Log.Warn("explorer api", "path", c.Path(), "err", err)
		p = problem(http.StatusServiceUnavailable, "unavailable", "the explorer cannot read its database now; retry later")
	}
	q := *p
	q.Instance = c.Path()
	if len(q.Instance) > 200 {
		q.Instance = strings.ToValidUTF8(q.Instance[:200], "") + "..."
	}
	body, _ := json.Marshal(&q)
	c.Set(fiber.HeaderContentType, "application/problem+json")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(q.Status).Send(body)
}
