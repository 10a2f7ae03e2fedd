package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/keyfile"
	"github.com/gpunet/gpunet/internal/pg/pgtest"
	"github.com/gpunet/gpunet/internal/wire"
	"github.com/gpunet/gpunet/oracle"
)

// startOracle runs the real gpunet-oracle in-process with key against e's chain, on a fresh
// database, and returns its API's URL. (Test files may compose daemons; the code never does.)
func startOracle(t *testing.T, e *chaintest.Env, key solana.PrivateKey) string {
	ctx := context.Background()
	name, err := pgtest.Server().NewDatabase(ctx)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "oracle.json")
	require.NoError(t, keyfile.Save(path, key))
	api := fmt.Sprintf("127.0.0.1:%d", harness.Port(t))
	var logs harness.Buffer
	octx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- oracle.Run(octx, []string{"-listen", "127.0.0.1:0", "-api-listen", api, "-url", e.Node.RPCURL, "-keypair", path,
			"-database-url", pgtest.Server().DSN(name), "-prove-every", "300ms", "-prove-delay", "1s", "-registry-cache", "200ms",
			"-challenge-classes", ""}, &logs) // no challenge offers: this test is about heartbeats and votes
	}()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done, "%s", &logs)
		_ = pgtest.Server().DropDatabase(ctx, name)
	})
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), `"msg":"started"`) }, time.Minute, 10*time.Millisecond, "%s", &logs)
	return "http://" + api
}

