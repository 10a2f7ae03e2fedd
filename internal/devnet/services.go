package devnet

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gpunet/gpunet/internal/localdev"
	"github.com/gpunet/gpunet/internal/pg"
)

// Env is the running dev network the daemons' entries are made from.
type Env struct {
	RPCURL, WSURL string
	// KeysDir holds the localnet's DEV-ONLY keys (oracle-1..3, keeper, scheduler, wallet, ...).
	KeysDir string
	// WorkersDir holds each worker's own keys, WorkersDir/<n>/.
	WorkersDir string
	Postgres   *pg.Server
}

// Dev daemon ports on 127.0.0.1: oracle n listens on oraclePort+n, worker n on workerPort+n.
const (
	oraclePort = 8800
	workerPort = 8810
	devWorkers = 2
)

// DevDaemons are make dev's daemons in start order, the one place that says what runs: an
// entry whose binary is not built (make dev builds cmd/gpunet-oracle and cmd/gpunet-worker
// once they exist) is skipped, and the table says so.
//
//	oracle-1..3  target/bin/gpunet-oracle  127.0.0.1:8801-8803  keys/oracle-n.json, database oracle_n
//	worker-1..2  target/bin/gpunet-worker  127.0.0.1:8811-8812  workers/n/device.json (its own), keys/wallet.json (owner), the oracles' URLs
//
// The flags follow the daemon kit's config (key = flag, GPUNET_<NAME>_<KEY> in the
// environment); keys are passed as file paths, never as values.
func DevDaemons(e Env) []Daemon {
	var daemons []Daemon
	var oracles []string
	for n := 1; n <= localdev.Oracles; n++ {
		name, port := fmt.Sprintf("oracle-%d", n), oraclePort+n
		key, db := filepath.Join(e.KeysDir, name+".json"), fmt.Sprintf("oracle_%d", n)
		daemons = append(daemons, Daemon{
			Name: name, Bin: "target/bin/gpunet-oracle", Port: port, Keys: []string{key}, Database: db,
			Args: []string{"-listen", listenAddr(port), "-url", e.RPCURL, "-keypair", key, "-database", e.Postgres.URL(db)},
		})
		oracles = append(oracles, "http://"+listenAddr(port))
	}
	wallet := filepath.Join(e.KeysDir, "wallet.json")
	for n := 1; n <= devWorkers; n++ {
		port, device := workerPort+n, filepath.Join(e.WorkersDir, strconv.Itoa(n), "device.json")
		daemons = append(daemons, Daemon{
			Name: fmt.Sprintf("worker-%d", n), Bin: "target/bin/gpunet-worker", Port: port, Keys: []string{wallet}, NewKeys: []string{device},
			Args: []string{"run", "-listen", listenAddr(port), "-url", e.RPCURL, "-device-key", device, "-owner", wallet,
				"-oracles", strings.Join(oracles, ",")},
		})
	}
	return daemons
}

func listenAddr(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }
