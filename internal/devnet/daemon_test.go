package devnet

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/localnet"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/internal/pg"
)

var (
	helloOnce sync.Once
	helloBin  string
	helloErr  error
)

// hello builds docs/hello, the ten-line daemon, once: the stand-in for make dev's daemons
// (it serves /healthz and reads the chain at the URL it is given).
func hello(t *testing.T) string {
	helloOnce.Do(func() {
		root, err := localnet.RepoRoot()
		if err != nil {
			helloErr = err
			return
		}
		dir, err := os.MkdirTemp("", "devnet-hello-")
		if err != nil {
			helloErr = err
			return
		}
		helloBin = filepath.Join(dir, "hello")
		cmd := exec.Command("go", "build", "-o", helloBin, "./docs/hello")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			helloErr = fmt.Errorf("build docs/hello: %w: %s", err, out)
		}
	})
	require.NoError(t, helloErr)
	return helloBin
}

// helloDaemons runs the stand-in on a free port against the dev network's RPC (or url, when
// given), with a device key of its own, a database and the wallet key, and lists an entry
// whose binary is not built.
func helloDaemons(t *testing.T, url string) func(Env) []Daemon {
	bin := hello(t)
	port, err := harness.FreePort()
	require.NoError(t, err)
	return func(e Env) []Daemon {
		rpc := url
		if rpc == "" {
			rpc = e.RPCURL
		}
		return []Daemon{
			{Name: "hello", Bin: bin, Port: port, Args: []string{"-listen", listenAddr(port), "-url", rpc}, Env: []string{"GPUNET_HELLO_LOG_LEVEL=debug"},
				Keys: []string{filepath.Join(e.KeysDir, "wallet.json")}, NewKeys: []string{filepath.Join(e.WorkersDir, "1", "device.json")}, Database: "hello_1"},
			{Name: "absent", Bin: "target/bin/gpunet-absent", Port: port + 1},
		}
	}
}

