package network

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/anchorcfg"
)

// The built-in Anchor.toml is the repository's: the same localnet ids, read without a file.
func TestBuiltinIsTheRepositoryAnchorToml(t *testing.T) {
	file, err := anchorcfg.Load("../../Anchor.toml")
	require.NoError(t, err)
	want, err := IDsOf(file, DevCluster)
	require.NoError(t, err)
	got, err := IDsOf(Builtin(), DevCluster)
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.Equal(t, solana.MustPublicKeyFromBase58("7DuDHERwuoT4YScXwdZJuzN3swPM1Tp3SDMvnuGzvK58"), got.Registry)
	require.True(t, DevOnly(got))
}

func TestClusterWithoutIDs(t *testing.T) {
	_, err := IDsOf(Builtin(), "mainnet")
	require.ErrorIs(t, err, ErrNoProgramIDs)
	require.EqualError(t, err, `no program ids for the cluster "mainnet": Anchor.toml has no [programs.mainnet]; deploy the programs there and add their ids`)

	_, err = IDsFrom(map[string]solana.PublicKey{"registry": {1}, "escrow": {2}})
	require.EqualError(t, err, `no program ids for the cluster: program "economy" has no id`)
}

// DEV-ONLY ids are refused on devnet, testnet and mainnet-beta, accepted on any other
// genesis (a localnet's); ids of one's own are accepted everywhere.
func TestCheckGenesis(t *testing.T) {
	dev, err := IDsOf(Builtin(), DevCluster)
	require.NoError(t, err)
	for genesis, name := range map[string]string{GenesisDevnet: "devnet", GenesisTestnet: "testnet", GenesisMainnetBeta: "mainnet-beta"} {
		err := CheckGenesis(dev, genesis)
		require.ErrorIs(t, err, ErrDevOnlyIDs)
		require.EqualError(t, err, "DEV-ONLY program ids on a public cluster: "+name+" runs a public cluster ("+genesis+
			"); generate program keypairs of your own, deploy them and put their ids in Anchor.toml")
		own := IDs{Registry: solana.NewWallet().PublicKey(), Escrow: solana.NewWallet().PublicKey(), Economy: solana.NewWallet().PublicKey()}
		require.NoError(t, CheckGenesis(own, genesis))
	}
	require.NoError(t, CheckGenesis(dev, solana.NewWallet().PublicKey().String()))
	// One dev id among one's own is enough to refuse.
	mixed := IDs{Registry: solana.NewWallet().PublicKey(), Escrow: dev.Escrow, Economy: solana.NewWallet().PublicKey()}
	require.ErrorIs(t, CheckGenesis(mixed, GenesisDevnet), ErrDevOnlyIDs)
}
