package devnet

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/localnet"
)

// childEnv makes the test binary a supervisor (TestMain) for the tests that stop one from
// another process, as make down does.
const childEnv = "GPUNET_DEVNET_TEST_CHILD"

// daemonEnv makes the test binary a daemon serving /healthz on the address it names,
// ignoring SIGTERM when it ends in " stubborn".
const daemonEnv = "GPUNET_DEVNET_TEST_DAEMON"

func TestMain(m *testing.M) {
	if spec := os.Getenv(daemonEnv); spec != "" {
		addr, stubborn := strings.CutSuffix(spec, " stubborn")
		if stubborn {
			signal.Ignore(syscall.SIGTERM)
		}
		http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
		fmt.Fprintln(os.Stderr, http.ListenAndServe(addr, nil))
		os.Exit(1)
	}
	if dir := os.Getenv(childEnv); dir != "" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		err := Up(ctx, testConfig(dir, os.Stdout))
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	if helloBin != "" {
		os.RemoveAll(filepath.Dir(helloBin))
	}
	os.Exit(code)
}

// testConfig is make dev's layout under dir, on free ports, without a build phase, with make
// dev's daemons (skipped while their binaries are not built).
func testConfig(dir string, out *os.File) Config {
	root, err := localnet.RepoRoot()
	if err != nil {
		panic(err)
	}
	cfg := DefaultConfig(root, out)
	cfg.Dir = filepath.Join(dir, "dev")
	cfg.StateDir, cfg.KeysDir = filepath.Join(dir, "state"), filepath.Join(dir, "keys")
	cfg.PGDir, cfg.WorkersDir = filepath.Join(cfg.Dir, "postgres"), filepath.Join(cfg.Dir, "workers")
	cfg.RPCPort, cfg.WSPort, cfg.PGPort = 0, 0, 0
	return cfg
}

// tempDir is t.TempDir that PostgreSQL's user (postgres, when the tests run as root) may enter.
func tempDir(t *testing.T) string {
	dir := t.TempDir()
	require.NoError(t, os.Chmod(filepath.Dir(dir), 0o755))
	require.NoError(t, os.Chmod(dir, 0o755))
	return dir
}

// waitNetwork waits until network.json is written and returns it.
func waitNetwork(t *testing.T, cfg Config) *Network {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		if n, err := ReadNetwork(cfg.networkPath()); err == nil {
			return n
		}
		require.True(t, time.Now().Before(deadline), "no %s after 90 s", cfg.networkPath())
		time.Sleep(50 * time.Millisecond)
	}
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// exited waits until process pid is gone (or a zombie): PostgreSQL's server is not our child,
// and ends a moment after pg_ctl stop has seen its pid file go.
func exited(t *testing.T, pid int) {
	t.Helper()
	require.Eventually(t, func() bool {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		return err != nil || strings.Contains(string(stat), ") Z ")
	}, 10*time.Second, 10*time.Millisecond, "pid %d still runs", pid)
}

