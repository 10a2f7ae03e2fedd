package actions

import (
	"github.com/gofiber/fiber/v2"
)

// Problem is an RFC 9457 problem; Message repeats Detail as the Actions' ActionError reads it.
type Problem struct {
	Type    string `json:"type"`
	Title   string `json:"title"`
	Status  int    `json:"status"`
	Detail  string `json:"detail"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

func (p *Problem) Error() string { return p.Reason + ": " + p.Detail }

// problem makes a refusal with status, a stable reason and what the caller did wrong.
func problem(status int, reason, detail string) *Problem {
	return &Problem{Type: "https://gpunet.dev/problems/" + reason, Title: reasonTitle(reason), Status: status, Detail: detail, Reason: reason, Message: detail}
}

func reasonTitle(reason string) string {
	if t, ok := titles[reason]; ok {
		return t
	}
	return reason
}

var titles = map[string]string{
	"bad_request":        "The request is not valid",
	"bad_account":        "The account is not a base58 public key",
	"bad_parameter":      "A parameter is out of range",
	"not_found":          "No such device",
	"not_owner":          "The account does not own the device",
	"insufficient_funds": "The account cannot pay",
	"nothing_to_claim":   "No attested rewards are unpaid",
	"no_match":           "Not enough devices match",
	"unavailable":        "The chain could not be read",
}

// writeProblem answers with p as application/problem+json.
func writeProblem(c *fiber.Ctx, p *Problem) error {
	c.Status(p.Status)
	c.Set(fiber.HeaderContentType, "application/problem+json")
	return c.JSON(p, "application/problem+json")
}
