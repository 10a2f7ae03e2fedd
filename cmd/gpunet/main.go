// Command gpunet is the operator's command line. `gpunet localnet-init` configures a
// freshly started localnet (used by `make dev`), `gpunet airdrop` pays SOL, IO and IOSD from its
// dev faucet; `gpunet registry-config`, `escrow-config` and
// `economy-config` print the programs' Configs on any cluster.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/anchorcfg"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/localdev"
	oneconomy "github.com/gpunet/gpunet/onchain/economy"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
	onregistry "github.com/gpunet/gpunet/onchain/registry"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "gpunet:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: gpunet localnet-init|airdrop|registry-config|escrow-config|economy-config [flags]")
	}
	if args[0] == "airdrop" {
		return airdrop(ctx, args[1:], os.Stdout, os.Stderr)
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	anchorToml := fs.String("anchor-toml", "Anchor.toml", "Anchor.toml with the program ids")
	cluster := fs.String("cluster", "localnet", "cluster: localnet, devnet, testnet or mainnet")
	url := fs.String("url", "", "JSON-RPC URL (default: the cluster's)")
	keysDir := fs.String("keys", "target/localnet/keys", "localnet-init: the localnet's DEV-ONLY keys directory")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, err := anchorcfg.Load(*anchorToml)
	if err != nil {
		return err
	}
	ids := map[string]solana.PublicKey{}
	for _, name := range []string{"registry", "escrow", "economy"} {
		if ids[name], err = cfg.ProgramID(*cluster, name); err != nil {
			return err
		}
	}
	if *url == "" {
		endpoints, err := anchorcfg.ClusterEndpoints(*cluster)
		if err != nil {
			return err
		}
		*url = endpoints.RPC
	}
	client := chain.New(*url)
	reg := onregistry.Program{ID: ids["registry"]}
	prog := onescrow.Program{ID: ids["escrow"], Registry: reg, Economy: oneconomy.Program{ID: ids["economy"], Registry: reg}}
	client.RegisterErrors(prog.Registry.ID, registry.Errors)
	client.RegisterErrors(prog.Economy.ID, economy.Errors)
	client.RegisterErrors(prog.ID, escrow.Errors)
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", "  ")

	switch args[0] {
	case "localnet-init":
		if *cluster != "localnet" {
			return fmt.Errorf("localnet-init uses DEV-ONLY keys and runs only against the localnet")
		}
		changed, err := localdev.Init(ctx, client, prog, localdev.OpenKeys(*keysDir))
		if err != nil {
			return err
		}
		fmt.Printf("registry config %s, escrow config %s (changed: %q)\n", prog.Registry.ConfigAddress(), prog.ConfigAddress(), changed)
		return nil
	case "registry-config":
		config, err := prog.Registry.FetchConfig(ctx, client)
		if err != nil {
			return err
		}
		return out.Encode(config)
	case "economy-config":
		config, err := prog.Economy.FetchConfig(ctx, client)
		if err != nil {
			return err
		}
		return out.Encode(config)
	case "escrow-config":
		config, err := prog.FetchConfig(ctx, client)
		if err != nil {
			return err
		}
		return out.Encode(config)
	}
	return fmt.Errorf("unknown command %q", args[0])
}
