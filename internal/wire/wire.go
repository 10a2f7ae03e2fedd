// Package wire is what a worker and an oracle say to each other over HTTP: the messages, how
// they are signed, and the reasons an oracle refuses one. The two daemons never import each
// other; both import this.
//
// Every request body is signed by the device key and every answer by the oracle's on-chain key,
// each over a domain tag and the exact bytes sent (headers SignatureHeader and KeyHeader), so no
// canonical encoding is needed and a signature made for one purpose cannot be replayed for
// another. A heartbeat carries a sequence number the oracle requires to increase strictly per
// device, so a replayed request is refused.
package wire

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/gagliardetto/solana-go"
)

// Headers of a signed request or answer.
const (
	// KeyHeader is the signer's public key (base58): the device key on a request, the oracle
	// key on an answer.
	KeyHeader = "X-Gpunet-Key"
	// SignatureHeader is the ed25519 signature (base58) of the domain tag and the body.
	SignatureHeader = "X-Gpunet-Signature"
)

// Domain tags: what a signature is for.
const (
	DomainRequest = "gpunet/worker-request/v1\x00"
	DomainAnswer  = "gpunet/oracle-answer/v1\x00"
)

// Signer signs a message (solana.PrivateKey is one; so is chain.Signer).
type Signer interface {
	PublicKey() solana.PublicKey
	Sign(message []byte) (solana.Signature, error)
}

// Sign signs body for domain.
func Sign(s Signer, domain string, body []byte) (solana.Signature, error) {
	return s.Sign(tagged(domain, body))
}

// ErrBadSignature means a signature does not verify for the key, domain and body.
var ErrBadSignature = errors.New("bad signature")

// Verify checks that sig is key's signature of body for domain.
func Verify(key solana.PublicKey, domain string, body []byte, sig solana.Signature) error {
	if !ed25519.Verify(key[:], tagged(domain, body), sig[:]) {
		return ErrBadSignature
	}
	return nil
}

// GetAnswer GETs url with client and decodes its answer into out (Exchange).
func GetAnswer(ctx context.Context, client *http.Client, url string, oracles []solana.PublicKey, out any) (solana.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return solana.PublicKey{}, err
	}
	return Exchange(client, req, oracles, out)
}

