// Package keyfile reads and writes Solana CLI keypair files (a JSON array of the 64 secret-key
// bytes) and refuses files that other users can read, as ssh does: a key is only as safe as
// its file's mode.
package keyfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gagliardetto/solana-go"
)

// ErrExposed is returned for a key file that group or other users may access.
var ErrExposed = errors.New("key file is accessible by other users (want mode 0600)")

// Load reads a keypair file that only its owner can access.
func Load(path string) (solana.PrivateKey, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load key: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("load key %s (mode %#o): %w", path, info.Mode().Perm(), ErrExposed)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load key: %w", err)
	}
	var ints []int
	if err := json.Unmarshal(data, &ints); err != nil {
		return nil, fmt.Errorf("load key %s: not a keypair file: %w", path, err)
	}
	if len(ints) != 64 {
		return nil, fmt.Errorf("load key %s: %d bytes, want 64", path, len(ints))
	}
	key := make(solana.PrivateKey, 64)
	for i, b := range ints {
		if b < 0 || b > 255 {
			return nil, fmt.Errorf("load key %s: byte %d out of range", path, b)
		}
		key[i] = byte(b)
	}
	if err := key.Validate(); err != nil {
		return nil, fmt.Errorf("load key %s: %w", path, err)
	}
	return key, nil
}

// Save writes a keypair file readable only by its owner, creating its directory (0700).
func Save(path string, key solana.PrivateKey) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("save key: %w", err)
	}
	ints := make([]int, len(key))
	for i, b := range key {
		ints[i] = int(b)
	}
	data, _ := json.Marshal(ints)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("save key: %w", err)
	}
	return os.Chmod(path, 0o600) // WriteFile keeps the mode of an existing file
}
