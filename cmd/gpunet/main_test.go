package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/cli"
	"github.com/gpunet/gpunet/internal/keyfile"
	"github.com/gpunet/gpunet/internal/network"
)

// gpunet runs the command line in-process, with an empty stdin that is no terminal, and
// returns what it wrote.
func gpunet(ctx context.Context, args ...string) (stdout, stderr string, err error) {
	var out, errs bytes.Buffer
	err = execute(ctx, args, strings.NewReader(""), &out, &errs)
	return out.String(), errs.String(), err
}

// home is $HOME, as the test set it.
func home(t *testing.T) string {
	h, err := os.UserHomeDir()
	require.NoError(t, err)
	return h
}

type keypair struct {
	key  solana.PrivateKey
	path string
}

// writeKeypair writes a new keypair file (mode 0600) in a temporary directory.
func writeKeypair(t *testing.T) keypair {
	k := keypair{solana.NewWallet().PrivateKey, filepath.Join(t.TempDir(), "id.json")}
	require.NoError(t, keyfile.Save(k.path, k.key))
	return k
}

// writeSolanaConfig writes the Solana CLI's config file under $HOME.
func writeSolanaConfig(t *testing.T, yaml string) {
	path := filepath.Join(home(t), ".config", "solana", "cli", "config.yml")
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o700))
	require.NoError(t, os.WriteFile(path, []byte(yaml), 0o600))
}

// buildEnv is the environment the tests started with: building under a test's temporary HOME
// would leave the Go build cache behind.
var buildEnv = os.Environ()

// buildGpunet builds the binary into a temporary directory and returns a function that runs
// it in another one, away from the repository and its Anchor.toml.
func buildGpunet(t *testing.T) func(args ...string) (stdout, stderr string, exitCode int) {
	bin := filepath.Join(t.TempDir(), "gpunet")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = buildEnv
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))
	dir := t.TempDir()
	return func(args ...string) (string, string, int) {
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return stdout.String(), stderr.String(), exit.ExitCode()
		}
		require.NoError(t, err)
		return stdout.String(), stderr.String(), 0
	}
}

// closedPortURL is a loopback URL nothing listens on.
func closedPortURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	url := "http://" + l.Addr().String()
	require.NoError(t, l.Close())
	return url
}

var commands = []string{"localnet-init", "airdrop", "quote", "deploy", "registry-config", "escrow-config", "economy-config", "jobs", "job", "topup", "cancel", "close"}

// --help succeeds on gpunet and on every command, each with a description and examples.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		out, errs, err := gpunet(t.Context(), args...)
		require.NoError(t, err)
		require.Empty(t, errs)
		require.Contains(t, out, "Examples:\n  make dev")
		for _, name := range commands {
			require.Regexp(t, `\n  `+name+` +[A-Z]\w+`, out) // listed with its description
		}
	}
	for _, name := range commands {
		out, errs, err := gpunet(t.Context(), name, "--help")
		require.NoError(t, err)
		require.Empty(t, errs)
		require.Contains(t, out, "Usage:\n  gpunet "+name)
		require.Contains(t, out, "Examples:\n  gpunet "+name)
		require.Contains(t, out, "-u, --url string")
	}
}

// The binary, run outside the repository: --help exits 0, errors exit 1 with their message.
func TestBinaryExitStatus(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	gpunet := buildGpunet(t)
	out, errs, code := gpunet("--help")
	require.Equal(t, 0, code)
	require.Empty(t, errs)
	require.Contains(t, out, "Examples:")
	url := closedPortURL(t)
	out, errs, code = gpunet("registry-config", "-u", url)
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Equal(t, "Error: cannot reach "+url+": is the localnet running? try `make dev`\n", errs)
	_, errs, code = gpunet("nope")
	require.Equal(t, 1, code)
	require.Equal(t, "Error: unknown command \"nope\" for \"gpunet\"\nRun 'gpunet --help' for usage.\n", errs)
}