// up runs Up in the background until network.json is written; stop ends it and returns its
// result.
func up(t *testing.T, cfg Config) (n *Network, stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Up(ctx, cfg) }()
	t.Cleanup(cancel)
	for {
		if n, err := ReadNetwork(cfg.networkPath()); err == nil {
			return n, func() error { cancel(); return <-done }
		}
		select {
		case err := <-done:
			require.FailNow(t, "Up ended before writing network.json", "%v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// The stand-in daemon runs as a dev service beside PostgreSQL: network.json lists both with
// pids, logs and keys; the database answers; the registry holds the dev times; shutdown stops
// the daemon and PostgreSQL; a second start keeps the device key and the database.
func TestUpRunsDaemonsAndPostgres(t *testing.T) {
	out := &harness.Buffer{}
	cfg := testConfig(tempDir(t), nil, "")
	cfg.Out, cfg.Daemons = out, helloDaemons(t, "")
	n, stop := up(t, cfg)

	require.Equal(t, []string{"localnet-rpc", "localnet-ws", "postgres", "hello"}, []string{n.Services[0].Name, n.Services[1].Name, n.Services[2].Name, n.Services[3].Name})
	require.Len(t, n.Services, 4)
	pgs, h := n.Services[2], n.Services[3]
	require.Equal(t, fmt.Sprintf("postgres://postgres@127.0.0.1:%d", pgs.Port), pgs.URL)
	require.Equal(t, filepath.Join(n.Logs, "postgres.log"), pgs.Log)
	require.True(t, alive(pgs.PID))
	device := filepath.Join(cfg.WorkersDir, "1", "device.json")
	require.Equal(t, Service{Name: "hello", URL: "http://" + listenAddr(h.Port), Port: h.Port, PID: h.PID, Log: filepath.Join(n.Logs, "hello.log"),
		Keys: []string{filepath.Join(cfg.KeysDir, "wallet.json"), device}}, h)
	require.True(t, alive(h.PID))
	require.Equal(t, []Skipped{{"absent", "target/bin/gpunet-absent not built"}}, n.Skipped)
	require.Equal(t, map[string]string{"hello_1": fmt.Sprintf("postgres://postgres@127.0.0.1:%d/hello_1?sslmode=disable", pgs.Port)}, n.Databases)
	st, err := os.Stat(device)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	key, err := os.ReadFile(device)
	require.NoError(t, err)

	resp, err := http.Get(h.URL + "/healthz")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, "ok\n", string(body))
	ctx := context.Background()
	pool, err := pg.Open(ctx, n.Databases["hello_1"])
	require.NoError(t, err)
	var db string
	require.NoError(t, pool.QueryRow(ctx, "select current_database()").Scan(&db))
	require.Equal(t, "hello_1", db)
	pool.Close()
	net, err := network.Open(ctx, network.Options{Cluster: network.DevCluster, URL: n.Services[0].URL})
	require.NoError(t, err)
	rc, err := net.Registry.FetchConfig(ctx, net.Client)
	require.NoError(t, err)
	p := rc.Params
	require.Equal(t, [5]int64{5, 60, 30, 180, 600}, [5]int64{p.HeartbeatIntervalSecs, p.ProofWindowSecs, p.VoteDeadlineSecs, p.ProbationSecs, p.MaxProofAgeSecs})
	printed := out.String()
	require.Regexp(t, `\[5/5\] starting the daemons … ready: hello \d+\.\ds; skipped \(not built\): absent \d+\.\ds\n`, printed)
	require.Regexp(t, `\nabsent +- +- +- +- +skipped: target/bin/gpunet-absent not built\n`, printed)
	require.Contains(t, printed, "  hello's own: "+device+"\n")

	require.NoError(t, stop())
	require.False(t, alive(h.PID))
	exited(t, pgs.PID)
	require.Contains(t, out.String(), "stopping the daemons … stopped hello\nstopping PostgreSQL … stopped, data kept in "+cfg.PGDir+"\n")
	logged, err := os.ReadFile(h.Log)
	require.NoError(t, err)
	require.Contains(t, string(logged), `"msg":"stopped"`)

	out = &harness.Buffer{}
	cfg.Out = out
	n, stop = up(t, cfg)
	require.Regexp(t, `\[3/5\] starting PostgreSQL … ready on 127\.0\.0\.1:\d+, data in `+regexp.QuoteMeta(cfg.PGDir)+`; kept hello_1 `, out.String())
	again, err := os.ReadFile(device)
	require.NoError(t, err)
	require.Equal(t, key, again)
	require.NoError(t, stop())
	require.False(t, alive(n.Services[3].PID))
}

// A daemon that exits while starting, or later, stops make dev with the end of its log, and
// nothing is left running.
func TestUpReportsADaemonThatExits(t *testing.T) {
	out := &harness.Buffer{}
	cfg := testConfig(tempDir(t), nil, "")
	cfg.Out, cfg.Daemons = out, helloDaemons(t, "http://127.0.0.1:1") // nothing serves there
	err := Up(context.Background(), cfg)
	require.Error(t, err)
	logs, _ := filepath.Glob(filepath.Join(cfg.logsDir(), "2*", "hello.log"))
	require.Len(t, logs, 1)
	require.Regexp(t, `^hello \(pid \d+\) exited on its own \(exit status 1\); the end of its log `+regexp.QuoteMeta(logs[0])+`:\n(.*\n)*hello: .*127\.0\.0\.1:1`, err.Error())
	require.Contains(t, out.String(), "[5/5] starting the daemons … failed ")
	require.Contains(t, out.String(), "stopping the daemons … stopped hello\nstopping PostgreSQL … stopped")
	require.NoFileExists(t, cfg.networkPath())

	// Killed once up: Up returns its exit with its log.
	cfg.Daemons = helloDaemons(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Up(ctx, cfg) }()
	n := waitNetwork(t, cfg)
	h := n.Services[3]
	require.NoError(t, syscall.Kill(h.PID, syscall.SIGKILL))
	err = <-done
	require.Regexp(t, fmt.Sprintf(`^hello \(pid %d\) exited on its own \(signal: killed\); the end of its log %s:\n(.*\n)*.*"msg":"registry"`, h.PID, regexp.QuoteMeta(h.Log)), err.Error())
	require.False(t, alive(n.Services[0].PID))
	exited(t, n.Services[2].PID)
	require.NoFileExists(t, cfg.networkPath())
}

// A daemon that ignores SIGTERM is killed after its stop timeout; one that exits on SIGTERM
// is not.
func TestDaemonStopKillsAfterTimeout(t *testing.T) {
	root, err := localnet.RepoRoot()
	require.NoError(t, err)
	for _, tc := range []struct {
		mode string
		kill bool
		exit string
	}{{" stubborn", true, "signal: killed"}, {"", false, "signal: terminated"}} {
		port, err := harness.FreePort()
		require.NoError(t, err)
		d := Daemon{Name: "test", Bin: os.Args[0], Port: port, StopTimeout: time.Second,
			Args: []string{"-test.run=^$"}, Env: []string{daemonEnv + "=" + listenAddr(port) + tc.mode}}
		exited := make(chan *process, 1)
		p, err := d.start(root, t.TempDir(), exited)
		require.NoError(t, err)
		require.NoError(t, p.ready(context.Background(), func(s string) string { return s }))
		require.Equal(t, tc.kill, p.stop(), tc.mode)
		require.Same(t, p, <-exited)
		require.False(t, alive(p.cmd.Process.Pid))
		require.EqualError(t, p.err, tc.exit)
	}
}
