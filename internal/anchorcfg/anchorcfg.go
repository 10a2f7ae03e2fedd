// Package anchorcfg reads Anchor.toml, the one place that names gpunet's program ids per
// cluster, the provider's cluster and its wallet.
package anchorcfg

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/gagliardetto/solana-go"
	"github.com/pelletier/go-toml/v2"
)

// Config is the part of Anchor.toml that gpunet reads.
type Config struct {
	Programs map[string]map[string]string `toml:"programs"`
	Provider struct {
		Cluster string `toml:"cluster"`
		Wallet  string `toml:"wallet"`
	} `toml:"provider"`
	dir string
}

// Load parses an Anchor.toml file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read anchor config: %w", err)
	}
	return Parse(data, path)
}

// Parse parses the contents of an Anchor.toml file found at path (relative paths in it, such as
// the wallet's, are resolved against path's directory).
func Parse(data []byte, path string) (*Config, error) {
	var c Config
	if err := toml.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	c.dir = filepath.Dir(path)
	return &c, nil
}

// ProgramIDs returns every program id of a cluster ("localnet", "devnet", ...).
func (c *Config) ProgramIDs(cluster string) (map[string]solana.PublicKey, error) {
	entries, ok := c.Programs[cluster]
	if !ok {
		return nil, fmt.Errorf("anchor config has no [programs.%s]", cluster)
	}
	ids := make(map[string]solana.PublicKey, len(entries))
	for name, id := range entries {
		key, err := solana.PublicKeyFromBase58(id)
		if err != nil {
			return nil, fmt.Errorf("program %s on %s: %w", name, cluster, err)
		}
		ids[name] = key
	}
	return ids, nil
}

// ProgramID returns one program's id on a cluster.
func (c *Config) ProgramID(cluster, name string) (solana.PublicKey, error) {
	ids, err := c.ProgramIDs(cluster)
	if err != nil {
		return solana.PublicKey{}, err
	}
	id, ok := ids[name]
	if !ok {
		return solana.PublicKey{}, fmt.Errorf("anchor config has no program %q in [programs.%s]", name, cluster)
	}
	return id, nil
}

// ProgramNames lists a cluster's programs in sorted order.
func (c *Config) ProgramNames(cluster string) []string {
	names := make([]string, 0, len(c.Programs[cluster]))
	for name := range c.Programs[cluster] {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// WalletPath is the provider wallet, resolved against Anchor.toml's directory.
func (c *Config) WalletPath() string {
	if filepath.IsAbs(c.Provider.Wallet) {
		return c.Provider.Wallet
	}
	return filepath.Join(c.dir, c.Provider.Wallet)
}

// Endpoints are a cluster's JSON-RPC and PubSub URLs.
type Endpoints struct{ RPC, WS string }

var clusters = map[string]Endpoints{
	"localnet": {"http://127.0.0.1:8899", "ws://127.0.0.1:8900"},
	"devnet":   {"https://api.devnet.solana.com", "wss://api.devnet.solana.com"},
	"testnet":  {"https://api.testnet.solana.com", "wss://api.testnet.solana.com"},
	"mainnet":  {"https://api.mainnet-beta.solana.com", "wss://api.mainnet-beta.solana.com"},
}

// ClusterEndpoints returns the standard endpoints of a named cluster.
func ClusterEndpoints(cluster string) (Endpoints, error) {
	if cluster == "mainnet-beta" {
		cluster = "mainnet"
	}
	e, ok := clusters[cluster]
	if !ok {
		return Endpoints{}, fmt.Errorf("unknown cluster %q (want localnet, devnet, testnet or mainnet)", cluster)
	}
	return e, nil
}
