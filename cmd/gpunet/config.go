package main

import (
	"context"
	"fmt"
	"io"

	"github.com/gagliardetto/solana-go"
	"github.com/spf13/cobra"

	"github.com/gpunet/gpunet/internal/cli"
	"github.com/gpunet/gpunet/internal/network"
)

// microUSD is the oracles' price unit: micro-USD per whole IO.
var microUSD = cli.Token{Symbol: "USD", Decimals: 6}

func (a *app) configCommands() []*cobra.Command {
	return []*cobra.Command{
		configCommand(a, "registry", "devices, stakes, slashing and the oracle set",
			func(ctx context.Context, n *network.Network) (any, solana.PublicKey, error) {
				config, err := n.Registry.FetchConfig(ctx, n.Client)
				return config, n.Registry.ConfigAddress(), err
			},
			map[string]cli.Token{"params.baseStake": cli.IO, "pending.baseStake": cli.IO}),
		configCommand(a, "escrow", "jobs, fees and usage windows",
			func(ctx context.Context, n *network.Network) (any, solana.PublicKey, error) {
				config, err := n.Escrow.FetchConfig(ctx, n.Client)
				return config, n.Escrow.ConfigAddress(), err
			}, nil),
		configCommand(a, "economy", "prices, epochs, emissions, pools and circuit breakers",
			func(ctx context.Context, n *network.Network) (any, solana.PublicKey, error) {
				config, err := n.Economy.FetchConfig(ctx, n.Client)
				return config, n.Economy.ConfigAddress(), err
			}, economyTokens()),
	}
}

// economyTokens names the economy Config's fields counted in IO or IOSD base units.
func economyTokens() map[string]cli.Token {
	tokens := map[string]cli.Token{
		"iosdMinted": cli.IOSD, "iosdBurned": cli.IOSD,
		"iosdBreaker.previous": cli.IOSD, "iosdBreaker.current": cli.IOSD,
		"ioBreaker.previous": cli.IO, "ioBreaker.current": cli.IO,
		"limits.maxIosdMintLimit": cli.IOSD, "limits.maxIoRedeemLimit": cli.IO,
		"prices.price": microUSD, "prices.conf": microUSD,
	}
	for _, field := range []string{"monthEmission", "emissionBudget", "totalScheduled", "totalAddedBack", "ioRedeemed",
		"providerPoolTotal", "rewardsClaimed", "communityAccrued", "communityFunded", "ioBurned", "ioMinted"} {
		tokens[field] = cli.IO
	}
	for _, params := range []string{"params.", "pending."} {
		for _, field := range []string{"supplyCap", "firstMonthEmission", "netEmissionLimit", "ioRedeemLimit"} {
			tokens[params+field] = cli.IO
		}
		tokens[params+"iosdMintLimit"] = cli.IOSD
	}
	return tokens
}

// configCommand is `gpunet PROGRAM-config`: fetch reads the program's Config and its address;
// tokens names its fields in token base units, for the text output.
func configCommand(a *app, program, about string, fetch func(context.Context, *network.Network) (any, solana.PublicKey, error), tokens map[string]cli.Token) *cobra.Command {
	return &cobra.Command{
		Use:   program + "-config",
		Short: fmt.Sprintf("Print the %s's Config: %s", program, about),
		Long: fmt.Sprintf(`Reads and decodes the %s program's Config account on the cluster of -u/--url.
The text output leaves out padding, reserved bytes and unused slots and shows token amounts,
durations and basis points readably; --output json prints every field.`, program),
		Example: fmt.Sprintf(`  gpunet %[1]s-config
  gpunet %[1]s-config -u devnet
  gpunet %[1]s-config -o json`, program),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			net, err := a.open(cmd.Context(), "", network.Mints{})
			if err != nil {
				return err
			}
			config, address, err := fetch(cmd.Context(), net)
			if err != nil {
				return net.NotConfigured(program, err)
			}
			return a.format.Print(cmd.OutOrStdout(), config, func(w io.Writer) error {
				if _, err := fmt.Fprintf(w, "address: %s\n", address); err != nil {
					return err
				}
				return cli.WriteFields(w, config, tokens)
			})
		},
	}
}