// A mistyped command, flag or argument is refused with a usage hint, before anything runs.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		err, hint string
	}{
		{[]string{"registry-conf"}, "unknown command \"registry-conf\" for \"gpunet\"\n\nDid you mean this?\n\tregistry-config\n", "gpunet"},
		{[]string{"registry-config", "--bogus"}, "unknown flag: --bogus", "gpunet registry-config"},
		{[]string{"registry-config", "extra"}, `unknown command "extra" for "gpunet registry-config"`, "gpunet registry-config"},
		{[]string{"localnet-init", "extra"}, `unknown command "extra" for "gpunet localnet-init"`, "gpunet localnet-init"},
		{[]string{"-u", "moon", "escrow-config"}, `--url "moon": want localhost, devnet, testnet, mainnet-beta (or l, d, t, m) or an http(s) URL`, "gpunet escrow-config"},
		{[]string{"--commitment", "max", "escrow-config"}, `--commitment "max": want processed, confirmed or finalized`, "gpunet escrow-config"},
	} {
		out, errs, err := gpunet(t.Context(), tc.args...)
		require.EqualError(t, err, tc.err)
		require.Empty(t, out)
		require.Equal(t, "Error: "+tc.err+"\nRun '"+tc.hint+" --help' for usage.\n", errs)
	}
}

// An RPC that refuses the connection fails Open's probe (bounded by network.ProbeTimeout) with
// a hint to start the localnet.
func TestUnreachableRPC(t *testing.T) {
	url := closedPortURL(t)
	for _, name := range []string{"registry-config", "escrow-config", "economy-config"} {
		_, errs, err := gpunet(t.Context(), "-u", url, name)
		require.ErrorIs(t, err, network.ErrUnreachable)
		require.EqualError(t, err, "cannot reach "+url+": is the localnet running? try `make dev`")
		require.Equal(t, "Error: "+err.Error()+"\n", errs) // no usage hint: the command was right
	}
}

// -u devnet: gpunet has no ids there, which is said before anything is asked of devnet.
func TestDevnetHasNoIDs(t *testing.T) {
	_, _, err := gpunet(t.Context(), "-u", "devnet", "registry-config")
	require.ErrorIs(t, err, network.ErrNoProgramIDs)
	require.EqualError(t, err, `no program ids for the cluster "devnet": Anchor.toml has no [programs.devnet]; deploy the programs there and add their ids`+
		` (gpunet has no deployment there yet; for one of your own, pass its Anchor.toml with --anchor-toml)`)
}

