package wire

import (
	"encoding/hex"
	"fmt"

	"github.com/gagliardetto/solana-go"
)

// The proof-of-compute challenge (oracle/README.md). Workers take no inbound connections, so
// the oracle offers a challenge in a heartbeat's answer (HeartbeatAck.Challenge) and the
// worker answers it with two requests, each signed by the device like a heartbeat and each
// answered signed by the oracle:
//
//  1. POST ChallengeRootPath a ChallengeRoot: the Merkle root of C. The oracle then draws the
//     positions from its own CSPRNG and answers a ChallengeOpen.
//  2. POST ChallengeProofPath a ChallengeProof: the multiproof of those positions, answered
//     with the ChallengeResult.
//
// A challenge ID is used once: a second root or proof for it is refused (ReasonReplayed).
const (
	ChallengeRootPath  = "/v1/challenge/root"
	ChallengeProofPath = "/v1/challenge/proof"
	// MaxChallengeProofBody bounds a ChallengeProof request: a multiproof of K = 1,380
	// positions is under 500 KB at n <= 4096 and grows by 1,380 * 32 bytes per doubling of
	// n, base64 adds a third.
	MaxChallengeProofBody = 1 << 20
)

// Reasons of the challenge endpoints.
const (
	ReasonUnknownChallenge Reason = "unknown_challenge" // 404: no challenge of this ID for the device at this oracle
	ReasonOutOfOrder       Reason = "out_of_order"      // 409: a proof before the root
	ReasonDeadlineMissed   Reason = "deadline_missed"   // 410: the root or the proof came after its deadline: the challenge failed
)

// Bytes32 is 32 bytes written as 64 hex digits.
type Bytes32 [32]byte

// MarshalText implements encoding.TextMarshaler.
func (b Bytes32) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(b[:])), nil }

// UnmarshalText implements encoding.TextUnmarshaler: exactly 64 hex digits.
func (b *Bytes32) UnmarshalText(text []byte) error {
	if len(text) != 64 {
		return fmt.Errorf("want 64 hex digits, have %d characters", len(text))
	}
	_, err := hex.Decode(b[:], text)
	return err
}

// ChallengeOffer is a challenge an oracle offers a device: compute C = A.B for (Seed, Device,
// N) (internal/poc) and send its root before RootDeadline. Times are the oracle's clock (unix
// ms); the time it measures runs from IssuedAt to the root's arrival.
type ChallengeOffer struct {
	ID           string           `json:"id"` // 32 hex digits from the oracle's CSPRNG
	Oracle       solana.PublicKey `json:"oracle"`
	Device       solana.PublicKey `json:"device"`
	N            int              `json:"n"`
	Seed         Bytes32          `json:"seed"`
	IssuedAt     int64            `json:"issued_at_ms"`
	RootDeadline int64            `json:"root_deadline_ms"`
	// OpenWithin is how long after the root's arrival the proof is due (ms).
	OpenWithin int64 `json:"open_within_ms"`
}

// ChallengeRoot is a device's commitment to C.
type ChallengeRoot struct {
	ID     string           `json:"id"`
	Oracle solana.PublicKey `json:"oracle"`
	Device solana.PublicKey `json:"device"`
	Root   Bytes32          `json:"root"`
}

// ChallengeOpen is the oracle's answer to a root: the K positions (i, j) of C to open, drawn
// after the root arrived, and when the proof is due (oracle's clock, unix ms).
type ChallengeOpen struct {
	ID            string           `json:"id"`
	Oracle        solana.PublicKey `json:"oracle"`
	Device        solana.PublicKey `json:"device"`
	Positions     [][2]int         `json:"positions"`
	ProofDeadline int64            `json:"proof_deadline_ms"`
}

// ChallengeProof is a device's multiproof of the positions (poc.Multiproof's binary encoding).
type ChallengeProof struct {
	ID     string           `json:"id"`
	Oracle solana.PublicKey `json:"oracle"`
	Device solana.PublicKey `json:"device"`
	Proof  []byte           `json:"proof"`
}

// ChallengeResult is the oracle's verdict.
type ChallengeResult struct {
	ID      string           `json:"id"`
	Oracle  solana.PublicKey `json:"oracle"`
	Device  solana.PublicKey `json:"device"`
	Passed  bool             `json:"passed"`
	Failure string           `json:"failure,omitempty"` // why it failed, for the operator
	// ElapsedMs is the time from the offer to the root, on the oracle's clock.
	ElapsedMs int64 `json:"elapsed_ms"`
	// Score is what this oracle reports on-chain as the device's benchmark (0 when failed).
	Score uint64 `json:"score"`
}