// Exchange sends req with client and decodes the answer into out: signed by one of oracles (at
// most 1 MiB read), with status 200. It returns the signer; any other status is an error naming
// it, wrapping the answer's *Problem when it is one (errors.As tells its Reason).
func Exchange(client *http.Client, req *http.Request, oracles []solana.PublicKey, out any) (solana.PublicKey, error) {
	resp, err := client.Do(req)
	if err != nil {
		return solana.PublicKey{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return solana.PublicKey{}, err
	}
	signer, err := VerifyAnswer(resp.Header, body, oracles)
	if err != nil {
		return signer, err
	}
	if resp.StatusCode != http.StatusOK {
		var p Problem
		if json.Unmarshal(body, &p) == nil && p.Reason != "" {
			return signer, fmt.Errorf("%s: %s: %w", req.URL, resp.Status, &p)
		}
		return signer, fmt.Errorf("%s: %s: %s", req.URL, resp.Status, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return signer, fmt.Errorf("%s: %w", req.URL, err)
	}
	return signer, nil
}

// ErrUntrusted is an answer that no oracle of the registry signed.
var ErrUntrusted = errors.New("answer not signed by a registry oracle")

// VerifyAnswer returns the oracle that signed answer, when it is one of oracles.
func VerifyAnswer(h http.Header, answer []byte, oracles []solana.PublicKey) (solana.PublicKey, error) {
	key, err := solana.PublicKeyFromBase58(h.Get(KeyHeader))
	if err != nil || !slices.Contains(oracles, key) {
		return solana.PublicKey{}, fmt.Errorf("%w (key %q)", ErrUntrusted, h.Get(KeyHeader))
	}
	sig, err := solana.SignatureFromBase58(h.Get(SignatureHeader))
	if err != nil {
		return solana.PublicKey{}, fmt.Errorf("%w: no signature", ErrUntrusted)
	}
	if err := Verify(key, DomainAnswer, answer, sig); err != nil {
		return solana.PublicKey{}, fmt.Errorf("%w: %w", ErrUntrusted, err)
	}
	return key, nil
}

func tagged(domain string, body []byte) []byte {
	return append([]byte(domain), body...)
}

// HeartbeatPath is where an oracle takes heartbeats (POST).
const HeartbeatPath = "/v1/heartbeat"

// StatusPath is an oracle's public, read-only view of one device (GET, device key as base58
// appended).
const StatusPath = "/v1/devices/"

// Heartbeat says "this device is up" to one oracle. It is valid only for the oracle it names
// (a heartbeat for one oracle cannot be credited by another) and only with a Sequence above
// the last one that oracle accepted from the device. Timestamp is the worker's clock (unix
// milliseconds): it only rejects stale replays; uptime is credited on the oracle's clock.
type Heartbeat struct {
	Device    solana.PublicKey `json:"device"`
	Oracle    solana.PublicKey `json:"oracle"`
	Sequence  uint64           `json:"sequence"`
	Timestamp int64            `json:"timestamp_ms"`
	Telemetry Telemetry        `json:"telemetry"`
}

// TelemetryVersion is the version of Telemetry this build writes.
const TelemetryVersion = 1

// Telemetry is what the host sees. It is versioned and grows by new optional sections (the
// renter loop adds Ray's state); an oracle keeps sections it does not know as they came.
type Telemetry struct {
	Version int   `json:"version"`
	GPUs    []GPU `json:"gpus"`
	// Problems are the host's own findings (a GPU lost since the last detection, an Xid
	// error, a driver missing), in words for an operator.
	Problems []string `json:"problems,omitempty"`
	// Job is the Ray node the device runs for the job it is hired on (nil: none). The oracles
	// attest a job's usage from it.
	Job *JobNode `json:"job,omitempty"`
	// Extra keeps sections a newer worker sends, untouched.
	Extra map[string]json.RawMessage `json:"-"`
}

// GPU is one device the host found, as NVML reports it.
type GPU struct {
	UUID          string `json:"uuid"`
	Model         string `json:"model"`
	MemoryBytes   uint64 `json:"memory_bytes"`
	Driver        string `json:"driver"`
	CUDA          string `json:"cuda"`
	TemperatureC  uint32 `json:"temperature_c"`
	PowerMilliW   uint32 `json:"power_mw"`
	UtilizationPc uint32 `json:"utilization_pct"`
	ECCErrors     uint64 `json:"ecc_errors"`
	XidErrors     uint64 `json:"xid_errors"`
	// ForeignProcesses counts processes on the GPU that are not the worker's own.
	ForeignProcesses int  `json:"foreign_processes"`
	Healthy          bool `json:"healthy"`
}

var telemetryFields = map[string]bool{"version": true, "gpus": true, "problems": true, "job": true}

// HeadSlot is the job slot whose device runs the Ray head; the devices of the other slots join
// its cluster as members.
const HeadSlot = 0

// JobNode is a device's Ray node on a job: whether it is alive, and for the head, the member
// devices (by device key) whose nodes are alive in its cluster. A member's second counts as
// verified usage only while both it and the head say so; the head's own counts on its word.
type JobNode struct {
	Job     solana.PublicKey   `json:"job"`
	Alive   bool               `json:"alive"`
	Members []solana.PublicKey `json:"members,omitempty"`
}

// MarshalJSON writes the known sections and Extra's.
func (t Telemetry) MarshalJSON() ([]byte, error) {
	type known Telemetry
	out, err := json.Marshal(known(t))
	if err != nil || len(t.Extra) == 0 {
		return out, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(out, &all); err != nil {
		return nil, err
	}
	for k, v := range t.Extra {
		if !telemetryFields[k] {
			all[k] = v
		}
	}
	return json.Marshal(all)
}

// UnmarshalJSON reads the known sections and keeps the others in Extra.
func (t *Telemetry) UnmarshalJSON(data []byte) error {
	type known Telemetry
	var k known
	if err := json.Unmarshal(data, &k); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	for name := range telemetryFields {
		delete(all, name)
	}
	*t = Telemetry(k)
	if len(all) > 0 {
		t.Extra = all
	}
	if t.Version < 1 {
		return fmt.Errorf("telemetry version %d: want 1 or more", t.Version)
	}
	return nil
}

// HeartbeatAck is an oracle's answer to an accepted heartbeat: what it credits, on its clock.
type HeartbeatAck struct {
	Oracle   solana.PublicKey `json:"oracle"`
	Device   solana.PublicKey `json:"device"`
	Sequence uint64           `json:"sequence"`
	// ReceivedAt and CreditedUntil (unix milliseconds, the oracle's clock) bound the uptime
	// this heartbeat proves: receipt + heartbeat interval + 1 s.
	ReceivedAt    int64 `json:"received_at_ms"`
	CreditedUntil int64 `json:"credited_until_ms"`
	// IntervalSecs is the registry's heartbeat interval the oracle credits by.
	IntervalSecs uint32 `json:"interval_secs"`
	// Challenge is a proof-of-compute challenge offered to the device, if any (challenge.go).
	Challenge *ChallengeOffer `json:"challenge,omitempty"`
}

// Reason is why an oracle refused a request, for programs to act on.
type Reason string

const (
	ReasonMalformed     Reason = "malformed"           // 400: not the JSON this API takes
	ReasonTooLarge      Reason = "too_large"           // 413
	ReasonBadSignature  Reason = "bad_signature"       // 401: missing, or not the key's
	ReasonWrongOracle   Reason = "wrong_oracle"        // 400: the heartbeat names another oracle
	ReasonWrongDevice   Reason = "wrong_device"        // 400: signed by a key that is not the device's
	ReasonReplayed      Reason = "replayed"            // 409: sequence not above the last accepted
	ReasonStale         Reason = "stale"               // 400: timestamp too far from the oracle's clock
	ReasonUnknownDevice Reason = "unknown_device"      // 404: no such device in the registry
	ReasonDeregistered  Reason = "device_deregistered" // 403
	ReasonSuspended     Reason = "device_suspended"    // 403
	ReasonRateLimited   Reason = "rate_limited"        // 429
	ReasonUnavailable   Reason = "unavailable"         // 503: the oracle cannot store or read now
)

// Problem is the body of every refusal.
type Problem struct {
	Reason  Reason `json:"reason"`
	Message string `json:"message"`
}

func (p *Problem) Error() string { return fmt.Sprintf("%s: %s", p.Reason, p.Message) }
