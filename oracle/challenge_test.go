package oracle_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/poc"
	"github.com/gpunet/gpunet/internal/wire"
	"github.com/gpunet/gpunet/worker/challenge"
	workerbeat "github.com/gpunet/gpunet/worker/heartbeat"
)

// cpuSpec is a CPU-class device.
var cpuSpec = registry.DeviceSpec{HardwareModel: registry.ModelCPU, Region: 276, BandwidthTier: 1}

// challengeFlags: a challenge every 2 s period; the CPU class at n = 512 (rated 1 s, so its
// score is 2 * 512^3 / 1 s = 268 million operations per second), the H100 class at n = 256
// due within 500 ms.
var challengeFlags = []string{"-rate-every", "100ms", "-challenge-period", "2s", "-challenge-open-within", "5s",
	"-challenge-classes", "0:512:1s:5s,3:256:100ms:500ms"}

const cpuScore = 268 // uint64(2 * 512^3 / 1e6)

// lazy commits zeros: it never multiplies.
type lazy struct{}

func (lazy) Name() string { return "lazy" }
func (lazy) Multiply(_ context.Context, _ int, _, _ []int8, c []int32) error {
	clear(c)
	return nil
}

// slow is the CPU backend on a machine far below the class it claims: 2 s per multiply.
type slow struct{ poc.CPU }

func (slow) Name() string { return "slow" }
func (s slow) Multiply(ctx context.Context, n int, a, b []int8, c []int32) error {
	time.Sleep(2 * time.Second)
	return s.CPU.Multiply(ctx, n, a, b, c)
}

// runWorker runs the real worker's heartbeat sender and challenge solver for p with backend
// against every oracle until the test ends.
func runWorker(t *testing.T, e *chaintest.Env, p chaintest.Provider, oracles []*running, backend poc.Backend) *harness.Buffer {
	seq, err := workerbeat.OpenSequence(t.TempDir())
	require.NoError(t, err)
	keys := []solana.PublicKey{e.Oracles[0].PublicKey(), e.Oracles[1].PublicKey(), e.Oracles[2].PublicKey()}
	logs := &harness.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	set := workerbeat.Set{Interval: time.Second, Oracles: keys}
	sender := workerbeat.NewSender(p.DeviceKey, seq, func() workerbeat.Set { return set },
		func() wire.Telemetry { return wire.Telemetry{Version: wire.TelemetryVersion} }, log, promauto.With(prometheus.NewRegistry()))
	solver := challenge.New(p.DeviceKey, backend, func() []solana.PublicKey { return keys }, log, promauto.With(prometheus.NewRegistry()))
	sender.OnChallenge = solver.Offer
	ctx, stop := context.WithCancel(e.Ctx)
	t.Cleanup(stop)
	go func() { _ = solver.Run(ctx) }()
	for _, o := range oracles {
		go func() { _ = sender.Run(ctx, o.url) }()
	}
	return logs
}

// findings are the challenges' (state, finding) pairs all oracles stored for device.
func findings(t *testing.T, oracles []*running, device solana.PublicKey) map[string]int {
	out := map[string]int{}
	for _, o := range oracles {
		rows, err := openDB(t, o.dsn).Query(context.Background(), `SELECT state, finding FROM challenges WHERE device = $1 AND state IN ('passed', 'failed')`, device.String())
		require.NoError(t, err)
		for rows.Next() {
			var state, finding string
			require.NoError(t, rows.Scan(&state, &finding))
			out[state+"/"+finding]++
		}
		require.NoError(t, rows.Err())
	}
	return out
}