func TestStatusReadsEachOracleAndSaysReadyHereDownOnTheNetwork(t *testing.T) {
	e := chaintest.New(t)
	e.InitRegistry(t, e.Keeper.PublicKey(), func(p *registry.ConfigParams) {
		p.HeartbeatIntervalSecs, p.ProofWindowSecs, p.VoteDeadlineSecs = 1, 3, 3
	})
	live := startOracle(t, e, e.Oracles[0])
	down := httptest.NewServer(nil)
	down.Close()
	config, device := newWorker(t, e)
	t.Setenv("GPUNET_WORKER_ORACLES", live+","+down.URL)

	status := func() Status {
		var s Status
		require.NoError(t, json.Unmarshal(worker(t, "status", "--config", config, "-o", "json"), &s))
		return s
	}
	// Not registered: the host is ready (CPU class, no problem), the network counts it down.
	s := status()
	require.Equal(t, device, s.Device)
	require.Nil(t, s.Chain)
	require.Equal(t, int64(1), s.HeartbeatIntervalSecs)
	require.Equal(t, []Reason{{Name: "NotRegistered", Message: "the device is not registered", Fix: "run `gpunet-worker register`"}}, s.NotHireable)
	require.True(t, s.ReadyHereDownThere)
	require.Len(t, s.Oracles, 2)
	require.Equal(t, OracleView{URL: live, Oracle: e.Oracles[0].PublicKey(), Code: 200,
		Seen: &wire.DeviceStatus{Oracle: e.Oracles[0].PublicKey(), Device: device, Submissions: []wire.Submission{}},
		Down: &Reason{Name: "NoHeartbeat", Message: "this oracle has never received a heartbeat from the device",
			Fix: "the oracles refuse its heartbeats (unknown_device): register the device: `gpunet-worker register`"}}, s.Oracles[0])
	require.Equal(t, down.URL, s.Oracles[1].URL)
	require.True(t, strings.HasPrefix(s.Oracles[1].Error, "oracle down: "), s.Oracles[1].Error)
	require.Equal(t, "OracleUnreachable", s.Oracles[1].Down.Name)
	text := string(worker(t, "status", "--config", config))
	require.Contains(t, text, "  "+live+" (oracle "+e.Oracles[0].PublicKey().String()+")\n    last heartbeat   none received\n    on-chain         nothing submitted yet\n"+
		"    DOWN: NoHeartbeat: this oracle has never received a heartbeat from the device\n      fix: the oracles refuse its heartbeats (unknown_device): register the device: `gpunet-worker register`\n")
	require.Contains(t, text, "\nREADY HERE, DOWN ON THE NETWORK: this host finds no hardware problem, but 2 of 2 oracles count the device down;")

	owner := e.Funded(t)
	e.TokenAccount(t, e.IOMint, owner.PublicKey(), 200*chaintest.IO)
	wallet := filepath.Join(t.TempDir(), "owner.json")
	require.NoError(t, keyfile.Save(wallet, owner))
	code, _, progress := execute("register", "--config", config, "-k", wallet)
	require.Equal(t, 0, code, progress)
	require.Equal(t, "... reading "+config+", the device key and this host's hardware\n"+
		"... device "+device.String()+", owner "+owner.PublicKey().String()+": reading the registry\n"+
		"... to do: create your Provider, register the device as hardware model 0, stake 20000000000 IO base units (minimum 20000000000)\n"+
		"... signing and sending; waiting for confirmation\n", progress)

	// Registered, `run` never started: still down, and now the fix is to run the worker.
	s = status()
	require.Equal(t, "Probation", s.Chain.Status)
	require.Equal(t, &Reason{Name: "NoHeartbeat", Message: "this oracle has never received a heartbeat from the device",
		Fix: "start `gpunet-worker run` (docs/provider.md has a systemd unit) and read its log: it says what each oracle answers"}, s.Oracles[0].Down)

	// Running: the live oracle credits its heartbeats and votes on-chain; only the oracle
	// that is down still counts it down.
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var out harness.Buffer
		require.NoError(t, Run(ctx, []string{"-config", config, "-listen", fmt.Sprintf("127.0.0.1:%d", harness.Port(t))}, &out), "%s", &out)
	}()
	landed := func(s Status) bool {
		for _, sub := range s.Oracles[0].Seen.Submissions {
			if sub.Kind == "vote" && sub.State == "landed" {
				return true
			}
		}
		return false
	}
	require.Eventually(t, func() bool { s = status(); return landed(s) }, 2*time.Minute, 200*time.Millisecond)
	text = string(worker(t, "status", "--config", config))
	cancel()
	wg.Wait()

	seen := s.Oracles[0].Seen
	require.Nil(t, s.Oracles[0].Down)
	require.NotNil(t, seen.LastHeartbeat)
	hb := *seen.LastHeartbeat
	require.False(t, hb.Late)
	require.Equal(t, wire.GPUHealth{}, hb.Health, "a CPU-class device reports no GPU")
	require.Equal(t, wire.TelemetryVersion, hb.Telemetry.Version)
	require.Equal(t, hb.ReceivedAt+2_000, hb.CreditedUntil, "credited for the interval and 1 s, on the oracle's clock")
	require.Greater(t, hb.Sequence, uint64(0))
	vote := seen.Submissions[len(seen.Submissions)-1]
	require.Equal(t, "vote", vote.Kind)
	require.NotEmpty(t, vote.Signature)
	require.Equal(t, "OracleUnreachable", s.Oracles[1].Down.Name)
	require.True(t, s.ReadyHereDownThere, "one oracle of two is down")
	require.Contains(t, text, "  stake            200 IO of 200 IO required (hardware model 0)\n")
	require.Contains(t, text, "    GPU health       no GPU (CPU class)\n")
	require.Contains(t, text, "    on-chain         vote window ")
	require.Contains(t, text, " s up since window ")
	require.Contains(t, text, "\nREADY HERE, DOWN ON THE NETWORK: this host finds no hardware problem, but 1 of 2 oracles count the device down;")
}

