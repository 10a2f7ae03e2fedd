package alerts

import "github.com/gpunet/gpunet/indexer/problem"

// Problem is a refusal.
type Problem = problem.Problem

func refuse(status int, reason, detail string) *Problem {
	return problem.New(status, reason, detail, titles)
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
