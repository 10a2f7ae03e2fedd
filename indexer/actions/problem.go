package actions

import "github.com/gpunet/gpunet/indexer/problem"

// Problem is a refusal; its Message repeats Detail, as the Actions' ActionError reads it.
type Problem = problem.Problem

// refuse makes a refusal with status, a stable reason and what the caller did wrong.
func refuse(status int, reason, detail string) *Problem {
	p := problem.New(status, reason, detail, titles)
	p.Message = detail
	return p
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
