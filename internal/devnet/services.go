package devnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/keyfile"
	"github.com/gpunet/gpunet/internal/localdev"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/internal/pg"
	"github.com/gpunet/gpunet/internal/protocol"
)

// Env is the running dev network the daemons' entries are made from.
type Env struct {
	RPCURL, WSURL string
	// KeysDir holds the localnet's DEV-ONLY keys (oracle-1..3, keeper, scheduler, wallet, ...).
	KeysDir string
	// WorkersDir holds each worker's own keys, WorkersDir/<n>/.
	WorkersDir string
	Postgres   *pg.Server
	// Net is the configured chain, for what the entries prepare on it (a worker's device).
	Net *network.Network
	// FreePorts: the daemons listen on free ports, not their fixed ones (Config.FreeDaemonPorts).
	FreePorts bool
	// Ray is the pinned venv's ray executable, "" when the venv is missing: the workers then
	// accept no jobs.
	Ray string
}

// port is fixed, or a free port with FreePorts (fixed if none is found: the daemon's listen
// then fails with the reason).
func (e Env) port(fixed int) int {
	if e.FreePorts {
		if p, err := harness.FreePort(); err == nil {
			return p
		}
	}
	return fixed
}

// Dev daemon ports on 127.0.0.1: oracle n serves /healthz on oraclePort+n and its API on
// oracleAPIPort+n (the oracles `gpunet-worker init` writes into a new config), worker n
// serves /healthz on workerPort+n.
const (
	oraclePort    = 8800
	oracleAPIPort = 8700
	workerPort    = 8810
	keeperPort    = 8820
	indexerPort   = 8830
	explorerPort  = 8880
	devWorkers    = 2
)

// devRayPorts is where the dev workers' Ray ports start: worker n uses the 109 from
// devRayPorts+200n.
const devRayPorts = 20_000

// devKeeperEvery is how often the dev keeper looks for due cranks, devKeeperWatch how often it
// asks the oracles about running jobs' devices.
const (
	devKeeperEvery = "5s"
	devKeeperWatch = "2s"
)

// devPrice is the IO/USD price the dev oracles submit: $1.00 in micro-USD, confidence 0.1%.
const devPrice = 1_000_000

// DevDaemons are make dev's daemons in start order, the one place that says what runs: an
// entry whose binary is not built is skipped, and the table says so.
//
//	oracle-1..3  target/bin/gpunet-oracle  /healthz 127.0.0.1:8801-8803, API 127.0.0.1:8701-8703  keys/oracle-n.json, database oracle_n, devPrice every 30 s
//	worker-1..2  target/bin/gpunet-worker  /healthz 127.0.0.1:8811-8812  workers/n/device.json (its own), keys/wallet.json (owner), Ray nodes on 127.0.0.(n+1)
//	keeper       target/bin/gpunet-keeper  /healthz 127.0.0.1:8820            keys/keeper.json (pays the cranks' fees), a pass every 5 s,
//	                                                                           keys/scheduler.json (replaces devices the oracles report down, asked every 2 s)
//	indexer      target/bin/gpunet-indexer /healthz 127.0.0.1:8830, explorer API 127.0.0.1:8880  database indexer, at confirmed commitment (make dev
//	                                                                           shows a transaction within a second, not after finalization's
//	                                                                           32 slots), the oracles' live views and plain-http webhooks
//
// A worker is CPU class (hardware model 0: the dev machine needs no GPU) with its config in
// workers/n/config.json, written at each start (`gpunet-worker status --config` reads it);
// before it starts, its device is registered and staked with the dev wallet as owner (see
// registerWorker). Flags follow the daemon kit's config (key = flag); keys are passed as
// file paths, never as values.
func DevDaemons(e Env) []Daemon {
	var daemons []Daemon
	var oracles []string
	for n := 1; n <= localdev.Oracles; n++ {
		name, port, api := fmt.Sprintf("oracle-%d", n), e.port(oraclePort+n), e.port(oracleAPIPort+n)
		key, db := filepath.Join(e.KeysDir, name+".json"), fmt.Sprintf("oracle_%d", n)
		daemons = append(daemons, Daemon{
			Name: name, Bin: "target/bin/gpunet-oracle", Port: port, API: api, Keys: []string{key}, Database: db,
			Args: []string{"-listen", listenAddr(port), "-api-listen", listenAddr(api), "-url", e.RPCURL, "-cluster", "localnet",
				"-keypair", key, "-database-url", e.Postgres.URL(db),
				"-price-every", "30s", "-price-fixed", strconv.Itoa(devPrice), "-price-conf", strconv.Itoa(devPrice / 1000)},
		})
		oracles = append(oracles, "http://"+listenAddr(api))
	}
	wallet := filepath.Join(e.KeysDir, "wallet.json")
	for n := 1; n <= devWorkers; n++ {
		dir, port := filepath.Join(e.WorkersDir, strconv.Itoa(n)), e.port(workerPort+n)
		device, config := filepath.Join(dir, "device.json"), filepath.Join(dir, "config.json")
		settings := map[string]string{
			"listen": listenAddr(port), "url": e.RPCURL, "ws-url": e.WSURL, "cluster": "localnet", "device-keypair": device, "owner-keypair": wallet,
			"oracles": strings.Join(oracles, ","), "state-dir": dir, "hardware-model": strconv.Itoa(int(registry.ModelCPU)),
		}
		if e.Ray != "" { // each worker a host of its own: its Ray nodes on 127.0.0.(n+1)
			settings["ray"], settings["ray-address"] = e.Ray, fmt.Sprintf("127.0.0.%d", n+1)
			settings["ray-port-base"], settings["ray-cpus"] = strconv.Itoa(devRayPorts+200*n), "1"
			settings["ray-stop-on-exit"] = "true" // make down leaves nothing running
		}
		daemons = append(daemons, Daemon{
			Name: fmt.Sprintf("worker-%d", n), Bin: "target/bin/gpunet-worker", Port: port, Keys: []string{wallet}, NewKeys: []string{device},
			Args:    []string{"run", "-config", config},
			Prepare: registerWorker(e, config, settings),
		})
	}
	keeper, scheduler, port := filepath.Join(e.KeysDir, "keeper.json"), filepath.Join(e.KeysDir, "scheduler.json"), e.port(keeperPort)
	daemons = append(daemons, Daemon{
		Name: "keeper", Bin: "target/bin/gpunet-keeper", Port: port, Keys: []string{keeper, scheduler},
		Args: []string{"-listen", listenAddr(port), "-url", e.RPCURL, "-cluster", "localnet", "-keypair", keeper, "-every", devKeeperEvery,
			"-scheduler-keypair", scheduler, "-oracles", strings.Join(oracles, ","), "-watch-every", devKeeperWatch},
	})
	port, api := e.port(indexerPort), e.port(explorerPort)
	daemons = append(daemons, Daemon{
		Name: "indexer", Bin: "target/bin/gpunet-indexer", Port: port, API: api, Database: "indexer",
		Args: []string{"-listen", listenAddr(port), "-api-listen", listenAddr(api), "-url", e.RPCURL, "-ws-url", e.WSURL, "-cluster", "localnet",
			"-database-url", e.Postgres.URL("indexer"), "-commitment", "confirmed", "-oracles", strings.Join(oracles, ","), "-alerts-allow-private"},
	})
	return daemons
}

