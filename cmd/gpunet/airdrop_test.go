package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/localdev"
)

// `gpunet airdrop` on a localnet: decimal amounts in whole tokens, JSON output, exact balances;
// other clusters, bad amounts and a missing address are refused before anything is sent.
func TestAirdropCommand(t *testing.T) {
	e := chaintest.New(t)
	to := solana.NewWallet().PublicKey()
	var out, errs bytes.Buffer
	args := []string{"--url", e.Node.RPCURL, "--keys", e.Node.KeysDir, "--sol", "1.5", "--io", "2.25", "--iosd", "0.5", "--output", "json", to.String()}
	require.NoError(t, airdrop(e.Ctx, args, &out, &errs))
	var got localdev.Airdropped
	require.NoError(t, json.Unmarshal(out.Bytes(), &got))
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
		{[]string{"--io", "0.000000001", to.String()}, `--io: "0.000000001" has more than 8 decimals or is too large`},
		{[]string{"--sol", "-1", to.String()}, `--sol: "-1" is not an amount`},
		{[]string{"--output", "yaml", to.String()}, `--output "yaml": want text or json`},
		{nil, "airdrop: want one ADDRESS, got 0 arguments"},
	} {
		require.EqualError(t, airdrop(e.Ctx, append([]string{"--url", e.Node.RPCURL, "--keys", e.Node.KeysDir}, tc.args...), &out, &errs), tc.err)
	}
	errs.Reset()
	require.ErrorIs(t, airdrop(e.Ctx, []string{"--help"}, &out, &errs), flag.ErrHelp)
	require.Contains(t, errs.String(), "usage: gpunet airdrop [flags] ADDRESS")
	require.Equal(t, uint64(1_500_000_000), e.Lamports(t, to)) // nothing more was sent
}
