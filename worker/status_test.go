package worker

import (
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/keyfile"
)

func TestStatusSaysWhyTheDeviceIsNotHireable(t *testing.T) {
	e := chaintest.New(t)
	e.InitRegistry(t, e.Keeper.PublicKey())
	oracle := (&fakeOracle{key: e.Oracles[0]}).serve(t)
	down := httptest.NewServer(nil)
	down.Close()
	config, device := newWorker(t, e)
	t.Setenv("GPUNET_WORKER_ORACLES", oracle.URL+","+down.URL)

	status := func() Status {
		var s Status
		require.NoError(t, json.Unmarshal(worker(t, "status", "--config", config, "-o", "json"), &s))
		return s
	}
	s := status()
	require.Equal(t, device, s.Device)
	require.Nil(t, s.Chain)
	require.Equal(t, []Reason{{Name: "NotRegistered", Message: "the device is not registered", Fix: "run `gpunet-worker register`"}}, s.NotHireable)
	require.JSONEq(t, `{"reason":"unknown_device","message":"no heartbeat yet"}`, string(s.Oracles[0].Answer))
	require.Equal(t, OracleView{URL: oracle.URL, Oracle: e.Oracles[0].PublicKey(), Code: 404}, OracleView{URL: s.Oracles[0].URL, Oracle: s.Oracles[0].Oracle, Code: s.Oracles[0].Code})
	require.Equal(t, down.URL, s.Oracles[1].URL)
	require.True(t, strings.HasPrefix(s.Oracles[1].Error, "oracle down: "), s.Oracles[1].Error)

	owner := e.Funded(t)
	e.TokenAccount(t, e.IOMint, owner.PublicKey(), 200*chaintest.IO)
	wallet := filepath.Join(t.TempDir(), "owner.json")
	require.NoError(t, keyfile.Save(wallet, owner))
	worker(t, "register", "--config", config, "-k", wallet)

	s = status()
	require.Equal(t, &OnChain{Status: "Probation", Stake: 200 * chaintest.IO, MinStake: 200 * chaintest.IO, ProbationSecs: 4, Reputation: 1_500,
		Spec: registry.DeviceSpec{HardwareModel: registry.ModelCPU}}, s.Chain)
	require.False(t, s.Hireable)
	require.Equal(t, []Reason{{Code: registry.ErrDeviceNotHireable.Code, Name: "DeviceNotHireable", Message: registry.ErrDeviceNotHireable.Msg,
		Fix: "in probation: 0 of 4 s proven; keep `gpunet-worker run` online (oracles credit only heartbeats they receive live) for 4 s more"}}, s.NotHireable)

	text := string(worker(t, "status", "--config", config))
	require.Contains(t, text, "  stake            20000000000 of 20000000000 required (hardware model 0)\n")
	require.Contains(t, text, "  "+down.URL+": oracle down: ")
	require.Contains(t, text, "Not hireable:\n  DeviceNotHireable: "+registry.ErrDeviceNotHireable.Msg+"\n    fix: in probation: 0 of 4 s proven;")
}
