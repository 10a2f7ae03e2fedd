package wire

import (
	"encoding/json"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"
)

func TestSignaturesAreBoundToDomainKeyAndBody(t *testing.T) {
	device, other := solana.NewWallet().PrivateKey, solana.NewWallet().PrivateKey
	body := []byte(`{"sequence":1}`)
	sig, err := Sign(device, DomainRequest, body)
	require.NoError(t, err)
	require.NoError(t, Verify(device.PublicKey(), DomainRequest, body, sig))

	require.ErrorIs(t, Verify(device.PublicKey(), DomainAnswer, body, sig), ErrBadSignature, "another purpose")
	require.ErrorIs(t, Verify(other.PublicKey(), DomainRequest, body, sig), ErrBadSignature, "another key")
	require.ErrorIs(t, Verify(device.PublicKey(), DomainRequest, []byte(`{"sequence":2}`), sig), ErrBadSignature, "another body")
}

func TestTelemetryKeepsSectionsItDoesNotKnow(t *testing.T) {
	in := []byte(`{"version":2,"gpus":[{"uuid":"GPU-1","model":"H100","memory_bytes":80,"driver":"550","cuda":"12.4","temperature_c":40,"power_mw":300000,"utilization_pct":5,"ecc_errors":0,"xid_errors":0,"foreign_processes":0,"healthy":true}],"ray":{"node":"abc","alive":true}}`)
	var tm Telemetry
	require.NoError(t, json.Unmarshal(in, &tm))
	require.Equal(t, 2, tm.Version)
	require.Equal(t, "H100", tm.GPUs[0].Model)
	require.JSONEq(t, `{"node":"abc","alive":true}`, string(tm.Extra["ray"]))

	out, err := json.Marshal(tm)
	require.NoError(t, err)
	require.JSONEq(t, string(in), string(out))
}

func TestTelemetryWithoutVersionIsRefused(t *testing.T) {
	var tm Telemetry
	require.EqualError(t, json.Unmarshal([]byte(`{"gpus":[]}`), &tm), "telemetry version 0: want 1 or more")
}

func TestBytes32IsExactly64HexDigits(t *testing.T) {
	var b Bytes32
	b[0], b[31] = 0xab, 0x01
	out, err := json.Marshal(ChallengeRoot{Root: b})
	require.NoError(t, err)
	var back ChallengeRoot
	require.NoError(t, json.Unmarshal(out, &back))
	require.Equal(t, b, back.Root)
	require.EqualError(t, json.Unmarshal([]byte(`"abcd"`), &b), "want 64 hex digits, have 4 characters")
}
