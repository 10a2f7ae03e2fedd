package devnet

import (
	"context"
	"fmt"
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

func TestMain(m *testing.M) {
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
	os.Exit(m.Run())
}

// testConfig is make dev's layout under dir, on free ports, without a build phase.
func testConfig(dir string, out *os.File) Config {
	root, err := localnet.RepoRoot()
	if err != nil {
		panic(err)
	}
	cfg := DefaultConfig(root, out)
	cfg.Dir = filepath.Join(dir, "dev")
	cfg.StateDir, cfg.KeysDir = filepath.Join(dir, "state"), filepath.Join(dir, "keys")
	cfg.RPCPort, cfg.WSPort = 0, 0
	return cfg
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

func TestUpServesWritesNetworkAndRefusesASecond(t *testing.T) {
	out := &harness.Buffer{}
	cfg := testConfig(t.TempDir(), nil)
	cfg.Out = out
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Up(ctx, cfg) }()
	n := waitNetwork(t, cfg)

	// network.json: the supervisor, the localnet's two endpoints, this start's logs.
	require.Equal(t, os.Getpid(), n.PID)
	logDirs, err := filepath.Glob(filepath.Join(cfg.logsDir(), "2*"))
	require.NoError(t, err)
	require.Len(t, logDirs, 1)
	require.Equal(t, logDirs[0], n.Logs)
	require.Equal(t, n.StartedAt.Format(logDirLayout), filepath.Base(n.Logs))
	latest, err := os.Readlink(filepath.Join(cfg.logsDir(), "latest"))
	require.NoError(t, err)
	require.Equal(t, filepath.Base(n.Logs), latest)
	require.Len(t, n.Services, 2)
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
	require.Contains(t, printed, "[1/2] starting the localnet … ready, new chain in ")
	require.Contains(t, printed, "[2/2] configuring the programs … done: initialize registry config, initialize economy config, initialize escrow config ")
	require.Contains(t, printed, fmt.Sprintf("localnet-rpc  %s  %d", n.Services[0].URL, n.Services[0].Port))

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
	require.Contains(t, out.String(), "stopping the localnet … stopped, chain saved in ")
}

func TestDownStopsARunningSupervisorAndResetDeletesTheChain(t *testing.T) {
	dir := t.TempDir()
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
	require.Len(t, report, 2)
	require.Regexp(t, fmt.Sprintf(`^stopped make dev \(pid %d, up since %s\) in \d+\.\ds$`, n.PID, n.StartedAt.Format(time.RFC3339)), report[0])
	require.Equal(t, "deleted the chain state "+cfg.StateDir, report[1])
	require.NoError(t, child.Wait(), childOut.String())
	require.False(t, alive(n.Services[0].PID))
	require.NoDirExists(t, cfg.StateDir)
	require.Contains(t, childOut.String(), "stopping the localnet … stopped, chain saved in ")

	_, err = Down(ctx, cfg)
	require.ErrorIs(t, err, ErrNotRunning)
}