func TestUpServesWritesNetworkAndRefusesASecond(t *testing.T) {
	out := &harness.Buffer{}
	cfg := testConfig(tempDir(t), nil)
	cfg.Out = out
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Up(ctx, cfg) }()
	n := waitNetwork(t, cfg)

	// network.json: the supervisor, the localnet's two endpoints, PostgreSQL, this start's logs;
	// make dev's daemons skipped, their binaries not built.
	require.Equal(t, os.Getpid(), n.PID)
	logDirs, err := filepath.Glob(filepath.Join(cfg.logsDir(), "2*"))
	require.NoError(t, err)
	require.Len(t, logDirs, 1)
	require.Equal(t, logDirs[0], n.Logs)
	require.Equal(t, n.StartedAt.Format(logDirLayout), filepath.Base(n.Logs))
	latest, err := os.Readlink(filepath.Join(cfg.logsDir(), "latest"))
	require.NoError(t, err)
	require.Equal(t, filepath.Base(n.Logs), latest)
	require.Len(t, n.Services, 3)
	require.Equal(t, "postgres", n.Services[2].Name)
	require.Equal(t, []Skipped{
		{"oracle-1", "target/bin/gpunet-oracle not built"}, {"oracle-2", "target/bin/gpunet-oracle not built"}, {"oracle-3", "target/bin/gpunet-oracle not built"},
		{"worker-1", "target/bin/gpunet-worker not built"}, {"worker-2", "target/bin/gpunet-worker not built"}}, n.Skipped)
	log := filepath.Join(n.Logs, "localnet.log")
	for i, name := range []string{"localnet-rpc", "localnet-ws"} {
		s := n.Services[i]
		require.Equal(t, name, s.Name)
		require.Equal(t, log, s.Log)
		require.True(t, alive(s.PID))
		require.Equal(t, fmt.Sprintf("%s://127.0.0.1:%d", map[int]string{0: "http", 1: "ws"}[i], s.Port), s.URL)
	}
	require.Equal(t, n.Services[0].PID, n.Services[1].PID)
	logged, err := os.ReadFile(log)
	require.NoError(t, err)
	require.Contains(t, string(logged), "localnet ready\n")
	var keys []string
	for _, f := range n.Keys.Files {
		require.Equal(t, cfg.KeysDir, filepath.Dir(f))
		keys = append(keys, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	require.Equal(t, cfg.KeysDir, n.Keys.Dir)
	require.Equal(t, []string{"admin", "economy-program", "escrow-program", "faucet", "identity", "io-mint", "iosd-mint", "keeper",
		"oracle-1", "oracle-2", "oracle-3", "registry-program", "scheduler", "treasury", "upgrade-authority", "wallet"}, keys)
	require.Equal(t, map[string]string{
		"economy":  "G9enX7cG3NbM3x7iZXV7Pd9mEkCg6rj5sYu3hXpvQW7z",
		"escrow":   "8cdsqbPJX7omEkTDSqUaGgSpw5kMwWzzgoL2VnGGSUrW",
		"registry": "7DuDHERwuoT4YScXwdZJuzN3swPM1Tp3SDMvnuGzvK58",
	}, n.Programs)
	printed := out.String()
	require.Contains(t, printed, "[1/4] starting the localnet … ready, new chain in ")
	require.Contains(t, printed, "[2/4] configuring the programs … done: initialize registry config, initialize economy config, initialize escrow config ")
	require.Contains(t, printed, fmt.Sprintf("[3/4] starting PostgreSQL … ready on 127.0.0.1:%d, data in %s; created oracle_1, oracle_2, oracle_3 ", n.Services[2].Port, cfg.PGDir))
	require.Contains(t, printed, "[4/4] starting the daemons … none built; skipped (not built): oracle-1, oracle-2, oracle-3, worker-1, worker-2 ")
	require.Regexp(t, fmt.Sprintf(`\nlocalnet-rpc +%s +%d +%d +`, n.Services[0].URL, n.Services[0].Port, n.Services[0].PID), printed)
	require.Regexp(t, fmt.Sprintf(`\npostgres +postgres://postgres@127.0.0.1:%d +%d +%d +%s\n`, n.Services[2].Port, n.Services[2].Port, n.Services[2].PID, n.Services[2].Log), printed)
	require.Regexp(t, `\noracle-1 +- +- +- +skipped: target/bin/gpunet-oracle not built\n`, printed)
	require.Contains(t, printed, fmt.Sprintf("databases:\n  oracle_1 postgres://postgres@127.0.0.1:%d/oracle_1?sslmode=disable\n", n.Services[2].Port))

	// A second one is refused with who runs and how to stop it, and writes nothing.
	err = Up(context.Background(), cfg)
	require.EqualError(t, err, fmt.Sprintf("make dev already runs (pid %d, since %s): stop it with `make down` (or Ctrl-C in its terminal)",
		os.Getpid(), n.StartedAt.Format(time.RFC3339)))
	require.Equal(t, err, Check(cfg))
	again, err := filepath.Glob(filepath.Join(cfg.logsDir(), "2*"))
	require.NoError(t, err)
	require.Equal(t, logDirs, again)
	st, err := Status(cfg)
	require.NoError(t, err)
	require.Equal(t, n, st)

	// Cancelling (a signal, in gpunet-dev) is a clean stop: the localnet is gone, the lock
	// free, network.json removed.
	cancel()
	require.NoError(t, <-done)
	require.False(t, alive(n.Services[0].PID))
	require.NoError(t, Check(cfg))
	require.NoFileExists(t, cfg.networkPath())
	_, err = Status(cfg)
	require.ErrorIs(t, err, ErrNotRunning)
	require.Contains(t, out.String(), "stopping PostgreSQL … stopped, data kept in "+cfg.PGDir+"\nstopping the localnet … stopped, chain saved in ")
	exited(t, n.Services[2].PID)
}

func TestDownStopsARunningSupervisorAndResetDeletesTheChain(t *testing.T) {
	dir := tempDir(t)
	cfg := testConfig(dir, nil)
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"="+dir)
	var childOut harness.Buffer
	child.Stdout, child.Stderr = &childOut, &childOut
	require.NoError(t, child.Start())
	t.Cleanup(func() { _ = child.Process.Kill() })
	n := waitNetwork(t, cfg)
	require.Equal(t, child.Process.Pid, n.PID)
	require.DirExists(t, cfg.StateDir)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	report, err := Reset(ctx, cfg)
	require.NoError(t, err)
	require.Len(t, report, 3)
	require.Regexp(t, fmt.Sprintf(`^stopped make dev \(pid %d, up since %s\) in \d+\.\ds$`, n.PID, n.StartedAt.Format(time.RFC3339)), report[0])
	require.Equal(t, "deleted the chain state "+cfg.StateDir, report[1])
	require.Equal(t, "deleted PostgreSQL's data "+cfg.PGDir, report[2])
	require.NoError(t, child.Wait(), childOut.String())
	require.False(t, alive(n.Services[0].PID))
	require.NoDirExists(t, cfg.StateDir)
	require.NoDirExists(t, cfg.PGDir)
	exited(t, n.Services[2].PID)
	require.Contains(t, childOut.String(), "stopping the localnet … stopped, chain saved in ")

	_, err = Down(ctx, cfg)
	require.ErrorIs(t, err, ErrNotRunning)
}