// Three oracles challenge three devices over real HTTP, each in the periods poc.Assignee gives
// it: an honest CPU device passes every challenge and its on-chain benchmark is the CPU class's
// score; a lazy one (commits zeros) fails every one on the multiproof's check; a slow machine
// registered as an H100 misses the H100 deadline and is flagged slow. The on-chain record of
// each is exact once every oracle's outcome is in.
func TestChallengesReachTheChain(t *testing.T) {
	e := chaintest.New(t)
	// Quorum 2 of 3: an oracle whose vote comes after a window counted reports its challenge
	// outcome late, on the device's last counted window (the registry's late report).
	e.InitRegistry(t, solana.NewWallet().PublicKey(), fastRegistry)
	honest := e.NewProvider(t, cpuSpec, 1_000*chaintest.IO, 200*chaintest.IO)
	cheat := e.NewProvider(t, cpuSpec, 1_000*chaintest.IO, 200*chaintest.IO)
	spoof := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO)
	oracles := make([]*running, 3)
	for i := range oracles {
		oracles[i] = start(t, e, e.Oracles[i], database(t), challengeFlags...)
	}
	honestLogs := runWorker(t, e, honest, oracles, poc.CPU{})
	runWorker(t, e, cheat, oracles, lazy{})
	runWorker(t, e, spoof, oracles, slow{})

	// every oracle's latest outcome counted on-chain for each device
	all := func(p chaintest.Provider) *registry.Device {
		var d *registry.Device
		require.Eventually(t, func() bool { d = e.Device(t, p); return d.ChallengeMask == 0b111 }, 3*time.Minute, 500*time.Millisecond,
			"honest worker: %s", honestLogs)
		return d
	}
	d := all(honest)
	require.Equal(t, uint16(0b111), d.ChallengePassMask, "every oracle's latest challenge passed")
	require.Equal(t, uint64(cpuScore), d.BenchmarkScore)
	require.Equal(t, [16]uint64{cpuScore, cpuScore, cpuScore}, d.OracleBenchmark)
	require.Positive(t, d.ChallengesPassed)
	require.Zero(t, d.ChallengesFailed)
	f := findings(t, oracles, honest.DeviceKey.PublicKey())
	require.Equal(t, map[string]int{"passed/": f["passed/"]}, f, "no failure")

	d = all(cheat)
	require.Zero(t, d.ChallengePassMask, "every oracle's latest challenge failed")
	require.Zero(t, d.BenchmarkScore)
	require.Zero(t, d.ChallengesPassed)
	require.Positive(t, d.ChallengesFailed)
	f = findings(t, oracles, cheat.DeviceKey.PublicKey())
	require.Equal(t, map[string]int{"failed/wrong": f["failed/wrong"]}, f, "every one failed the check")

	d = all(spoof)
	require.Zero(t, d.ChallengePassMask)
	require.Zero(t, d.BenchmarkScore)
	require.Zero(t, d.ChallengesPassed)
	require.Positive(t, d.ChallengesFailed)
	f = findings(t, oracles, spoof.DeviceKey.PublicKey())
	require.Positive(t, f["failed/slow"], "flagged slow: %v", f)
	require.Zero(t, f["passed/"], "%v", f)

	slashFailedChallenges(t, e, oracles, cheat, honest)
}

// postTo sends body signed by signer to path of oracle o.
func postTo(t *testing.T, o *running, path string, signer solana.PrivateKey, msg any) answer {
	body, err := json.Marshal(msg)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, o.url+path, bytes.NewReader(body))
	require.NoError(t, err)
	sig, err := wire.Sign(signer, wire.DomainRequest, body)
	require.NoError(t, err)
	req.Header.Set(wire.KeyHeader, signer.PublicKey().String())
	req.Header.Set(wire.SignatureHeader, sig.String())
	return do(t, o, req)
}

