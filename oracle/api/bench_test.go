package api

import (
	"crypto/ed25519"
	"encoding/json"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/ratelimit"
	"github.com/gpunet/gpunet/internal/wire"
)

// BenchmarkVerify compares the oracle's whole check of a heartbeat before the registry and
// the database (headers' base58, the signature over the exact body, strict decoding, oracle,
// device and clock checks, the rate limiter) with one raw ed25519.Verify of the same message.
// ns/op of each gives per-core rates; make bench prints both.
func BenchmarkVerify(b *testing.B) {
	device, oracle := solana.NewWallet().PrivateKey, solana.NewWallet().PrivateKey
	now := time.Now()
	body, err := json.Marshal(wire.Heartbeat{Device: device.PublicKey(), Oracle: oracle.PublicKey(), Sequence: 7, Timestamp: now.UnixMilli(),
		Telemetry: wire.Telemetry{Version: 1, GPUs: []wire.GPU{{UUID: "GPU-0", Model: "H100", MemoryBytes: 80 << 30, Driver: "550.54", CUDA: "12.4", Healthy: true}}}})
	require.NoError(b, err)
	sig, err := wire.Sign(device, wire.DomainRequest, body)
	require.NoError(b, err)
	key, sigText := device.PublicKey().String(), sig.String()
	msg := append([]byte(wire.DomainRequest), body...)
	pub := ed25519.PublicKey(device.PublicKey().Bytes())

	b.Run("raw-ed25519", func(b *testing.B) {
		for b.Loop() {
			if !ed25519.Verify(pub, msg, sig[:]) {
				b.Fatal("bad signature")
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verify/s")
	})
	b.Run("heartbeat", func(b *testing.B) {
		v := Verifier{Oracle: oracle.PublicKey(), ClockSkew: time.Hour}
		l := ratelimit.New[solana.PublicKey](1<<30, time.Nanosecond, ratelimit.MaxTracked)
		for b.Loop() {
			hb, r := v.Verify(key, sigText, body, now)
			if r != nil || !l.Allow(hb.Device, now) {
				b.Fatal(r)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "heartbeats/s")
	})
}
