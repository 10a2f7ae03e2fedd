package anchorcfg

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLoadRepositoryAnchorToml(t *testing.T) {
	cfg, err := Load("../../Anchor.toml")
	require.NoError(t, err)
	id, err := cfg.ProgramID("localnet", "registry")
	require.NoError(t, err)
	require.Equal(t, "7DuDHERwuoT4YScXwdZJuzN3swPM1Tp3SDMvnuGzvK58", id.String())
	require.Equal(t, "localnet", cfg.Provider.Cluster)
	abs, err := filepath.Abs("../../target/localnet/keys/wallet.json")
	require.NoError(t, err)
	got, err := filepath.Abs(cfg.WalletPath())
	require.NoError(t, err)
	require.Equal(t, abs, got)
}

func TestProgramIDErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "Anchor.toml")
	require.NoError(t, os.WriteFile(path, []byte("[programs.localnet]\nregistry = \"not-base58!\"\n"), 0o644))
	cfg, err := Load(path)
	require.NoError(t, err)
	_, err = cfg.ProgramID("devnet", "registry")
	require.EqualError(t, err, "anchor config has no [programs.devnet]")
	_, err = cfg.ProgramID("localnet", "registry")
	require.ErrorContains(t, err, "program registry on localnet: ")
	require.Equal(t, []string{"registry"}, cfg.ProgramNames("localnet"))
}

func TestClusterEndpoints(t *testing.T) {
	e, err := ClusterEndpoints("localnet")
	require.NoError(t, err)
	require.Equal(t, Endpoints{"http://127.0.0.1:8899", "ws://127.0.0.1:8900"}, e)
	e, err = ClusterEndpoints("mainnet-beta")
	require.NoError(t, err)
	require.Equal(t, "https://api.mainnet-beta.solana.com", e.RPC)
	_, err = ClusterEndpoints("moon")
	require.EqualError(t, err, `unknown cluster "moon" (want localnet, devnet, testnet or mainnet)`)
}
