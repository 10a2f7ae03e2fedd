package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/keyfile"
	"github.com/gpunet/gpunet/internal/pg"
	"github.com/gpunet/gpunet/internal/pg/pgtest"
	"github.com/gpunet/gpunet/internal/wire"
)

// proc is one daemon process, its output in a log file.
type proc struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{} // closed when it exited
}

// launch starts binary name of the built set with args, logging to log (appended: a restart
// keeps the first run's lines), and stops it at cleanup: SIGTERM, then SIGKILL after 10 s.
func launch(t *testing.T, name, log string, args ...string) *proc {
	return launchOn(t, nil, name, log, args...)
}

// launchOn is launch on host (nil: this machine).
func launchOn(t *testing.T, host *harness.Host, name, log string, args ...string) *proc {
	f, err := os.OpenFile(log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	require.NoError(t, err)
	defer f.Close()
	cmd := exec.Command(filepath.Join(bin, name), args...)
	if host != nil {
		cmd = host.Command(context.Background(), filepath.Join(bin, name), args...)
	}
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), "HOME="+filepath.Dir(log), "XDG_CONFIG_HOME="+filepath.Dir(log)) // no stray config file
	require.NoError(t, cmd.Start())
	p := &proc{cmd: cmd, log: log, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.signal(syscall.SIGCONT) // a stopped process cannot take SIGTERM
		p.signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			p.signal(syscall.SIGKILL)
			<-p.done
		}
		if t.Failed() {
			data, _ := os.ReadFile(log)
			lines := strings.Split(strings.TrimSpace(string(data)), "\n")
			t.Logf("%s: last lines of %s:\n%s", name, log, strings.Join(lines[max(0, len(lines)-25):], "\n"))
		}
	})
	return p
}

func (p *proc) signal(s syscall.Signal) { _ = p.cmd.Process.Signal(s) }

// kill9 kills the process with SIGKILL and waits for it.
func (p *proc) kill9() {
	p.signal(syscall.SIGKILL)
	<-p.done
}

// stopped reports whether every thread of the process is stopped (state T in /proc).
func (p *proc) stopped() bool {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", p.cmd.Process.Pid))
	if err != nil || len(tasks) == 0 {
		return false
	}
	for _, task := range tasks {
		stat, err := os.ReadFile(task)
		i := bytes.LastIndexByte(stat, ')')
		if err != nil || i < 0 || i+2 >= len(stat) || stat[i+2] != 'T' {
			return false
		}
	}
	return true
}

func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// get is a GET's status code and body (0 when the request failed).
func get(url string) (int, []byte) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// waitHealthy waits until url/healthz answers 200.
func waitHealthy(t *testing.T, p *proc, url string) {
	require.Eventually(t, func() bool {
		code, _ := get(url + "/healthz")
		return code == http.StatusOK || !p.running()
	}, time.Minute, 50*time.Millisecond)
	require.True(t, p.running(), "%s exited", p.log)
}

// oracle is one gpunet-oracle process with fixed ports, so that a restart serves the same URLs.
type oracle struct {
	t       *testing.T
	e       *chaintest.Env
	key     solana.PrivateKey
	slot    int    // its index in the registry's oracle set
	dsn     string // its database
	keyPath string
	log     string
	api     string // worker-facing base URL
	ops     string // /healthz and /metrics base URL
	proc    *proc
}

// newOracle starts oracle slot of the localnet's set on database dsn.
func newOracle(t *testing.T, e *chaintest.Env, slot int, dsn string) *oracle {
	dir := t.TempDir()
	o := &oracle{t: t, e: e, key: e.Oracles[slot], slot: slot, dsn: dsn, keyPath: filepath.Join(dir, "oracle.json"), log: filepath.Join(dir, "oracle.log"),
		api: fmt.Sprintf("http://%s:%d", machine, harness.Port(t)), ops: fmt.Sprintf("http://127.0.0.1:%d", harness.Port(t))}
	require.NoError(t, keyfile.Save(o.keyPath, o.key))
	o.start()
	return o
}

func (o *oracle) start() {
	o.proc = launch(o.t, "gpunet-oracle", o.log, "-listen", strings.TrimPrefix(o.ops, "http://"), "-api-listen", strings.TrimPrefix(o.api, "http://"),
		"-url", o.e.Node.RPCURL, "-keypair", o.keyPath, "-database-url", o.dsn,
		"-prove-every", "300ms", "-prove-delay", "1s", "-registry-cache", "200ms", "-rate-every", "100ms", "-log-level", "debug")
	waitHealthy(o.t, o.proc, o.ops)
}

// database is a fresh database on the package's server.
func database(t *testing.T) string {
	return databaseOn(t, pgtest.Server())
}

