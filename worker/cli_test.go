package worker

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// execute runs gpunet-worker with args and returns its exit status, stdout and stderr.
func execute(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := Execute(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestEveryCommandHasHelpWithExamples(t *testing.T) {
	for _, c := range []string{"init", "register", "run", "status"} {
		code, out, _ := execute(c, "--help")
		require.Equal(t, 0, code, c)
		require.Contains(t, out, "Usage:\n  gpunet-worker "+c, c)
		require.Contains(t, out, "Examples:\n  gpunet-worker "+c, c)
	}
}

func TestUnknownArgumentsAreRefused(t *testing.T) {
	for args, want := range map[string]string{
		"bogus":          `Error: unknown command "bogus" for "gpunet-worker"`,
		"init extra":     `Error: unknown command "extra" for "gpunet-worker init"`,
		"status extra":   `Error: unknown command "extra" for "gpunet-worker status"`,
		"register extra": `Error: unknown command "extra" for "gpunet-worker register"`,
		"status --bogus": "Error: unknown flag: --bogus",
		"run extra":      `Error: load config: invalid config: unexpected arguments ["extra"]`,
	} {
		code, _, stderr := execute(strings.Fields(args)...)
		require.Equal(t, 1, code, args)
		require.Equal(t, want, strings.TrimSpace(stderr), args)
	}
}

func TestErrorsSayWhatToDoNext(t *testing.T) {
	config := filepath.Join(t.TempDir(), "config.json")
	for _, c := range []string{"status", "register"} {
		code, _, stderr := execute(c, "--config", config)
		require.Equal(t, 1, code)
		require.Contains(t, stderr, "\n"+config+" does not exist: run `gpunet-worker init` to write the device key and config (or pass --config FILE)\n", c)
	}

	// No RPC: make dev starts the localnet.
	dir := t.TempDir()
	code, out, _ := execute("init", "--dir", dir)
	require.Equal(t, 0, code)
	config = filepath.Join(dir, "config.json")
	require.Equal(t, "Device:  "+strings.TrimPrefix(strings.Split(out, "\n")[0], "Device:  ")+"\n"+
		"Wrote the device keypair to "+filepath.Join(dir, "device.json")+" (mode 0600; back it up: it is the device's identity on chain)\n"+
		"Wrote the config to "+config+" (each setting with its meaning: set oracles, owner-keypair and the hardware overrides you need)\n"+
		"\nNext: gpunet-worker register --config "+config+" -k YOUR_WALLET.json\n", out)
	t.Setenv("GPUNET_WORKER_URL", "http://127.0.0.1:1")
	code, _, stderr := execute("status", "--config", config)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "is the localnet running? try `make dev`")

	// A config already there is kept, and init says so.
	kept := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(kept, "config.json"), []byte("{}\n"), 0o600))
	code, out, _ = execute("init", "--dir", kept)
	require.Equal(t, 0, code)
	require.Contains(t, out, "\nKept the existing config "+filepath.Join(kept, "config.json")+"\n")
}