// Exactly the assigned oracle offers a challenge; each step is taken once: a replayed root or
// proof, a proof before its root, or a step for another device's challenge is refused with its
// exact reason, and the honest answer passes.
func TestChallengeStepsAreOneUse(t *testing.T) {
	e := chaintest.New(t)
	e.InitRegistry(t, solana.NewWallet().PublicKey(), fastRegistry)
	p := e.NewProvider(t, cpuSpec, 1_000*chaintest.IO, 200*chaintest.IO)
	other := e.NewProvider(t, cpuSpec, 1_000*chaintest.IO, 200*chaintest.IO)
	flags := []string{"-rate-burst", "20", "-challenge-period", "1h", "-challenge-classes", "0:256:1s:5s"}
	oracles := make([]*running, 3)
	for i := range oracles {
		oracles[i] = start(t, e, e.Oracles[i], database(t), flags...)
	}
	device := p.DeviceKey.PublicKey()
	var (
		offer  *wire.ChallengeOffer
		oracle *running
		offers []int
	)
	for i, o := range oracles {
		if ack := post(t, o, p.DeviceKey, heartbeat(device, o.key.PublicKey(), 1, time.Now())).ack(t); ack.Challenge != nil {
			offer, oracle = ack.Challenge, o
			offers = append(offers, i)
		}
	}
	period := uint64(offer.IssuedAt / time.Hour.Milliseconds())
	require.Equal(t, []int{poc.Assignee(device, period, 3)}, offers, "only the period's assignee offers")
	require.Equal(t, 256, offer.N)
	require.Equal(t, offer.IssuedAt+5000, offer.RootDeadline)

	// the offer repeats, unchanged, until its root arrives
	again := post(t, oracle, p.DeviceKey, heartbeat(device, oracle.key.PublicKey(), 2, time.Now())).ack(t)
	require.Equal(t, offer, again.Challenge)

	tree, err := poc.Prove(e.Ctx, poc.CPU{}, poc.Challenge{Seed: offer.Seed, Device: device, N: offer.N})
	require.NoError(t, err)
	root := wire.ChallengeRoot{ID: offer.ID, Oracle: offer.Oracle, Device: device, Root: wire.Bytes32(tree.Root())}
	proofOf := func(open wire.ChallengeOpen) wire.ChallengeProof {
		positions := make([]poc.Position, len(open.Positions))
		for k, x := range open.Positions {
			positions[k] = poc.Position{I: x[0], J: x[1]}
		}
		mp, err := tree.Open(positions)
		require.NoError(t, err)
		enc, err := mp.MarshalBinary()
		require.NoError(t, err)
		return wire.ChallengeProof{ID: offer.ID, Oracle: offer.Oracle, Device: device, Proof: enc}
	}

	early := postTo(t, oracle, wire.ChallengeProofPath, p.DeviceKey, wire.ChallengeProof{ID: offer.ID, Oracle: offer.Oracle, Device: device, Proof: []byte{0}})
	require.Equal(t, http.StatusConflict, early.status)
	require.Equal(t, wire.Problem{Reason: wire.ReasonOutOfOrder, Message: fmt.Sprintf("challenge %s has no root yet", offer.ID)}, early.problem(t))

	stolen := postTo(t, oracle, wire.ChallengeRootPath, other.DeviceKey, wire.ChallengeRoot{ID: offer.ID, Oracle: offer.Oracle, Device: other.DeviceKey.PublicKey(), Root: root.Root})
	require.Equal(t, http.StatusNotFound, stolen.status)
	require.Equal(t, wire.Problem{Reason: wire.ReasonUnknownChallenge, Message: fmt.Sprintf("no challenge %q for device %s", offer.ID, other.DeviceKey.PublicKey())}, stolen.problem(t))

	first := postTo(t, oracle, wire.ChallengeRootPath, p.DeviceKey, root)
	require.Equal(t, http.StatusOK, first.status, string(first.body))
	var open wire.ChallengeOpen
	require.NoError(t, json.Unmarshal(first.body, &open))
	require.Len(t, open.Positions, poc.Samples)

	replayed := postTo(t, oracle, wire.ChallengeRootPath, p.DeviceKey, root)
	require.Equal(t, http.StatusConflict, replayed.status)
	require.Equal(t, wire.Problem{Reason: wire.ReasonReplayed, Message: fmt.Sprintf("challenge %s already has its root", offer.ID)}, replayed.problem(t))

	proof := proofOf(open)
	done := postTo(t, oracle, wire.ChallengeProofPath, p.DeviceKey, proof)
	require.Equal(t, http.StatusOK, done.status, string(done.body))
	var res wire.ChallengeResult
	require.NoError(t, json.Unmarshal(done.body, &res))
	require.True(t, res.Passed, res.Failure)
	require.Equal(t, uint64(33), res.Score, "2 * 256^3 / 1 s in millions")

	for _, replay := range []answer{postTo(t, oracle, wire.ChallengeProofPath, p.DeviceKey, proof), postTo(t, oracle, wire.ChallengeRootPath, p.DeviceKey, root)} {
		require.Equal(t, http.StatusConflict, replay.status)
		require.Equal(t, wire.ReasonReplayed, replay.problem(t).Reason)
	}
	require.Equal(t, fmt.Sprintf("challenge %s is decided already", offer.ID), postTo(t, oracle, wire.ChallengeProofPath, p.DeviceKey, proof).problem(t).Message)

	// a decided challenge is not offered again in its period
	require.Nil(t, post(t, oracle, p.DeviceKey, heartbeat(device, oracle.key.PublicKey(), 3, time.Now())).ack(t).Challenge)
}
