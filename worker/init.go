package worker

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/internal/daemon"
	"github.com/gpunet/gpunet/internal/keyfile"
)

// ErrKeyExists is init on a directory that already has a device key: a device key is the
// device's identity on chain, and overwriting it would orphan the registered device.
var ErrKeyExists = errors.New("a device key already exists")

// InitResult is what init wrote.
type InitResult struct {
	Device solana.PublicKey `json:"device"`
	Key    string           `json:"device_keypair"`
	Config string           `json:"config"`
	// ConfigKept: the config file existed and was left as it was.
	ConfigKept bool `json:"config_kept"`
}

// Init writes a new device keypair (0600) and a commented config file with the defaults into
// dir; it refuses a dir that has a device key already. An existing config file is kept.
func Init(dir string) (InitResult, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return InitResult{}, fmt.Errorf("init: %w", err)
	}
	res := InitResult{Key: filepath.Join(dir, "device.json"), Config: ConfigFile(dir)}
	if _, err := os.Stat(res.Key); !errors.Is(err, fs.ErrNotExist) {
		return InitResult{}, fmt.Errorf("init %s: %w (it is this device's identity on chain; remove it only to start over as a new device)", res.Key, ErrKeyExists)
	}
	key := solana.NewWallet().PrivateKey
	if err := keyfile.Save(res.Key, key); err != nil {
		return InitResult{}, err
	}
	res.Device = key.PublicKey()
	_, err = os.Stat(res.Config)
	res.ConfigKept = !errors.Is(err, fs.ErrNotExist)
	if !res.ConfigKept {
		cfg := DefaultConfig()
		cfg.DeviceKeypair, cfg.StateDir = res.Key, dir
		cfg.URL = "http://127.0.0.1:8899"
		cfg.Oracles = "http://127.0.0.1:8701,http://127.0.0.1:8702,http://127.0.0.1:8703"
		if err := os.WriteFile(res.Config, commented(&cfg), 0o600); err != nil {
			return InitResult{}, fmt.Errorf("init: write config: %w", err)
		}
	}
	return res, nil
}

// commented writes cfg as the config file's JSON, each key after a "// key" entry with its
// usage (the loader skips keys beginning with "//").
func commented(cfg *Config) []byte {
	var b strings.Builder
	b.WriteString("{\n  \"//\": \"gpunet-worker config; GPUNET_WORKER_<KEY> variables and -<key> flags override it\",\n")
	entries := daemon.Entries(cfg)
	for i, e := range entries {
		usage, _ := json.Marshal(e.Usage)
		value, _ := json.Marshal(e.Value)
		fmt.Fprintf(&b, "  \"// %s\": %s,\n  %q: %s", e.Key, usage, e.Key, value)
		if i < len(entries)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	return []byte(b.String())
}
