package devnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/keyfile"
	"github.com/gpunet/gpunet/internal/localdev"
	"github.com/gpunet/gpunet/internal/localnet"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/internal/renter"
	"github.com/gpunet/gpunet/internal/wire"
)

// childEnv makes the test binary a supervisor (TestMain) for the tests that stop one from
// another process, as make down does.
const childEnv = "GPUNET_DEVNET_TEST_CHILD"

// binEnv names, for a child supervisor, the directory of the daemons built by daemonBins.
const binEnv = "GPUNET_DEVNET_TEST_BIN"

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
		err := Up(ctx, testConfig(dir, os.Stdout, os.Getenv(binEnv)))
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	for _, bin := range []string{helloBin, binDir} {
		if bin != "" {
			os.RemoveAll(filepath.Dir(bin))
		}
	}
	os.Exit(code)
}

var (
	binOnce sync.Once
	binDir  string // <temp>/bin
	binErr  error
)

// daemonBins builds make dev's daemons, gpunet-oracle, gpunet-worker, gpunet-keeper and gpunet-indexer, once, and returns
// their directory.
func daemonBins(t *testing.T) string {
	binOnce.Do(func() {
		root, err := localnet.RepoRoot()
		if err != nil {
			binErr = err
			return
		}
		dir, err := os.MkdirTemp("", "devnet-daemons-")
		if err != nil {
			binErr = err
			return
		}
		binDir = filepath.Join(dir, "bin")
		cmd := exec.Command("go", "build", "-o", binDir+"/", "./cmd/gpunet-oracle", "./cmd/gpunet-worker", "./cmd/gpunet-keeper", "./cmd/gpunet-indexer")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("build the daemons: %w: %s", err, out)
		}
	})
	require.NoError(t, binErr)
	return binDir
}

