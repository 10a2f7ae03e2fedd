package wire

import "github.com/gagliardetto/solana-go"

// DeviceStatus is an oracle's public, read-only view of one device (GET StatusPath + device),
// signed like every answer: what it last received, and what it sent on-chain about the device.
// It lets a worker, an explorer or a dashboard say why a device that looks ready on its host is
// down on the network.
type DeviceStatus struct {
	Oracle solana.PublicKey `json:"oracle"`
	Device solana.PublicKey `json:"device"`
	// LastHeartbeat is nil when this oracle never accepted one from the device.
	LastHeartbeat *HeartbeatSeen `json:"last_heartbeat"`
	// Submissions are this oracle's latest transactions about the device, newest first.
	Submissions []Submission `json:"submissions"`
	// LastChallenge is this oracle's latest proof-of-compute challenge of the device (nil: none).
	LastChallenge *ChallengeSeen `json:"last_challenge,omitempty"`
}

// ChallengeSeen is an oracle's latest challenge of a device. Outcome is offered or rooted while
// it runs, then passed, or the failure's finding: wrong, slow or unanswered.
type ChallengeSeen struct {
	IssuedAt  int64  `json:"issued_at_ms"` // the oracle's clock
	N         int    `json:"n"`
	Outcome   string `json:"outcome"`
	ElapsedMs int64  `json:"elapsed_ms,omitempty"` // offer to root, once the root came
	Score     uint64 `json:"score,omitempty"`
}

// HeartbeatSeen is the last heartbeat an oracle accepted from a device.
type HeartbeatSeen struct {
	Sequence  uint64 `json:"sequence"`
	Timestamp int64  `json:"timestamp_ms"` // the worker's clock
	// ReceivedAt and CreditedUntil are the oracle's clock; equal when the heartbeat came late
	// and credited nothing.
	ReceivedAt    int64     `json:"received_at_ms"`
	CreditedUntil int64     `json:"credited_until_ms"`
	Late          bool      `json:"late"`
	Telemetry     Telemetry `json:"telemetry"`
	Health        GPUHealth `json:"gpu_health"`
}

// GPUHealth sums up a heartbeat's GPUs.
type GPUHealth struct {
	GPUs     int      `json:"gpus"`
	Healthy  int      `json:"healthy"`
	Problems []string `json:"problems,omitempty"`
}

// Submission is one transaction an oracle sent about a device: its vote on a window ("vote",
// the cumulative uptime since Base), or a count or close of a window.
type Submission struct {
	Kind       string `json:"kind"`
	Window     uint64 `json:"window"`
	Base       uint64 `json:"base"`
	UptimeSecs uint32 `json:"uptime_secs"`
	Signature  string `json:"signature"`
	State      string `json:"state"` // pending, landed or failed
	Error      string `json:"error,omitempty"`
	At         int64  `json:"at_ms"`
}
