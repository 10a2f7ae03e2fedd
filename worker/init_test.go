package worker

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/daemon"
	"github.com/gpunet/gpunet/internal/keyfile"
)

func TestInitWritesKeyAndCommentedConfigAndRefusesToOverwrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "w")
	res, err := Init(dir)
	require.NoError(t, err)
	info, err := os.Stat(res.Key)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	key, err := keyfile.Load(res.Key)
	require.NoError(t, err)
	require.Equal(t, key.PublicKey(), res.Device)

	data, err := os.ReadFile(res.Config)
	require.NoError(t, err)
	require.Contains(t, string(data), `"// oracles": "comma-separated oracle base URLs; their keys are read from the registry on chain",`)

	t.Setenv("GPUNET_WORKER_REGION", "276") // file < env < flags
	cfg := DefaultConfig()
	require.NoError(t, daemon.Load(Name, []string{"-config", res.Config, "-hardware-model", "0"}, &cfg))
	want := DefaultConfig()
	want.DeviceKeypair, want.StateDir, want.URL, want.Region, want.HardwareModel = res.Key, dir, "http://127.0.0.1:8899", 276, 0
	want.Oracles = "http://127.0.0.1:8701,http://127.0.0.1:8702,http://127.0.0.1:8703"
	require.Equal(t, want, cfg)

	_, err = Init(dir)
	require.ErrorIs(t, err, ErrKeyExists)
	again, err := keyfile.Load(res.Key)
	require.NoError(t, err)
	require.Equal(t, key, again, "the key is untouched")
}
