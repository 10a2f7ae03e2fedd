package oracle_test

import (
	"bytes"
	"crypto/sha256"
	"net/http"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/wire"
)

// Every refusal of the heartbeat endpoint, each with its exact status and reason and nothing
// stored; an accepted heartbeat, a late one (kept, never credited), replays after a restart,
// the rate limit, and the public status.
func TestHeartbeatRefusals(t *testing.T) {
	e := chaintest.New(t)
	e.InitRegistry(t, solana.NewWallet().PublicKey(), fastRegistry)
	honest := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO)
	gone := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 0)
	require.NoError(t, e.Send([]solana.PrivateKey{gone.Owner}, chaintest.Must(e.Registry.DeregisterDevice(gone.Owner.PublicKey(), gone.DeviceKey.PublicKey(), gone.Token))))
	slashed := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO)
	require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper, e.Oracles[0], e.Oracles[1]}, chaintest.Must(e.Registry.Slash(e.Keeper.PublicKey(), slashed.Owner.PublicKey(),
		slashed.DeviceKey.PublicKey(), e.IOMint, registry.OffenceDowntime, sha256.Sum256([]byte("down")), e.Oracles[0].PublicKey(), e.Oracles[1].PublicKey()))))
	require.Equal(t, registry.StatusSuspended, e.Device(t, slashed).Status)
	limited := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO)

	dsn := database(t)
	o := start(t, e, e.Oracles[0], dsn, "-max-body", "2048", "-clock-skew", "1m", "-rate-burst", "6", "-rate-every", "1h")
	db := openDB(t, dsn)
	me, dev, now := o.key.PublicKey(), honest.DeviceKey, time.Now()
	valid := heartbeat(dev.PublicKey(), me, 5, now)
	stranger := solana.NewWallet().PrivateKey

	tests := []struct {
		name   string
		signer solana.PrivateKey
		body   []byte
		sign   []byte // signed instead of body, when set
		status int
		reason wire.Reason
	}{
		{"not JSON", dev, []byte(`{"device":`), nil, http.StatusBadRequest, wire.ReasonMalformed},
		{"unknown field", dev, bytes.Replace(valid, []byte(`{`), []byte(`{"admin":true,`), 1), nil, http.StatusBadRequest, wire.ReasonMalformed},
		{"two objects", dev, append(append([]byte{}, valid...), valid...), nil, http.StatusBadRequest, wire.ReasonMalformed},
		{"no telemetry", dev, []byte(`{"device":"` + dev.PublicKey().String() + `","oracle":"` + me.String() + `","sequence":9,"timestamp_ms":1}`), nil, http.StatusBadRequest, wire.ReasonMalformed},
		{"sequence zero", dev, heartbeat(dev.PublicKey(), me, 0, now), nil, http.StatusBadRequest, wire.ReasonMalformed},
		{"oversized", dev, bytes.Repeat([]byte(" "), 4096), nil, http.StatusRequestEntityTooLarge, wire.ReasonTooLarge},
		{"no signature", nil, valid, nil, http.StatusUnauthorized, wire.ReasonBadSignature},
		{"signature of another body", dev, valid, heartbeat(dev.PublicKey(), me, 6, now), http.StatusUnauthorized, wire.ReasonBadSignature},
		{"foreign device key", stranger, valid, nil, http.StatusBadRequest, wire.ReasonWrongDevice},
		{"another oracle", dev, heartbeat(dev.PublicKey(), e.Oracles[1].PublicKey(), 5, now), nil, http.StatusBadRequest, wire.ReasonWrongOracle},
		{"timestamp too old", dev, heartbeat(dev.PublicKey(), me, 5, now.Add(-2*time.Minute)), nil, http.StatusBadRequest, wire.ReasonStale},
		{"timestamp ahead", dev, heartbeat(dev.PublicKey(), me, 5, now.Add(2*time.Minute)), nil, http.StatusBadRequest, wire.ReasonStale},
		{"unknown device", stranger, heartbeat(stranger.PublicKey(), me, 1, now), nil, http.StatusNotFound, wire.ReasonUnknownDevice},
		{"deregistered device", gone.DeviceKey, heartbeat(gone.DeviceKey.PublicKey(), me, 1, now), nil, http.StatusForbidden, wire.ReasonDeregistered},
		{"suspended device", slashed.DeviceKey, heartbeat(slashed.DeviceKey.PublicKey(), me, 1, now), nil, http.StatusForbidden, wire.ReasonSuspended},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := postSigned(t, o, tc.signer, tc.body, tc.sign)
			require.Equal(t, tc.status, a.status, string(a.body))
			require.Equal(t, tc.reason, a.problem(t).Reason)
			require.Equal(t, 0, rows(t, db, "heartbeats"))
			require.Equal(t, 0, rows(t, db, "devices"))
		})
	}

	t.Run("accepted, then replays refused", func(t *testing.T) {
		ack := post(t, o, dev, valid).ack(t)
		require.Equal(t, wire.HeartbeatAck{Oracle: me, Device: dev.PublicKey(), Sequence: 5, ReceivedAt: ack.ReceivedAt, CreditedUntil: ack.ReceivedAt + 2_000, IntervalSecs: 1}, ack)
		for _, seq := range []uint64{5, 4} {
			a := post(t, o, dev, heartbeat(dev.PublicKey(), me, seq, time.Now()))
			require.Equal(t, http.StatusConflict, a.status)
			require.Equal(t, wire.ReasonReplayed, a.problem(t).Reason)
		}
		require.Equal(t, 1, rows(t, db, "heartbeats"))
	})
	t.Run("late: kept as telemetry, never credited", func(t *testing.T) {
		ack := post(t, o, dev, heartbeat(dev.PublicKey(), me, 6, time.Now().Add(-30*time.Second))).ack(t)
		require.Equal(t, ack.ReceivedAt, ack.CreditedUntil)
		require.Equal(t, 2, rows(t, db, "heartbeats"))
		var credited int
		require.NoError(t, db.QueryRow(e.Ctx, "SELECT count(*) FROM heartbeats WHERE credited_until_ms IS NOT NULL").Scan(&credited))
		require.Equal(t, 1, credited)
	})
	t.Run("rate limited per device", func(t *testing.T) {
		k := limited.DeviceKey
		for seq := uint64(1); seq <= 6; seq++ {
			post(t, o, k, heartbeat(k.PublicKey(), me, seq, time.Now())).ack(t)
		}
		a := post(t, o, k, heartbeat(k.PublicKey(), me, 7, time.Now()))
		require.Equal(t, http.StatusTooManyRequests, a.status)
		require.Equal(t, wire.ReasonRateLimited, a.problem(t).Reason)
		require.Equal(t, 8, rows(t, db, "heartbeats"))
		post(t, o, dev, heartbeat(dev.PublicKey(), me, 7, time.Now())).ack(t) // another device is not limited
	})
	t.Run("status", func(t *testing.T) {
		a, _ := status(t, o, "not-a-key")
		require.Equal(t, http.StatusBadRequest, a.status)
		require.Equal(t, wire.ReasonMalformed, a.problem(t).Reason)
		a, s := status(t, o, dev.PublicKey().String())
		require.Equal(t, http.StatusOK, a.status)
		require.Equal(t, uint64(7), s.LastHeartbeat.Sequence)
		require.False(t, s.LastHeartbeat.Late)
		require.Equal(t, wire.GPUHealth{GPUs: 1, Healthy: 1}, s.LastHeartbeat.Health)
		_, s = status(t, o, stranger.PublicKey().String())
		require.Nil(t, s.LastHeartbeat)
	})
	t.Run("replays stay refused after a restart", func(t *testing.T) {
		require.NoError(t, o.stop())
		o = start(t, e, e.Oracles[0], dsn)
		a := post(t, o, dev, heartbeat(dev.PublicKey(), me, 7, time.Now()))
		require.Equal(t, http.StatusConflict, a.status)
		require.Equal(t, wire.ReasonReplayed, a.problem(t).Reason)
		post(t, o, dev, heartbeat(dev.PublicKey(), me, 8, time.Now())).ack(t)
		require.Equal(t, 10, rows(t, db, "heartbeats"))
	})
}

// postSigned is post with a signature over sign instead of body, when sign is set.
func postSigned(t *testing.T, o *running, signer solana.PrivateKey, body, sign []byte) answer {
	if sign == nil {
		return post(t, o, signer, body)
	}
	req, err := http.NewRequest(http.MethodPost, o.url+wire.HeartbeatPath, bytes.NewReader(body))
	require.NoError(t, err)
	sig, err := wire.Sign(signer, wire.DomainRequest, sign)
	require.NoError(t, err)
	req.Header.Set(wire.KeyHeader, signer.PublicKey().String())
	req.Header.Set(wire.SignatureHeader, sig.String())
	return do(t, o, req)
}
