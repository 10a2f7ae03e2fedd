package oracle_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/keyfile"
	"github.com/gpunet/gpunet/internal/pg"
	"github.com/gpunet/gpunet/internal/pg/pgtest"
	"github.com/gpunet/gpunet/internal/wire"
	"github.com/gpunet/gpunet/oracle"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// fastRegistry: 1 s heartbeats, 3 s windows counted 3 s after their end.
func fastRegistry(p *registry.ConfigParams) {
	p.HeartbeatIntervalSecs = 1
	p.ProofWindowSecs = 3
	p.VoteDeadlineSecs = 3
	p.ProbationSecs = 3600
}

// running is one in-process oracle.
type running struct {
	key    solana.PrivateKey
	url    string // the API
	health string // the /healthz and /metrics listener
	dsn    string
	logs   *harness.Buffer
	stop   func() error
}

// database is a fresh database's connection string.
func database(t *testing.T) string {
	ctx := context.Background()
	name, err := pgtest.Server().NewDatabase(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = pgtest.Server().DropDatabase(ctx, name) })
	return pgtest.Server().DSN(name)
}

// logLine is the first JSON log line with message msg.
func logLine(log *harness.Buffer, msg string) map[string]any {
	for _, l := range strings.Split(log.String(), "\n") {
		var entry map[string]any
		if json.Unmarshal([]byte(l), &entry) == nil && entry["msg"] == msg {
			return entry
		}
	}
	return nil
}

// start runs oracle key on dsn against e's chain, with extra flags, and waits until it serves.
func start(t *testing.T, e *chaintest.Env, key solana.PrivateKey, dsn string, extra ...string) *running {
	r := launch(t, e, key, dsn, extra...)
	r.ready(t)
	return r
}

// launch starts oracle key on dsn against e's chain, with extra flags (later flags win); see
// ready.
func launch(t *testing.T, e *chaintest.Env, key solana.PrivateKey, dsn string, extra ...string) *running {
	path := filepath.Join(t.TempDir(), "oracle.json")
	require.NoError(t, keyfile.Save(path, key))
	logs := &harness.Buffer{}
	ctx, cancel := context.WithCancel(e.Ctx)
	done := make(chan error, 1)
	args := append([]string{"-listen", "127.0.0.1:0", "-api-listen", "127.0.0.1:0", "-url", e.Node.RPCURL, "-keypair", path,
		"-database-url", dsn, "-prove-every", "300ms", "-prove-delay", "1s", "-registry-cache", "200ms", "-log-level", "debug",
		"-challenge-classes", ""}, extra...) // no challenges but where a test asks for them: an offer changes acks and votes
	go func() { done <- oracle.Run(ctx, args, logs) }()
	var once sync.Once
	var err error
	r := &running{key: key, dsn: dsn, logs: logs, stop: func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}}
	t.Cleanup(func() { _ = r.stop() })
	return r
}

// ready waits until r serves.
func (r *running) ready(t *testing.T) {
	require.Eventually(t, func() bool { return logLine(r.logs, "started") != nil }, time.Minute, 10*time.Millisecond, "%s", r.logs)
	r.url = "http://" + logLine(r.logs, "oracle")["api"].(string)
	r.health = "http://" + logLine(r.logs, "started")["addr"].(string)
}

// answer is an oracle's answer, its signature checked against the oracle's key.
type answer struct {
	status     int
	body       []byte
	retryAfter string
}

func (a answer) problem(t *testing.T) wire.Problem {
	var p wire.Problem
	require.NoError(t, json.Unmarshal(a.body, &p), string(a.body))
	return p
}

func (a answer) ack(t *testing.T) wire.HeartbeatAck {
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	var ack wire.HeartbeatAck
	require.NoError(t, json.Unmarshal(a.body, &ack))
	return ack
}

func do(t *testing.T, o *running, req *http.Request) answer {
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, o.key.PublicKey().String(), resp.Header.Get(wire.KeyHeader))
	sig, err := solana.SignatureFromBase58(resp.Header.Get(wire.SignatureHeader))
	require.NoError(t, err)
	require.NoError(t, wire.Verify(o.key.PublicKey(), wire.DomainAnswer, body, sig), "answer signed by the oracle")
	return answer{resp.StatusCode, body, resp.Header.Get("Retry-After")}
}

// post sends body signed by signer (no signature headers when signer is nil).
func post(t *testing.T, o *running, signer solana.PrivateKey, body []byte) answer {
	req, err := http.NewRequest(http.MethodPost, o.url+wire.HeartbeatPath, bytes.NewReader(body))
	require.NoError(t, err)
	if signer != nil {
		sig, err := wire.Sign(signer, wire.DomainRequest, body)
		require.NoError(t, err)
		req.Header.Set(wire.KeyHeader, signer.PublicKey().String())
		req.Header.Set(wire.SignatureHeader, sig.String())
	}
	return do(t, o, req)
}

func heartbeat(device, oracle solana.PublicKey, seq uint64, at time.Time) []byte {
	body, _ := json.Marshal(wire.Heartbeat{Device: device, Oracle: oracle, Sequence: seq, Timestamp: at.UnixMilli(),
		Telemetry: wire.Telemetry{Version: 1, GPUs: []wire.GPU{{UUID: "GPU-0", Model: "CPU", Healthy: true}}}})
	return body
}

func status(t *testing.T, o *running, device string) (answer, wire.DeviceStatus) {
	req, err := http.NewRequest(http.MethodGet, o.url+wire.StatusPath+device, nil)
	require.NoError(t, err)
	a := do(t, o, req)
	var s wire.DeviceStatus
	if a.status == http.StatusOK {
		require.NoError(t, json.Unmarshal(a.body, &s))
	}
	return a, s
}

func rows(t *testing.T, pool *pgxpool.Pool, table string) int {
	var n int
	require.NoError(t, pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n))
	return n
}

func openDB(t *testing.T, dsn string) *pgxpool.Pool {
	pool, err := pg.Open(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// --help lists every key with its default and starts nothing (no keypair, no chain).
func TestHelp(t *testing.T) {
	for _, arg := range []string{"--help", "-help", "-h"} {
		var out harness.Buffer
		require.NoError(t, oracle.Run(context.Background(), []string{"-keypair", "/nonexistent", arg}, &out))
		for _, line := range []string{"Usage: gpunet-oracle ", "  -keypair ", "  -database-url ", "  -api-listen ", "(default 127.0.0.1:8480)",
			"  -prove-every ", "(default 5s)", "  -challenge-classes ", "GPUNET_ORACLE_<KEY>"} {
			require.Contains(t, out.String(), line, arg)
		}
		require.NotContains(t, out.String(), "(default )")
	}
}
