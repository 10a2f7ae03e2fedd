package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gpunet/gpunet/internal/localdev"
	"github.com/gpunet/gpunet/internal/network"
)

// defaultKeysDir is where `make dev` keeps the localnet's DEV-ONLY keys.
const defaultKeysDir = "target/localnet/keys"

// initialized is what `gpunet localnet-init` reports.
type initialized struct {
	RegistryConfig string   `json:"registryConfig"`
	EscrowConfig   string   `json:"escrowConfig"`
	EconomyConfig  string   `json:"economyConfig"`
	Changed        []string `json:"changed"`
}

func (a *app) localnetInitCommand() *cobra.Command {
	var keysDir string
	cmd := &cobra.Command{
		Use:   "localnet-init",
		Short: "Configure a freshly started localnet with the DEV-ONLY keys",
		Long: `Initializes the registry, the economy and the escrow of a localnet with the dev
parameters, signing with the localnet's DEV-ONLY keys (--keys); what is configured already is
left as it is. ` + "`make dev`" + ` runs it. Localnet only, as the keys are public: without -u/--url it
goes to localhost, whatever the Solana CLI's config names.`,
		Example: `  gpunet localnet-init
  gpunet localnet-init --keys target/localnet/keys -u http://127.0.0.1:8899`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.localnetOnly(cmd, "uses DEV-ONLY keys"); err != nil {
				return err
			}
			keys := localdev.OpenKeys(keysDir)
			mints, err := keys.Mints()
			if err != nil {
				return err
			}
			net, err := a.open(cmd.Context(), network.DevCluster, mints)
			if err != nil {
				return err
			}
			changed, err := localdev.Init(cmd.Context(), net, keys)
			if err != nil {
				return err
			}
			res := initialized{net.Registry.ConfigAddress().String(), net.Escrow.ConfigAddress().String(), net.Economy.ConfigAddress().String(), append([]string{}, changed...)}
			return a.format.Print(cmd.OutOrStdout(), res, func(w io.Writer) error {
				done := "nothing (already configured)"
				if len(changed) > 0 {
					done = strings.Join(changed, ", ")
				}
				_, err := fmt.Fprintf(w, "registry config: %s\nescrow config: %s\neconomy config: %s\nchanged: %s\n",
					res.RegistryConfig, res.EscrowConfig, res.EconomyConfig, done)
				return err
			})
		},
	}
	cmd.Flags().StringVar(&keysDir, "keys", defaultKeysDir, "the localnet's DEV-ONLY keys directory")
	return cmd
}
