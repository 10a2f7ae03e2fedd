package main

import (
	"fmt"
	"io"
	"math/big"

	"github.com/gagliardetto/solana-go"
	"github.com/spf13/cobra"

	"github.com/gpunet/gpunet/internal/keyfile"
	"github.com/gpunet/gpunet/internal/localdev"
	"github.com/gpunet/gpunet/internal/network"
)

func (a *app) airdropCommand() *cobra.Command {
	var sol, ioAmount, iosd, keysDir string
	cmd := &cobra.Command{
		Use:   "airdrop [flags] [ADDRESS]",
		Short: "Send SOL, IO and IOSD from the localnet's dev faucet",
		Long: `Sends SOL, IO and IOSD to ADDRESS (default: the -k/--keypair's public key) from the
localnet's DEV-ONLY faucet key, in one transaction; ADDRESS's IO and IOSD associated token
accounts are created when missing. Localnet only: without -u/--url it goes to localhost,
whatever the Solana CLI's config names.`,
		Example: `  gpunet airdrop                                   # to your Solana CLI keypair
  gpunet airdrop --sol 10 --io 1000 --iosd 1000 <ADDRESS>
  gpunet airdrop --io 2.5 <ADDRESS> -o json`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return fmt.Errorf("airdrop: want one ADDRESS, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.localnetOnly(cmd, "pays from DEV-ONLY keys"); err != nil {
				return err
			}
			var amounts localdev.Amounts
			for _, f := range []struct {
				flag, value string
				decimals    int
				out         *uint64
			}{{"sol", sol, 9, &amounts.Lamports}, {"io", ioAmount, localdev.IODecimals, &amounts.IO}, {"iosd", iosd, localdev.IOSDDecimals, &amounts.IOSD}} {
				var err error
				if *f.out, err = baseUnits(f.value, f.decimals); err != nil {
					return fmt.Errorf("--%s: %w", f.flag, err)
				}
			}
			to, err := a.recipient(args)
			if err != nil {
				return err
			}
			net, err := a.open(cmd.Context(), network.DevCluster, network.Mints{})
			if err != nil {
				return err
			}
			res, err := localdev.Airdrop(cmd.Context(), net.Client, localdev.OpenKeys(keysDir), to, amounts)
			if err != nil {
				return err
			}
			return a.format.Print(cmd.OutOrStdout(), res, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "sent %s SOL, %s IO (to %s) and %s IOSD (to %s) to %s\nsignature %s\n",
					sol, ioAmount, res.IOAccount, iosd, res.IOSDAccount, to, res.Signature)
				return err
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&sol, "sol", "10", "SOL to send")
	f.StringVar(&ioAmount, "io", "1000", "IO to send")
	f.StringVar(&iosd, "iosd", "1000", "IOSD to send")
	f.StringVar(&keysDir, "keys", defaultKeysDir, "the localnet's DEV-ONLY keys directory")
	return cmd
}

// recipient is the ADDRESS argument, else the public key of the -k/--keypair.
func (a *app) recipient(args []string) (solana.PublicKey, error) {
	if len(args) == 1 {
		to, err := solana.PublicKeyFromBase58(args[0])
		if err != nil {
			return solana.PublicKey{}, fmt.Errorf("address %q: %w", args[0], err)
		}
		return to, nil
	}
	key, err := keyfile.Load(a.keypair)
	if err != nil {
		return solana.PublicKey{}, fmt.Errorf("airdrop: no ADDRESS, and no keypair to default to (-k): %w", err)
	}
	return key.PublicKey(), nil
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