func databaseOn(t *testing.T, s *pg.Server) string {
	ctx := context.Background()
	name, err := s.NewDatabase(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.DropDatabase(ctx, name) })
	return s.DSN(name)
}

// trio starts one oracle process per slot, each on a fresh database of the package's server.
func trio(t *testing.T, e *chaintest.Env, slots ...int) []*oracle {
	out := make([]*oracle, len(slots))
	for i, s := range slots {
		out[i] = newOracle(t, e, s, database(t))
	}
	return out
}

// worker is one `gpunet-worker run` process for a device registered by the test.
type worker struct {
	p    chaintest.Provider
	proc *proc
	ops  string
}

// newWorker registers a CPU-class device (the class's minimum stake) and runs its worker,
// heartbeating to oracles.
func newWorker(t *testing.T, e *chaintest.Env, oracles []*oracle) *worker {
	return runWorker(t, e, e.NewProvider(t, cpu, 1_000*chaintest.IO, 200*chaintest.IO), oracles)
}

// runWorker runs p's device's worker, heartbeating to oracles, with extra flags.
func runWorker(t *testing.T, e *chaintest.Env, p chaintest.Provider, oracles []*oracle, extra ...string) *worker {
	return runWorkerOn(t, nil, e, p, oracles, extra...)
}

// runWorkerOn is runWorker on host (nil: this machine).
func runWorkerOn(t *testing.T, host *harness.Host, e *chaintest.Env, p chaintest.Provider, oracles []*oracle, extra ...string) *worker {
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "device.json")
	require.NoError(t, keyfile.Save(keyPath, p.DeviceKey))
	urls := make([]string, len(oracles))
	for i, o := range oracles {
		urls[i] = o.api
	}
	ip := "127.0.0.1"
	if host != nil {
		ip = host.IP()
	}
	w := &worker{p: p, ops: fmt.Sprintf("http://%s:%d", ip, harness.Port(t))}
	w.proc = launchOn(t, host, "gpunet-worker", filepath.Join(dir, "worker.log"), append([]string{"run", "-listen", strings.TrimPrefix(w.ops, "http://"),
		"-device-keypair", keyPath, "-oracles", strings.Join(urls, ","), "-url", e.Node.RPCURL, "-ws-url", e.Node.WSURL, "-state-dir", dir,
		"-hardware-model", "0", "-log-level", "debug"}, extra...)...)
	waitHealthy(t, w.proc, w.ops)
	return w
}

// beat posts one heartbeat of device, signed by it, to o, and returns the status code and the
// refusal (nil on 200); the answer's signature is checked against the oracle's key.
func beat(t *testing.T, o *oracle, device solana.PrivateKey, seq uint64) (int, *wire.Problem) {
	body, err := json.Marshal(wire.Heartbeat{Device: device.PublicKey(), Oracle: o.key.PublicKey(), Sequence: seq, Timestamp: time.Now().UnixMilli(),
		Telemetry: wire.Telemetry{Version: wire.TelemetryVersion}})
	require.NoError(t, err)
	sig, err := wire.Sign(device, wire.DomainRequest, body)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, o.api+wire.HeartbeatPath, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set(wire.KeyHeader, device.PublicKey().String())
	req.Header.Set(wire.SignatureHeader, sig.String())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	osig, err := solana.SignatureFromBase58(resp.Header.Get(wire.SignatureHeader))
	require.NoError(t, err)
	require.NoError(t, wire.Verify(o.key.PublicKey(), wire.DomainAnswer, answer, osig), "answer signed by the oracle")
	if resp.StatusCode == http.StatusOK {
		return resp.StatusCode, nil
	}
	var p wire.Problem
	require.NoError(t, json.Unmarshal(answer, &p), string(answer))
	return resp.StatusCode, &p
}

// status is o's public view of device.
func (o *oracle) status(t *testing.T, device solana.PublicKey) wire.DeviceStatus {
	code, body := get(o.api + wire.StatusPath + device.String())
	require.Equal(t, http.StatusOK, code, string(body))
	var s wire.DeviceStatus
	require.NoError(t, json.Unmarshal(body, &s))
	return s
}

// metric is the value of the sample of o's /metrics whose name and labels are exactly series
// (e.g. `gpunet_oracle_transactions_total{kind="vote",state="landed"}`), 0 when absent.
func (o *oracle) metric(t *testing.T, series string) float64 { return metric(t, o.ops, series) }

// metric is the value of the sample of base's /metrics named exactly series (0 when absent).
func metric(t *testing.T, base, series string) float64 {
	code, body := get(base + "/metrics")
	require.Equal(t, http.StatusOK, code)
	for _, line := range strings.Split(string(body), "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			var v float64
			_, err := fmt.Sscan(rest, &v)
			require.NoError(t, err)
			return v
		}
	}
	return 0
}
