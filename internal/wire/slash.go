package wire

import (
	"crypto/sha256"

	"github.com/gagliardetto/solana-go"
)

// SlashPath is where an oracle co-signs a slash (POST a SlashRequest; the answer is a
// SlashAnswer). The registry's slash needs the signatures of a quorum of oracles on the
// transaction itself; whoever assembles it (the keeper) asks each oracle, and each signs only
// when its own records show the offence.
const SlashPath = "/v1/slash"

// SlashRequest asks an oracle to co-sign Message, a transaction message (its exact bytes) that
// holds one instruction: the registry's slash of Device (the registry Device) for abandoning
// Job, its device leaving Slot, with AbandonmentEvidence as the evidence hash.
type SlashRequest struct {
	Job     solana.PublicKey `json:"job"`
	Slot    uint8            `json:"slot"`
	Device  solana.PublicKey `json:"device"`
	Message []byte           `json:"message"`
}

// SlashAnswer is an oracle's signature of the request's message.
type SlashAnswer struct {
	Oracle    solana.PublicKey `json:"oracle"`
	Signature solana.Signature `json:"signature"`
}

// Reasons of the slash endpoint.
const (
	ReasonNotASlash   Reason = "not_a_slash"  // 400: the message is not exactly the slash the request names
	ReasonNoEvidence  Reason = "no_evidence"  // 409: this oracle's records do not show the offence
	ReasonNotCosigner Reason = "not_cosigner" // 400: the message does not name this oracle as a read-only co-signer
)

// AbandonmentEvidence is the evidence hash of device's abandoning job's slot: one slash per
// abandonment, whoever assembles it.
func AbandonmentEvidence(job solana.PublicKey, slot uint8, device solana.PublicKey) [32]byte {
	h := sha256.New()
	h.Write([]byte("gpunet/abandonment/v1\x00"))
	h.Write(job[:])
	h.Write([]byte{slot})
	h.Write(device[:])
	var out [32]byte
	h.Sum(out[:0])
	return out
}
