package wire

import "github.com/gagliardetto/solana-go"

// JobsPath is the oracles' relay for a job's rendezvous, under the job's address (base58):
// GET JobsPath+job answers a JobBoard; PUT JobsPath+job+JobSpecPath takes the renter's
// signed spec; PUT JobsPath+job+JobNodePath takes a hired device's signed NodeAnnouncement;
// GET JobsPath+job+JobHealthPath answers the oracle's JobHealth.
// The relay stores and serves what the chain lets it check; every entry keeps its signer's
// signature, so a reader need not trust the oracle it asks.
const (
	JobsPath      = "/v1/jobs/"
	JobSpecPath   = "/spec"
	JobNodePath   = "/node"
	JobHealthPath = "/health"
)

// JobHealth is one oracle's judgement of a running job's hired devices, from the heartbeats it
// received, signed like every answer. The keeper replaces a device only when a quorum of
// oracles' reports, each fresh on the keeper's clock, say it is down.
type JobHealth struct {
	Oracle solana.PublicKey `json:"oracle"`
	Job    solana.PublicKey `json:"job"`
	At     int64            `json:"at_ms"` // the oracle's clock when it judged
	Slots  []SlotHealth     `json:"slots"` // the hired slots, by slot
}

// SlotHealth is an oracle's view of one hired slot. A device is down when its heartbeats
// stopped (ReasonNoHeartbeat) or when its Ray node is not alive on the job: it says so itself,
// or the head, itself up, no longer lists it (ReasonNodeLeft). Since is when the oracle last
// saw it serve the job (the end of its last credit; its joining when it never served).
type SlotHealth struct {
	Slot   uint8            `json:"slot"`
	Device solana.PublicKey `json:"device"` // the registry Device
	Up     bool             `json:"up"`
	Reason string           `json:"reason,omitempty"`
	Since  int64            `json:"since_ms,omitempty"`
}

// Reasons a hired slot is down, or not judged yet.
const (
	ReasonNoHeartbeat = "no_heartbeat"
	ReasonNodeLeft    = "node_left"
	// ReasonStarting: hired less than the oracle's start grace ago and its node never came up;
	// counted as up.
	ReasonStarting = "starting"
	// ReasonNoHead: a member whose node is not serving while the job's head is down, its
	// heartbeats on; counted as up (the head is the one to replace).
	ReasonNoHead = "no_head"
)

// JobSpec is the renter's off-chain description of a job. Its SHA-256 over the exact bytes
// signed is the job's on-chain requirements_hash, so the relay and the devices check it
// against the chain. RenterKey is the renter's per-job X25519 public key: the head seals the
// job's Ray token to it.
type JobSpec struct {
	Job       solana.PublicKey `json:"job"`
	Class     string           `json:"class"`
	Count     int              `json:"count"`
	MinVRAM   uint64           `json:"min_vram_gib,omitempty"`
	Region    uint16           `json:"region,omitempty"`
	Hours     float64          `json:"hours"`
	RenterKey [32]byte         `json:"renter_key"` // jobsecret.PublicKey
}

// NodeAnnouncement is what a hired device publishes for its Ray node on a job: the address
// its node advertises and, from the head, its ports and the job's Ray token sealed to the
// renter's key and to each member device (jobsecret.Seal). Timestamp (the device's clock,
// unix ms) orders a device's announcements: a newer one replaces an older one.
type NodeAnnouncement struct {
	Job       solana.PublicKey `json:"job"`
	Device    solana.PublicKey `json:"device"` // the device key, the signer
	Slot      uint8            `json:"slot"`
	Address   string           `json:"address"`
	Head      *HeadEndpoints   `json:"head,omitempty"`
	Timestamp int64            `json:"timestamp_ms"`
}

// HeadEndpoints are where the head's Ray serves, and the job's token sealed per recipient:
// "renter" for the renter's key, else the member's device key (base58).
type HeadEndpoints struct {
	GCSPort       int               `json:"gcs_port"`
	DashboardPort int               `json:"dashboard_port"`
	ClientPort    int               `json:"client_port"`
	Sealed        map[string][]byte `json:"sealed"`
}

// SealedForRenter is the key of the renter's sealed token in HeadEndpoints.Sealed.
const SealedForRenter = "renter"

// Signed is an entry as its signer sent it: the exact body (base64 in JSON, so no re-encoding
// can change a byte) and the signature over DomainRequest and the body, by the job's renter
// (a spec) or the device (a node).
type Signed struct {
	Body      []byte           `json:"body"`
	Signer    solana.PublicKey `json:"signer"`
	Signature solana.Signature `json:"signature"`
}

// JobBoard is a relay's answer for a job: the renter's spec, if published, and each hired
// device's latest announcement, by slot.
type JobBoard struct {
	Spec  *Signed          `json:"spec,omitempty"`
	Nodes map[uint8]Signed `json:"nodes"`
}

// Reasons of the relay's endpoints.
const (
	ReasonUnknownJob   Reason = "unknown_job"           // 404: no escrow Job at the address (PUT), nothing stored for it (GET)
	ReasonWrongJob     Reason = "wrong_job"             // 400: the body names another job than its path
	ReasonNotRenter    Reason = "not_renter"            // 403: a spec signed by a key that is not the job's renter
	ReasonRequirements Reason = "requirements_mismatch" // 409: SHA-256 of the spec is not the job's requirements_hash
	ReasonNotInSlot    Reason = "not_in_slot"           // 403: the slot does not hold the device, or it left
)
