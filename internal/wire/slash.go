package wire

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/gagliardetto/solana-go"
)

// SlashPath is where an oracle co-signs a slash (POST a SlashRequest; the answer is a
// SlashAnswer). The registry's slash needs the signatures of a quorum of oracles on the
// transaction itself; whoever assembles it (the keeper) asks each oracle, and each signs only
// when its own records show the offence.
const SlashPath = "/v1/slash"

// SlashRequest asks an oracle to co-sign Message, a transaction message (its exact bytes) that
// holds one instruction: the registry's slash of Device (the registry Device) for Offence
// (the registry's offence numbers), with the offence's evidence hash:
//   - job abandonment: AbandonmentEvidence(Job, Slot, Device), the device having left Slot of
//     Job, which the slash names;
//   - a failed challenge: FailedChallengeEvidence(Device, Failures), Failures being the
//     device's challenges_failed, the count of the registry's quorum tallies; no job.
type SlashRequest struct {
	Offence  uint8            `json:"offence"`
	Device   solana.PublicKey `json:"device"`
	Job      solana.PublicKey `json:"job,omitempty"`
	Slot     uint8            `json:"slot,omitempty"`
	Failures uint32           `json:"failures,omitempty"`
	Message  []byte           `json:"message"`
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

// How an abandonment is judged, in heartbeat intervals after the device left (its slot's
// left_at): no oracle judges before AbandonmentJudgedAfter of them passed (ReasonTooEarly), and
// an oracle signs only when the device's last credited heartbeat ended before
// AbandonmentHeardWithin of them. A device that serves keeps beating after it leaves a job, so
// by then its credit runs well past that; a gone host's ended before it was replaced (a quorum
// saw it down over an interval). The margin absorbs the chain's clock, in whole seconds and
// trailing the oracles' by up to a second or two.
const (
	AbandonmentJudgedAfter = 3
	AbandonmentHeardWithin = 2
)

// ReasonTooEarly: asked to judge an abandonment before AbandonmentJudgedAfter intervals passed
// (425).
const ReasonTooEarly Reason = "too_early"

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

// FailedChallengeEvidence is the evidence hash of device's failures-th failed challenge as the
// registry tallied it: one slash per tallied failure, whoever assembles it.
func FailedChallengeEvidence(device solana.PublicKey, failures uint32) [32]byte {
	h := sha256.New()
	h.Write([]byte("gpunet/failed-challenge/v1\x00"))
	h.Write(device[:])
	h.Write(binary.LittleEndian.AppendUint32(nil, failures))
	var out [32]byte
	h.Sum(out[:0])
	return out
}
