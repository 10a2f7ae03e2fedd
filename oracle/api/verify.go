package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/wire"
)

// Refusal is a refused request: its HTTP status and the problem answered.
type Refusal struct {
	Status int
	wire.Problem
}

func refuse(status int, reason wire.Reason, msg string) *Refusal {
	return &Refusal{Status: status, Problem: wire.Problem{Reason: reason, Message: msg}}
}

// Verifier makes the checks a heartbeat passes before anything is read or stored: the device
// key's signature over the exact body, strict decoding, this oracle named, the signer being
// the device, and a timestamp within ClockSkew of the oracle's clock.
type Verifier struct {
	Oracle    solana.PublicKey
	ClockSkew time.Duration
}

// Verify checks a heartbeat request (headers key and sig, the body) received at now.
func (v Verifier) Verify(key, sig string, body []byte, now time.Time) (*wire.Heartbeat, *Refusal) {
	signer, r := signedBy(key, sig, body)
	if r != nil {
		return nil, r
	}
	hb, err := decode(body)
	if err != nil {
		return nil, refuse(http.StatusBadRequest, wire.ReasonMalformed, err.Error())
	}
	if hb.Oracle != v.Oracle {
		return nil, refuse(http.StatusBadRequest, wire.ReasonWrongOracle, "the heartbeat names oracle "+hb.Oracle.String())
	}
	if hb.Device != signer {
		return nil, refuse(http.StatusBadRequest, wire.ReasonWrongDevice, "signed by "+signer.String()+", not the device "+hb.Device.String())
	}
	if d := now.Sub(time.UnixMilli(hb.Timestamp)); d > v.ClockSkew || d < -v.ClockSkew {
		return nil, refuse(http.StatusBadRequest, wire.ReasonStale, "timestamp "+d.Round(time.Millisecond).String()+" from the oracle's clock, more than "+v.ClockSkew.String())
	}
	return hb, nil
}

// signedBy is the key (header key) whose request signature (header sig) is over body.
func signedBy(key, sig string, body []byte) (solana.PublicKey, *Refusal) {
	signer, err := solana.PublicKeyFromBase58(key)
	if err != nil {
		return signer, refuse(http.StatusUnauthorized, wire.ReasonBadSignature, "missing or malformed "+wire.KeyHeader)
	}
	s, err := solana.SignatureFromBase58(sig)
	if err != nil {
		return signer, refuse(http.StatusUnauthorized, wire.ReasonBadSignature, "missing or malformed "+wire.SignatureHeader)
	}
	if wire.Verify(signer, wire.DomainRequest, body, s) != nil {
		return signer, refuse(http.StatusUnauthorized, wire.ReasonBadSignature, "the signature is not the key's over this body")
	}
	return signer, nil
}

var errTrailing = errors.New("data after the request")

// decode reads exactly one heartbeat: unknown top-level fields refused (telemetry keeps its
// own extensions, see wire.Telemetry), a sequence that fits PostgreSQL's bigint, telemetry
// present, at most a job's other slots as Ray members.
func decode(body []byte) (*wire.Heartbeat, error) {
	hb, err := strict[wire.Heartbeat](body)
	if err != nil {
		return nil, err
	}
	if hb.Sequence == 0 || hb.Sequence > math.MaxInt64 {
		return nil, errors.New("sequence must be 1 to 2^63-1")
	}
	if hb.Telemetry.Version < 1 {
		return nil, errors.New("telemetry missing")
	}
	if j := hb.Telemetry.Job; j != nil && len(j.Members) >= int(escrow.MaxSlots) {
		return nil, fmt.Errorf("a job has at most %d slots: %d members listed", escrow.MaxSlots, len(j.Members))
	}
	return hb, nil
}

// strict decodes exactly one T, refusing unknown fields.
func strict[T any](body []byte) (*T, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var v T
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errTrailing
	}
	return &v, nil
}
