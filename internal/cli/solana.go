package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"
)

// SolanaConfig is the part of the Solana CLI's config file that gpunet's defaults come from.
type SolanaConfig struct {
	JSONRPCURL  string `yaml:"json_rpc_url"`
	KeypairPath string `yaml:"keypair_path"`
	Commitment  string `yaml:"commitment"`
}

// LoadSolanaConfig reads ~/.config/solana/cli/config.yml under home; a missing file is an
// empty config, as for the Solana CLI.
func LoadSolanaConfig(home string) (SolanaConfig, error) {
	path := filepath.Join(home, ".config", "solana", "cli", "config.yml")
	var c SolanaConfig
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read solana config: %w", err)
	}
	if err := yaml.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("parse %s: %w", path, err)
	}
	return c, nil
}

// DefaultKeypair is the keypair the Solana CLI signs with by default: the config's
// keypair_path, else ~/.config/solana/id.json under home.
func (c SolanaConfig) DefaultKeypair(home string) string {
	if c.KeypairPath != "" {
		return c.KeypairPath
	}
	return filepath.Join(home, ".config", "solana", "id.json")
}

// DefaultURL is the -u/--url default: the config's json_rpc_url, else localhost.
func (c SolanaConfig) DefaultURL() string {
	if c.JSONRPCURL != "" {
		return c.JSONRPCURL
	}
	return "localhost"
}
