package web_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/jobsecret"
)

// Vector is a job's Ray token sealed to the renter's key derived from its wallet's signature,
// made by internal/jobsecret and opened by the app (web/src/wallet/jobkey.ts, its Vitest test
// reads testdata/jobsecret.json).
type Vector struct {
	Job        string `json:"job"`
	WalletSeed string `json:"wallet_seed"` // hex ed25519 seed
	Message    string `json:"message"`     // jobsecret.WalletMessage(job)
	Signature  string `json:"signature"`   // hex
	Public     string `json:"public"`      // hex X25519 public key of KeyFromSignature
	Token      string `json:"token"`       // hex
	Sealed     string `json:"sealed"`      // hex
}

// TestJobSecretVector keeps testdata/jobsecret.json a vector that internal/jobsecret opens
// (-update remakes it from fixed inputs).
func TestJobSecretVector(t *testing.T) {
	var job [32]byte
	copy(job[:], bytes.Repeat([]byte{7}, 32))
	seed := bytes.Repeat([]byte{42}, ed25519.SeedSize)
	wallet := ed25519.NewKeyFromSeed(seed)
	msg := jobsecret.WalletMessage(job)
	sig := ed25519.Sign(wallet, msg)
	key, err := jobsecret.KeyFromSignature(sig)
	require.NoError(t, err)
	if *update {
		var token jobsecret.Token
		copy(token[:], bytes.Repeat([]byte{0xab, 0xcd}, 16))
		sealed, err := jobsecret.Seal(bytes.NewReader(bytes.Repeat([]byte{9}, 64)), token, key.Public(), job)
		require.NoError(t, err)
		pub := key.Public()
		v := Vector{Job: solana.PublicKeyFromBytes(job[:]).String(), WalletSeed: hex.EncodeToString(seed), Message: string(msg),
			Signature: hex.EncodeToString(sig), Public: hex.EncodeToString(pub[:]), Token: token.String(), Sealed: hex.EncodeToString(sealed)}
		b, err := json.MarshalIndent(v, "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile("testdata/jobsecret.json", append(b, '\n'), 0o644))
	}
	b, err := os.ReadFile("testdata/jobsecret.json")
	require.NoError(t, err)
	var v Vector
	require.NoError(t, json.Unmarshal(b, &v))
	require.Equal(t, string(msg), v.Message)
	require.Equal(t, hex.EncodeToString(sig), v.Signature)
	pub := key.Public()
	require.Equal(t, hex.EncodeToString(pub[:]), v.Public)
	sealed, err := hex.DecodeString(v.Sealed)
	require.NoError(t, err)
	token, err := jobsecret.Open(key, sealed, job)
	require.NoError(t, err)
	require.Equal(t, v.Token, token.String())
}
