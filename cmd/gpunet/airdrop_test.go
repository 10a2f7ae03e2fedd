package main

import (
	"encoding/json"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/localdev"
)

// `gpunet airdrop` on a localnet: decimal amounts in whole tokens, JSON output, exact balances;
// other clusters, bad amounts and a missing address are refused before anything is sent.
func TestAirdropCommand(t *testing.T) {
	t.Setenv("HOME", t.TempDir()) // no Solana CLI config, no default keypair
	e := chaintest.New(t)
	to := solana.NewWallet().PublicKey()
	airdrop := func(args ...string) (string, string, error) {
		return gpunet(e.Ctx, append([]string{"airdrop", "--url", e.Node.RPCURL, "--keys", e.Node.KeysDir}, args...)...)
	}
	out, _, err := airdrop("--sol", "1.5", "--io", "2.25", "--iosd", "0.5", "--output", "json", to.String())
	require.NoError(t, err)
	var got localdev.Airdropped
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.Equal(t, to, got.To)
	require.Equal(t, localdev.Amounts{Lamports: 1_500_000_000, IO: 225_000_000, IOSD: 500_000}, got.Amounts)
	require.Equal(t, uint64(1_500_000_000), e.Lamports(t, to))
	require.Equal(t, uint64(225_000_000), e.TokenBalance(t, got.IOAccount))
	require.Equal(t, uint64(500_000), e.TokenBalance(t, got.IOSDAccount))

	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"--cluster", "devnet", to.String()}, "airdrop pays from DEV-ONLY keys and runs only against the localnet, not devnet"},
		{[]string{"-u", "m", to.String()}, "airdrop pays from DEV-ONLY keys and runs only against the localnet, not mainnet"},
		{[]string{"--io", "0.000000001", to.String()}, `--io: "0.000000001" has more than 8 decimals or is too large`},
		{[]string{"--sol", "-1", to.String()}, `--sol: "-1" is not an amount`},
		{[]string{"--output", "yaml", to.String()}, `--output "yaml": want text, json or json-compact`},
		{[]string{to.String(), to.String()}, "airdrop: want one ADDRESS, got 2 arguments"},
		{nil, "airdrop: no ADDRESS, and no keypair to default to (-k): load key: stat " + home(t) + "/.config/solana/id.json: no such file or directory"},
	} {
		_, _, err := airdrop(tc.args...)
		require.EqualError(t, err, tc.err)
	}
	out, errs, err := airdrop("--help")
	require.NoError(t, err)
	require.Empty(t, errs)
	require.Contains(t, out, "gpunet airdrop [flags] [ADDRESS]")
	require.Equal(t, uint64(1_500_000_000), e.Lamports(t, to)) // nothing more was sent

	// Without ADDRESS, the -k keypair is paid.
	wallet := writeKeypair(t)
	out, _, err = airdrop("-k", wallet.path, "--sol", "2", "-o", "json-compact")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.Equal(t, wallet.key.PublicKey(), got.To)
	require.Equal(t, uint64(2_000_000_000), e.Lamports(t, wallet.key.PublicKey()))

	// The Solana CLI's config gives the default of -k, as for the solana command.
	configured := writeKeypair(t)
	writeSolanaConfig(t, "json_rpc_url: "+e.Node.RPCURL+"\nkeypair_path: "+configured.path+"\ncommitment: processed\n")
	_, _, err = gpunet(e.Ctx, "airdrop", "-u", e.Node.RPCURL, "--keys", e.Node.KeysDir, "--sol", "3", "--io", "0", "--iosd", "0")
	require.NoError(t, err)
	require.Equal(t, uint64(3_000_000_000), e.Lamports(t, configured.key.PublicKey()))
}