// downReason counts a device down after two intervals without a heartbeat, and says so for
// a late one.
func TestDownReasonWeighsTheLastHeartbeat(t *testing.T) {
	now := time.UnixMilli(1_000_000)
	probation := &OnChain{Status: "Probation"}
	view := func(receivedAgo time.Duration, late bool) *OracleView {
		at := now.Add(-receivedAgo).UnixMilli()
		return &OracleView{URL: "http://o", Seen: &wire.DeviceStatus{LastHeartbeat: &wire.HeartbeatSeen{Sequence: 7, ReceivedAt: at, CreditedUntil: at, Late: late}}}
	}
	require.Nil(t, downReason(view(10*time.Second, false), probation, 5*time.Second, now), "two intervals are still up")
	require.Equal(t, &Reason{Name: "HeartbeatsStopped", Message: "its last heartbeat (sequence 7) arrived 11s ago, more than 2 intervals of 5s",
		Fix: "is `gpunet-worker run` still running (`systemctl status gpunet-worker`)? Its log says what each oracle answers"},
		downReason(view(11*time.Second, false), probation, 5*time.Second, now))
	require.Equal(t, &Reason{Name: "HeartbeatsStopped", Message: "its last heartbeat (sequence 7) arrived 11s ago, more than 2 intervals of 5s",
		Fix: "the oracles refuse its heartbeats (device_suspended): " + RefusalFix(wire.ReasonSuspended)},
		downReason(view(11*time.Second, false), &OnChain{Status: "Suspended"}, 5*time.Second, now))
	require.Equal(t, "HeartbeatLate", downReason(view(time.Second, true), probation, 5*time.Second, now).Name)
	refused := &OracleView{Refused: &wire.Problem{Reason: wire.ReasonUnavailable, Message: "cannot read the database now"}}
	require.Equal(t, &Reason{Name: "unavailable", Message: "cannot read the database now", Fix: RefusalFix(wire.ReasonUnavailable)}, downReason(refused, probation, 5*time.Second, now))
}

// The last challenge line says the size, when it was issued, its outcome, the time to the
// root once it came, and the score only for a pass.
func TestStatusShowsEachOraclesLastChallenge(t *testing.T) {
	now := time.UnixMilli(1_000_000_000)
	issued := now.Add(-90 * time.Second).UnixMilli()
	line := func(c wire.ChallengeSeen) string {
		var b strings.Builder
		printOracle(&b, &OracleView{URL: "http://o", Seen: &wire.DeviceStatus{LastChallenge: &c}}, now)
		for _, l := range strings.Split(b.String(), "\n") {
			if strings.HasPrefix(l, "    last challenge") {
				return l
			}
		}
		return ""
	}
	at := time.UnixMilli(issued).Format(time.DateTime)
	require.Equal(t, "    last challenge   n = 1024 issued "+at+" (1m30s ago): passed, root after 212ms, score 268",
		line(wire.ChallengeSeen{IssuedAt: issued, N: 1024, Outcome: "passed", ElapsedMs: 212, Score: 268}))
	require.Equal(t, "    last challenge   n = 1024 issued "+at+" (1m30s ago): wrong, root after 1.5s",
		line(wire.ChallengeSeen{IssuedAt: issued, N: 1024, Outcome: "wrong", ElapsedMs: 1500, Score: 268}), "a failure shows no score")
	require.Equal(t, "    last challenge   n = 512 issued "+at+" (1m30s ago): offered",
		line(wire.ChallengeSeen{IssuedAt: issued, N: 512, Outcome: "offered"}), "no root yet: no time")
	var none strings.Builder
	printOracle(&none, &OracleView{URL: "http://o", Seen: &wire.DeviceStatus{}}, now)
	require.NotContains(t, none.String(), "last challenge", "no challenge yet: no line")
}

// The Ray node line says the job, whether the node is alive and, for a head, its members.
func TestStatusShowsTheJobsRayNode(t *testing.T) {
	job := solana.MustPublicKeyFromBase58("Ep8FBGdvYuvFYn4EbwCpfXuZKH9c6z7dDZUUPT7JPWqG")
	line := func(node *wire.JobNode) string {
		var b strings.Builder
		hb := &wire.HeartbeatSeen{Sequence: 1, Telemetry: wire.Telemetry{Version: 1, Job: node}}
		printOracle(&b, &OracleView{URL: "http://o", Seen: &wire.DeviceStatus{LastHeartbeat: hb}}, time.UnixMilli(0))
		for _, l := range strings.Split(b.String(), "\n") {
			if strings.HasPrefix(l, "    Ray node") {
				return l
			}
		}
		return ""
	}
	require.Equal(t, "    Ray node         job "+job.String()+": alive, head of 2 member nodes",
		line(&wire.JobNode{Job: job, Alive: true, Members: []solana.PublicKey{{1}, {2}}}))
	require.Equal(t, "    Ray node         job "+job.String()+": NOT alive", line(&wire.JobNode{Job: job}))
	require.Equal(t, "", line(nil), "no job: no line")
}