// registerWorker writes the worker's config and registers its device with the minimum stake
// of its hardware model by the worker's own `gpunet-worker register`, with the IO it stakes
// airdropped to the owner wallet from the localnet's faucet first. A device registered with
// that stake is left as it is: the chain is kept across make dev.
func registerWorker(e Env, config string, settings map[string]string) func(context.Context, func(...string) ([]byte, error)) (string, error) {
	return func(ctx context.Context, run func(...string) ([]byte, error)) (string, error) {
		data, err := json.MarshalIndent(settings, "", "  ")
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(config, append(data, '\n'), 0o600); err != nil {
			return "", fmt.Errorf("write %s: %w", config, err)
		}
		device, err := keyfile.Load(settings["device-keypair"])
		if err != nil {
			return "", err
		}
		if err := fundDevice(ctx, e, device.PublicKey()); err != nil {
			return "", err
		}
		rc, err := e.Net.Registry.FetchConfig(ctx, e.Net.Client)
		if err != nil {
			return "", fmt.Errorf("read the registry config: %w", err)
		}
		minStake, err := protocol.MinStake(&rc.Params, registry.ModelCPU)
		if err != nil {
			return "", err
		}
		var staked uint64
		switch d, err := e.Net.Registry.FetchDevice(ctx, e.Net.Client, device.PublicKey()); {
		case err == nil && d.Stake >= minStake:
			return fmt.Sprintf("device %s registered already, %s IO staked", device.PublicKey(), ioAmount(d.Stake)), nil
		case err == nil:
			staked = d.Stake
		case !errors.Is(err, chain.ErrAccountNotFound):
			return "", fmt.Errorf("read device %s: %w", device.PublicKey(), err)
		}
		if err := fundWallet(ctx, e, minStake-staked); err != nil {
			return "", err
		}
		out, err := run("register", "--config", config, "-o", "json")
		if err != nil {
			return "", err
		}
		var signed struct {
			Plan struct {
				TopUp uint64 `json:"top_up"`
			} `json:"plan"`
		}
		if err := json.Unmarshal(out, &signed); err != nil {
			return "", fmt.Errorf("gpunet-worker register -o json: %w", err)
		}
		return fmt.Sprintf("device %s registered, %s IO staked", device.PublicKey(), ioAmount(staked+signed.Plan.TopUp)), nil
	}
}

// fundWallet airdrops io base units to the dev wallet, and SOL for the fees and rent when it
// has less than one.
func fundWallet(ctx context.Context, e Env, io uint64) error {
	keys := localdev.OpenKeys(e.KeysDir)
	wallet, err := keys.Key("wallet")
	if err != nil {
		return err
	}
	lamports, err := e.Net.Client.Balance(ctx, wallet.PublicKey())
	if err != nil {
		return err
	}
	a := localdev.Amounts{IO: io}
	if lamports < solana.LAMPORTS_PER_SOL {
		a.Lamports = 10 * solana.LAMPORTS_PER_SOL
	}
	_, err = localdev.Airdrop(ctx, e.Net.Client, keys, wallet.PublicKey(), a)
	return err
}

// fundDevice airdrops SOL to a device key holding less than 0.1: it pays the fee when it
// accepts a job, and its owner's payout account's rent when missing.
func fundDevice(ctx context.Context, e Env, device solana.PublicKey) error {
	lamports, err := e.Net.Client.Balance(ctx, device)
	if err != nil || lamports >= solana.LAMPORTS_PER_SOL/10 {
		return err
	}
	_, err = localdev.Airdrop(ctx, e.Net.Client, localdev.OpenKeys(e.KeysDir), device, localdev.Amounts{Lamports: solana.LAMPORTS_PER_SOL})
	return err
}

// ioAmount is base units of IO in IO.
func ioAmount(units uint64) string {
	return strconv.FormatFloat(float64(units)/math.Pow10(localdev.IODecimals), 'f', -1, 64)
}

func listenAddr(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }
