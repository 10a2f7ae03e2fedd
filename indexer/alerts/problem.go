package alerts

import "github.com/gofiber/fiber/v2"

// Problem is an RFC 9457 problem with a stable reason.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Reason string `json:"reason"`
}

func (p *Problem) Error() string { return p.Reason + ": " + p.Detail }

func problem(status int, reason, detail string) *Problem {
	return &Problem{Type: "https://gpunet.dev/problems/" + reason, Title: titles[reason], Status: status, Detail: detail, Reason: reason}
}

var titles = map[string]string{
	"bad_request":    "The request is not valid",
	"bad_parameter":  "A parameter is not valid",
	"bad_signature":  "The owner's signature does not verify",
	"stale":          "The timestamp is outside the accepted window",
	"replayed":       "This signed request was already taken",
	"not_a_provider": "The owner has no registered provider",
	"too_many":       "The owner has too many webhooks",
	"conflict":       "The owner already has a webhook at this URL",
	"not_found":      "No such webhook of this owner",
	"unavailable":    "The database could not be reached",
}

func writeProblem(c *fiber.Ctx, p *Problem) error {
	c.Status(p.Status)
	c.Set(fiber.HeaderContentType, "application/problem+json")
	return c.JSON(p, "application/problem+json")
}