// testConfig is make dev's layout under dir, on free ports, without a build phase, with make
// dev's daemons run from bins (daemonBins).
func testConfig(dir string, out *os.File, bins string) Config {
	root, err := localnet.RepoRoot()
	if err != nil {
		panic(err)
	}
	cfg := DefaultConfig(root, out)
	cfg.Dir = filepath.Join(dir, "dev")
	cfg.StateDir, cfg.KeysDir = filepath.Join(dir, "state"), filepath.Join(dir, "keys")
	cfg.PGDir, cfg.WorkersDir = filepath.Join(cfg.Dir, "postgres"), filepath.Join(cfg.Dir, "workers")
	cfg.RPCPort, cfg.WSPort, cfg.PGPort, cfg.FreeDaemonPorts = 0, 0, 0, true
	cfg.Daemons = func(e Env) []Daemon {
		daemons := DevDaemons(e)
		for i := range daemons {
			daemons[i].Bin = filepath.Join(bins, filepath.Base(daemons[i].Bin))
		}
		return daemons
	}
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
	cfg := testConfig(tempDir(t), nil, daemonBins(t))
	cfg.Out = out
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Up(ctx, cfg) }()
	n := waitNetwork(t, cfg)

	// network.json: the supervisor, the localnet's two endpoints, PostgreSQL, make dev's
	// daemons, this start's logs.
	require.Equal(t, os.Getpid(), n.PID)
	logDirs, err := filepath.Glob(filepath.Join(cfg.logsDir(), "2*"))
	require.NoError(t, err)
	require.Len(t, logDirs, 1)
	require.Equal(t, logDirs[0], n.Logs)
	require.Equal(t, n.StartedAt.Format(logDirLayout), filepath.Base(n.Logs))
	latest, err := os.Readlink(filepath.Join(cfg.logsDir(), "latest"))
	require.NoError(t, err)
	require.Equal(t, filepath.Base(n.Logs), latest)
	names := make([]string, len(n.Services))
	for i, s := range n.Services {
		names[i] = s.Name
	}
	require.Equal(t, []string{"localnet-rpc", "localnet-ws", "postgres", "oracle-1", "oracle-2", "oracle-3", "worker-1", "worker-2", "keeper", "indexer"}, names)
	require.Empty(t, n.Skipped)
	devices := checkDaemons(t, cfg, n)
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
	require.Contains(t, printed, "[1/5] starting the localnet … ready, new chain in ")
	r := checkRenter(t, cfg, n)
	require.Contains(t, printed, "[2/5] configuring the programs … done: initialize registry config, initialize economy config, initialize escrow config; "+
		"dev renter "+r.String()+" topped up with 10 SOL, 1000 IO, 1000 IOSD ")
	require.Contains(t, printed, "  dev renter "+r.String()+": "+cfg.renterPath()+" (`gpunet jobs -k "+cfg.renterPath()+"`)\n")
	require.Contains(t, printed, fmt.Sprintf("[3/5] starting PostgreSQL … ready on 127.0.0.1:%d, data in %s; created oracle_1, oracle_2, oracle_3, indexer ", n.Services[2].Port, cfg.PGDir))
	require.Regexp(t, fmt.Sprintf(`\[4/5\] preparing the daemons … keys ready; worker-1 device %s registered, 200 IO staked \d+\.\ds; worker-2 device %s registered, 200 IO staked \d+\.\ds \d+\.\ds\n`,
		devices[0], devices[1]), printed)
	require.Regexp(t, `\[5/5\] starting the daemons … ready: oracle-1 \d+\.\ds, oracle-2 \d+\.\ds, oracle-3 \d+\.\ds, worker-1 \d+\.\ds, worker-2 \d+\.\ds, keeper \d+\.\ds, indexer \d+\.\ds \d+\.\ds\n`, printed)
	require.Regexp(t, fmt.Sprintf(`\nlocalnet-rpc +%s +%d +%d +- +`, n.Services[0].URL, n.Services[0].Port, n.Services[0].PID), printed)
	require.Regexp(t, fmt.Sprintf(`\npostgres +postgres://postgres@127.0.0.1:%d +%d +%d +- +%s\n`, n.Services[2].Port, n.Services[2].Port, n.Services[2].PID, n.Services[2].Log), printed)
	o := n.Services[3]
	require.Regexp(t, fmt.Sprintf(`\noracle-1 +%s +%d +%d +%s +%s\n`, o.URL, o.Port, o.PID, o.API, o.Log), printed)
	require.Contains(t, printed, fmt.Sprintf("databases:\n  indexer postgres://postgres@127.0.0.1:%[1]d/indexer?sslmode=disable\n  oracle_1 postgres://postgres@127.0.0.1:%[1]d/oracle_1?sslmode=disable\n", n.Services[2].Port))

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
	require.Contains(t, out.String(), "stopping the daemons … stopped indexer, keeper, worker-2, worker-1, oracle-3, oracle-2, oracle-1\n"+
		"stopping PostgreSQL … stopped, data kept in "+cfg.PGDir+"\nstopping the localnet … stopped, chain saved in ")
	for _, s := range n.Services[3:] {
		require.False(t, alive(s.PID), s.Name)
	}
	exited(t, n.Services[2].PID)

	// Started again on the kept chain, the workers' devices are registered already: the same
	// keys, the same stake, nothing sent.
	out = &harness.Buffer{}
	cfg.Out = out
	done = make(chan error, 1)
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	go func() { done <- Up(ctx, cfg) }()
	n = waitNetwork(t, cfg)
	require.Equal(t, devices, checkDaemons(t, cfg, n))
	require.Equal(t, r, checkRenter(t, cfg, n))
	require.Contains(t, out.String(), "[2/5] configuring the programs … done, already configured; dev renter "+r.String()+" funded already ")
	require.Regexp(t, fmt.Sprintf(`\[4/5\] preparing the daemons … keys ready; worker-1 device %s registered already, 200 IO staked \d+\.\ds; worker-2 device %s registered already, 200 IO staked \d+\.\ds \d+\.\ds\n`,
		devices[0], devices[1]), out.String())
	cancel()
	require.NoError(t, <-done)
	for _, s := range n.Services {
		exited(t, s.PID)
	}
}

