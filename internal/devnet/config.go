package devnet

import (
	"io"
	"path/filepath"
	"strings"
)

// Config says where the dev network lives and what its first phase builds.
type Config struct {
	// Root is the repository root (Anchor.toml, localnet/dist, target/deploy).
	Root string
	// Dir holds the lock, network.json and the logs (default Root/target/dev).
	Dir string
	// StateDir keeps the chain across starts; KeysDir receives the DEV-ONLY keys.
	StateDir, KeysDir string
	// RPCPort and WSPort are the localnet's ports (0: free ports, for tests).
	RPCPort, WSPort int
	// PGDir keeps PostgreSQL's data across starts (make reset wipes it); PGPort is its TCP
	// port on 127.0.0.1 (0: a free port, for tests).
	PGDir  string
	PGPort int
	// WorkersDir holds each dev worker's own keys (WorkersDir/<n>/), created once and kept.
	WorkersDir string
	// Daemons lists the daemons to run once the chain is configured (DevDaemons).
	Daemons func(Env) []Daemon
	// FreeDaemonPorts has DevDaemons listen on free ports instead of their fixed ones (tests).
	FreeDaemonPorts bool
	// Build is the command of the build phase, run in Root; empty: no build phase.
	Build []string
	// Verbose copies the build's output to Out as well as to its log.
	Verbose bool
	// Out receives the progress, the table and the errors' context.
	Out io.Writer
}

// DefaultConfig is make dev's layout under root: target/dev, the chain in
// target/localnet/{state,keys}, JSON-RPC on 8899 and PubSub on 8900, PostgreSQL on 5433 with
// its data in target/dev/postgres, the workers' keys in target/dev/workers, DevDaemons.
func DefaultConfig(root string, out io.Writer) Config {
	dir := filepath.Join(root, "target", "dev")
	return Config{
		Root:       root,
		Dir:        dir,
		StateDir:   filepath.Join(root, "target", "localnet", "state"),
		KeysDir:    filepath.Join(root, "target", "localnet", "keys"),
		RPCPort:    8899,
		WSPort:     8900,
		PGDir:      filepath.Join(dir, "postgres"),
		PGPort:     5433,
		WorkersDir: filepath.Join(dir, "workers"),
		Daemons:    DevDaemons,
		Out:        out,
	}
}

func (c Config) lockPath() string    { return filepath.Join(c.Dir, "lock") }
func (c Config) networkPath() string { return filepath.Join(c.Dir, "network.json") }
func (c Config) logsDir() string     { return filepath.Join(c.Dir, "logs") }
func (c Config) renterPath() string  { return filepath.Join(c.Dir, "renter.json") }

// rel shows path relative to the root when it is inside it.
func (c Config) rel(path string) string {
	if r, err := filepath.Rel(c.Root, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}
