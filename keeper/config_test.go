package keeper_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/daemon"
	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/keyfile"
	"github.com/gpunet/gpunet/keeper"
)

// --help lists every key with its default and starts nothing.
func TestHelp(t *testing.T) {
	for _, arg := range []string{"--help", "-help", "-h"} {
		var out harness.Buffer
		require.NoError(t, keeper.Run(context.Background(), []string{"-keypair", "/nonexistent", arg}, &out))
		for _, line := range []string{"  -keypair ", "  -every ", "(default 30s)", "  -settle-after ", "(default 1h0m0s)", "  -proof-grace ",
			"  -max-backoff ", "  -scheduler-keypair ", "  -oracles ", "  -watch-every ", "(default 3s)", "  -url ", "  -listen ", "(default 127.0.0.1:8490)", "GPUNET_KEEPER_<KEY>"} {
			require.Contains(t, out.String(), line, arg)
		}
	}
}

func TestConfigRefusals(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "keypair is empty"},
		{[]string{"-keypair", "k", "-every", "0s"}, "every 0s is not positive"},
		{[]string{"-keypair", "k", "-settle-after", "500ms"}, "settle-after 500ms is under a second"},
		{[]string{"-keypair", "k", "-proof-grace", "-1s"}, "proof-grace -1s is negative"},
		{[]string{"-keypair", "k", "-every", "1m", "-max-backoff", "30s"}, "max-backoff 30s is shorter than every 1m0s"},
		{[]string{"-keypair", "k", "-scheduler-keypair", "s"}, "scheduler-keypair needs oracles"},
		{[]string{"-keypair", "k", "-watch-every", "0s"}, "watch-every 0s is not positive"},
	} {
		err := keeper.Run(context.Background(), append(c.args, "-listen", "127.0.0.1:0"), &harness.Buffer{})
		require.ErrorIs(t, err, daemon.ErrInvalidConfig, c.want)
		require.ErrorContains(t, err, c.want)
	}
	// A key file others may read is refused before anything else happens.
	key := filepath.Join(t.TempDir(), "keeper.json")
	require.NoError(t, keyfile.Save(key, solana.NewWallet().PrivateKey))
	require.NoError(t, os.Chmod(key, 0o644))
	err := keeper.Run(context.Background(), []string{"-keypair", key, "-listen", "127.0.0.1:0"}, &harness.Buffer{})
	require.ErrorIs(t, err, keyfile.ErrExposed)
	require.ErrorContains(t, err, "load the fee payer's key")
}
