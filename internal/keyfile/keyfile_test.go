package keyfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	key := solana.NewWallet().PrivateKey
	path := filepath.Join(t.TempDir(), "keys", "id.json")
	require.NoError(t, Save(path, key))
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	got, err := Load(path)
	require.NoError(t, err)
	require.Equal(t, key.PublicKey(), got.PublicKey())
}

func TestLoadRefusesExposedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "id.json")
	require.NoError(t, Save(path, solana.NewWallet().PrivateKey))
	require.NoError(t, os.Chmod(path, 0o644))
	_, err := Load(path)
	require.ErrorIs(t, err, ErrExposed)
	require.EqualError(t, err, "load key "+path+" (mode 0644): key file is accessible by other users (want mode 0600)")
}

func TestLoadRejectsMalformed(t *testing.T) {
	cases := []struct{ name, content, err string }{
		{"not json", "hello", "not a keypair file: invalid character 'h' looking for beginning of value"},
		{"short", "[1,2,3]", "3 bytes, want 64"},
		{"byte range", "[" + strings.Repeat("300,", 63) + "300]", "byte 300 out of range"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "id.json")
			require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o600))
			_, err := Load(path)
			require.EqualError(t, err, "load key "+path+": "+tc.err)
		})
	}
}
