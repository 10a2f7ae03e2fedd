// Package problem is the RFC 9457 refusal the indexer's Solana Actions and alerts' webhooks
// answer with (application/problem+json), with a stable reason a client can switch on.
package problem

import "github.com/gofiber/fiber/v2"

// TypeBase prefixes a problem's type: TypeBase + reason.
const TypeBase = "https://gpunet.dev/problems/"

// Problem is one refusal.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Reason string `json:"reason"`
	// Message repeats Detail where a convention reads it there (the Solana Actions' ActionError).
	Message string `json:"message,omitempty"`
}

func (p *Problem) Error() string { return p.Reason + ": " + p.Detail }

// New is a refusal with status, a stable reason, its title (titles[reason], else the reason)
// and what the caller did wrong.
func New(status int, reason, detail string, titles map[string]string) *Problem {
	title, ok := titles[reason]
	if !ok {
		title = reason
	}
	return &Problem{Type: TypeBase + reason, Title: title, Status: status, Detail: detail, Reason: reason}
}

// Write answers with p.
func Write(c *fiber.Ctx, p *Problem) error {
	c.Status(p.Status)
	return c.JSON(p, "application/problem+json")
}