func TestDownStopsARunningSupervisorAndResetDeletesTheChain(t *testing.T) {
	dir := tempDir(t)
	bins := daemonBins(t)
	cfg := testConfig(dir, nil, bins)
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"="+dir, binEnv+"="+bins)
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
	require.Len(t, n.Services, 10) // the localnet's two endpoints, PostgreSQL, 3 oracles, 2 workers, the keeper, the indexer: all gone
	for _, s := range n.Services {
		exited(t, s.PID)
	}
	require.NoDirExists(t, cfg.StateDir)
	require.NoDirExists(t, cfg.PGDir)
	require.Contains(t, childOut.String(), "stopping the localnet … stopped, chain saved in ")

	_, err = Down(ctx, cfg)
	require.ErrorIs(t, err, ErrNotRunning)
}

// checkRenter checks make dev's renter wallet in n: its own key file (0600) in the dev
// directory, funded with exactly DevRenterFunds on chain. It returns its address.
func checkRenter(t *testing.T, cfg Config, n *Network) solana.PublicKey {
	t.Helper()
	require.NotNil(t, n.Renter)
	require.Equal(t, cfg.renterPath(), n.Renter.Key)
	st, err := os.Stat(n.Renter.Key)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	key, err := keyfile.Load(n.Renter.Key)
	require.NoError(t, err)
	require.Equal(t, key.PublicKey(), n.Renter.Address)
	ctx := context.Background()
	net, err := network.Open(ctx, network.Options{Cluster: network.DevCluster, URL: n.Services[0].URL})
	require.NoError(t, err)
	lamports, err := net.Client.Balance(ctx, n.Renter.Address)
	require.NoError(t, err)
	require.Equal(t, DevRenterFunds.Lamports, lamports)
	for account, want := range map[solana.PublicKey]uint64{n.Renter.IOAccount: DevRenterFunds.IO, n.Renter.IOSDAccount: DevRenterFunds.IOSD} {
		held, err := renter.ReadTokenAccount(ctx, net.Client, account)
		require.NoError(t, err)
		require.Equal(t, want, held.Amount)
	}
	return n.Renter.Address
}

