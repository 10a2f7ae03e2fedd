package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/big"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/internal/anchorcfg"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/localdev"
)

const airdropUsage = `usage: gpunet airdrop [flags] ADDRESS

Sends SOL, IO and IOSD to ADDRESS from the localnet's DEV-ONLY faucet key (one transaction;
ADDRESS's IO and IOSD associated token accounts are created when missing). Localnet only.

Flags:
`

// airdrop is `gpunet airdrop`.
func airdrop(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("airdrop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, airdropUsage); fs.PrintDefaults() }
	sol := fs.String("sol", "10", "SOL to send")
	io := fs.String("io", "1000", "IO to send")
	iosd := fs.String("iosd", "1000", "IOSD to send")
	cluster := fs.String("cluster", "localnet", "cluster: only localnet is accepted")
	url := fs.String("url", "", "JSON-RPC URL (default: the localnet's)")
	keysDir := fs.String("keys", "target/localnet/keys", "the localnet's DEV-ONLY keys directory")
	output := fs.String("output", "text", "output: text or json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cluster != "localnet" {
		return fmt.Errorf("airdrop pays from DEV-ONLY keys and runs only against the localnet, not %s", *cluster)
	}
	if *output != "text" && *output != "json" {
		return fmt.Errorf("--output %q: want text or json", *output)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("airdrop: want one ADDRESS, got %d arguments", fs.NArg())
	}
	to, err := solana.PublicKeyFromBase58(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("address %q: %w", fs.Arg(0), err)
	}
	var a localdev.Amounts
	for _, f := range []struct {
		flag, value string
		decimals    int
		out         *uint64
	}{{"sol", *sol, 9, &a.Lamports}, {"io", *io, localdev.IODecimals, &a.IO}, {"iosd", *iosd, localdev.IOSDDecimals, &a.IOSD}} {
		if *f.out, err = baseUnits(f.value, f.decimals); err != nil {
			return fmt.Errorf("--%s: %w", f.flag, err)
		}
	}
	if *url == "" {
		endpoints, err := anchorcfg.ClusterEndpoints(*cluster)
		if err != nil {
			return err
		}
		*url = endpoints.RPC
	}
	res, err := localdev.Airdrop(ctx, chain.New(*url), localdev.OpenKeys(*keysDir), to, a)
	if err != nil {
		return err
	}
	if *output == "json" {
		return json.NewEncoder(stdout).Encode(res)
	}
	_, err = fmt.Fprintf(stdout, "sent %s SOL, %s IO (to %s) and %s IOSD (to %s) to %s\nsignature %s\n",
		*sol, *io, res.IOAccount, *iosd, res.IOSDAccount, to, res.Signature)
	return err
}

// baseUnits parses a decimal amount ("1.5") into base units of a token with `decimals`.
func baseUnits(s string, decimals int) (uint64, error) {
	r, ok := new(big.Rat).SetString(s)
	if !ok || r.Sign() < 0 {
		return 0, fmt.Errorf("%q is not an amount", s)
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(decimals)), nil)))
	if !r.IsInt() || !r.Num().IsUint64() {
		return 0, fmt.Errorf("%q has more than %d decimals or is too large", s, decimals)
	}
	return r.Num().Uint64(), nil
}