// On a fresh localnet: the configs are missing and the error says to run localnet-init;
// localnet-init configures them; the configs then print as readable lines (no padding) and as
// JSON (indented or compact) that decodes to the account on chain.
func TestConfigsOnTheLocalnet(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	e := chaintest.New(t)
	run := func(args ...string) (string, error) {
		out, _, err := gpunet(e.Ctx, append([]string{"-u", e.Node.RPCURL}, args...)...)
		return out, err
	}
	for _, program := range []string{"registry", "escrow", "economy"} {
		_, err := run(program + "-config")
		require.ErrorIs(t, err, network.ErrNotConfigured)
		require.EqualError(t, err, "the "+program+" program is not initialized on this localnet: run `gpunet localnet-init` (`make dev` does)")
	}

	out, err := run("localnet-init", "--keys", e.Node.KeysDir)
	require.NoError(t, err)
	require.Equal(t, "registry config: "+e.Registry.ConfigAddress().String()+"\nescrow config: "+e.Network.Escrow.ConfigAddress().String()+
		"\neconomy config: "+e.Economy.ConfigAddress().String()+"\nchanged: initialize registry config, initialize economy config, initialize escrow config\n", out)
	out, err = run("localnet-init", "--keys", e.Node.KeysDir, "-o", "json-compact")
	require.NoError(t, err)
	require.Equal(t, `{"registryConfig":"`+e.Registry.ConfigAddress().String()+`","escrowConfig":"`+e.Network.Escrow.ConfigAddress().String()+
		`","economyConfig":"`+e.Economy.ConfigAddress().String()+`","changed":[]}`+"\n", out)

	reg, err := e.Registry.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	esc, err := e.Network.Escrow.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	eco, err := e.Economy.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	for _, tc := range []struct {
		program string
		want    any
		decoded func() any
	}{
		{"registry", reg, func() any { return new(registry.Config) }},
		{"escrow", esc, func() any { return new(escrow.Config) }},
		{"economy", eco, func() any { return new(economy.Config) }},
	} {
		for _, format := range []string{"json", "json-compact"} {
			out, err := run(tc.program+"-config", "--output", format)
			require.NoError(t, err)
			require.Equal(t, format == "json", strings.Contains(out, "\n  "), "indented only as json")
			got := tc.decoded()
			require.NoError(t, json.Unmarshal([]byte(out), got))
			require.Equal(t, tc.want, got)
		}
		out, err := run(tc.program + "-config")
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		require.Less(t, len(lines), 100, out)
		for _, line := range lines {
			require.Regexp(t, `^[a-zA-Z][\w.\[\]]*: \S`, line)
			require.NotRegexp(t, `(?i)padding|reserved`, line)
		}
	}

	out, err = run("registry-config")
	require.NoError(t, err)
	oracles := reg.Params.Oracles
	require.Equal(t, strings.Join([]string{
		"address: " + e.Registry.ConfigAddress().String(),
		"admin: " + e.Admin.PublicKey().String(),
		"ioMint: " + e.IOMint.String(),
		"iosdMint: " + e.IOSDMint.String(),
		"params.keeper: " + e.Keeper.PublicKey().String(),
		"params.treasury: " + e.Treasury.String(),
		"params.compensationPool: " + e.Treasury.String(),
		"params.escrowAuthority: " + e.Network.Escrow.AuthorityAddress().String(),
		"params.oracles[0]: " + oracles[0].String(),
		"params.oracles[1]: " + oracles[1].String(),
		"params.oracles[2]: " + oracles[2].String(),
	}, "\n")+"\n", out[:strings.Index(out, "params.baseStake")])
	for _, line := range []string{"params.baseStake: 200 IO", "params.unstakeCooldownSecs: 14d", "params.heartbeatIntervalSecs: 5s", "params.proofWindowSecs: 1m", "params.probationSecs: 3m",
		"params.hardwareClasses[1].multiplierBps: 1.25x", "params.slashBps[2]: 1%", "params.hardwareClassCount: 6", "pendingAppliesAt: none"} {
		require.Contains(t, out, "\n"+line+"\n")
	}
	out, err = run("economy-config")
	require.NoError(t, err)
	require.Contains(t, out, "\nparams.supplyCap: "+cli.IO.Format(eco.Params.SupplyCap)+"\n")
	require.Contains(t, out, "\nparams.genesisTime: "+time.Unix(eco.Params.GenesisTime, 0).UTC().Format(time.RFC3339)+"\n")

	// Without -u, the Solana CLI config's json_rpc_url.
	writeSolanaConfig(t, "json_rpc_url: "+e.Node.RPCURL+"\n")
	out, _, err = gpunet(e.Ctx, "escrow-config", "-o", "json-compact")
	require.NoError(t, err)
	got := new(escrow.Config)
	require.NoError(t, json.Unmarshal([]byte(out), got))
	require.Equal(t, esc, got)

	// The binary knows the program ids anywhere: it carries Anchor.toml.
	out, _, code := buildGpunet(t)("-u", e.Node.RPCURL, "escrow-config", "-o", "json")
	require.Equal(t, 0, code)
	got = new(escrow.Config)
	require.NoError(t, json.Unmarshal([]byte(out), got))
	require.Equal(t, esc, got)
}