// checkDaemons checks make dev's daemons in n: each runs with its log and answers /healthz;
// each worker's config is its own (0600) and its device is registered on chain, CPU class,
// owned by the dev wallet, with exactly the minimum stake; each oracle's status endpoint shows
// a heartbeat from each device; the indexer's explorer API lists the devices. It returns the
// workers' devices.
func checkDaemons(t *testing.T, cfg Config, n *Network) []solana.PublicKey {
	t.Helper()
	ctx := context.Background()
	net, err := network.Open(ctx, network.Options{Cluster: network.DevCluster, URL: n.Services[0].URL})
	require.NoError(t, err)
	rc, err := net.Registry.FetchConfig(ctx, net.Client)
	require.NoError(t, err)
	minStake, err := protocol.MinStake(&rc.Params, registry.ModelCPU)
	require.NoError(t, err)
	require.Equal(t, uint64(200_0000_0000), minStake) // 200 IO
	wallet, err := localdev.OpenKeys(cfg.KeysDir).Key("wallet")
	require.NoError(t, err)
	healthy := func(s Service) {
		require.True(t, alive(s.PID), s.Name)
		require.Equal(t, filepath.Join(n.Logs, s.Name+".log"), s.Log)
		require.Equal(t, "http://"+listenAddr(s.Port), s.URL)
		resp, err := http.Get(s.URL + "/healthz")
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, s.Name)
	}
	oracles := n.Services[3:6]
	var oracleKeys []solana.PublicKey
	for i, o := range oracles {
		healthy(o)
		key := filepath.Join(cfg.KeysDir, fmt.Sprintf("oracle-%d.json", i+1))
		require.Equal(t, []string{key}, o.Keys)
		require.Regexp(t, `^http://127\.0\.0\.1:\d+$`, o.API)
		k, err := keyfile.Load(key)
		require.NoError(t, err)
		oracleKeys = append(oracleKeys, k.PublicKey())
	}
	var devices []solana.PublicKey
	for i, w := range n.Services[6:8] {
		healthy(w)
		require.Empty(t, w.API)
		dir := filepath.Join(cfg.WorkersDir, fmt.Sprint(i+1))
		require.Equal(t, []string{filepath.Join(cfg.KeysDir, "wallet.json"), filepath.Join(dir, "device.json")}, w.Keys)
		for _, f := range []string{"device.json", "config.json"} {
			st, err := os.Stat(filepath.Join(dir, f))
			require.NoError(t, err)
			require.Equal(t, os.FileMode(0o600), st.Mode().Perm(), f)
		}
		key, err := keyfile.Load(filepath.Join(dir, "device.json"))
		require.NoError(t, err)
		d, err := net.Registry.FetchDevice(ctx, net.Client, key.PublicKey())
		require.NoError(t, err)
		require.Equal(t, wallet.PublicKey(), d.Owner)
		require.Equal(t, registry.ModelCPU, d.Spec.HardwareModel)
		require.Equal(t, minStake, d.Stake)
		require.Equal(t, registry.StatusProbation, d.Status)
		devices = append(devices, key.PublicKey())
	}
	// The keeper pays with the dev keeper key, replaces devices with the dev scheduler's, and
	// its passes succeed.
	k := n.Services[8]
	healthy(k)
	require.Equal(t, []string{filepath.Join(cfg.KeysDir, "keeper.json"), filepath.Join(cfg.KeysDir, "scheduler.json")}, k.Keys)
	require.Eventually(t, func() bool {
		resp, err := http.Get(k.URL + "/metrics")
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return regexp.MustCompile(`\ngpunet_keeper_last_successful_pass_timestamp_seconds 1\.\d+e\+09\n`).Match(body)
	}, 30*time.Second, 200*time.Millisecond, "no successful keeper pass")
	// The workers heartbeat every 5 s from their start: each oracle soon shows one of each.
	for i, o := range oracles {
		for _, device := range devices {
			var st wire.DeviceStatus
			require.Eventually(t, func() bool {
				resp, err := http.Get(o.API + wire.StatusPath + device.String())
				if err != nil {
					return false
				}
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				sig, serr := solana.SignatureFromBase58(resp.Header.Get(wire.SignatureHeader))
				require.NoError(t, errors.Join(err, serr))
				require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
				require.NoError(t, wire.Verify(oracleKeys[i], wire.DomainAnswer, body, sig))
				require.NoError(t, json.Unmarshal(body, &st))
				return st.LastHeartbeat != nil
			}, time.Minute, 200*time.Millisecond, "%s has no heartbeat from %s", o.Name, device)
			require.Equal(t, oracleKeys[i], st.Oracle)
			require.Equal(t, device, st.Device)
			require.False(t, st.LastHeartbeat.Late)
			require.Greater(t, st.LastHeartbeat.CreditedUntil, st.LastHeartbeat.ReceivedAt)
		}
	}
	healthy(n.Services[9])
	checkIndexer(t, n.Services[9], devices, oracles)
	return devices
}

// checkIndexer checks make dev's indexer: its explorer API soon counts the workers' devices,
// each in probation and owned by the dev wallet, as the chain holds them, and it names the
// oracles (the web app publishes job specs to their relays).
func checkIndexer(t *testing.T, ix Service, devices []solana.PublicKey, oracles []Service) {
	t.Helper()
	require.Equal(t, "indexer", ix.Name)
	var page struct {
		Items []struct {
			DeviceKey string `json:"device_key"`
			Status    string `json:"status"`
		} `json:"items"`
	}
	require.Eventually(t, func() bool {
		resp, err := http.Get(ix.API + "/v1/devices?sort=address")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		if resp.StatusCode != http.StatusOK {
			logs, _ := os.ReadFile(ix.Log)
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s\nthe indexer's log:\n%s", body, logs)
		}
		require.NoError(t, json.Unmarshal(body, &page))
		return len(page.Items) >= len(devices)
	}, 30*time.Second, 200*time.Millisecond, "the explorer API does not list the workers' devices")
	var got []string
	for _, d := range page.Items {
		require.Equal(t, "probation", d.Status, d.DeviceKey)
		got = append(got, d.DeviceKey)
	}
	want := make([]string, len(devices))
	for i, d := range devices {
		want[i] = d.String()
	}
	require.ElementsMatch(t, want, got)
	// the web app's cloud console finds the oracles' relays there
	var named struct{ URLs []string }
	resp, err := http.Get(ix.API + "/v1/oracles")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&named))
	require.Len(t, named.URLs, len(oracles))
	for i, o := range oracles {
		require.Equal(t, o.API, named.URLs[i])
	}
}
