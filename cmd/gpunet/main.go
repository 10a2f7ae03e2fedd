// Command gpunet is the operator's command line. `gpunet localnet-init` configures a
// freshly started localnet (used by `make dev`); `gpunet registry-config` prints the
// registry's Config on any cluster.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/anchorcfg"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/localdev"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gpunet:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: gpunet localnet-init|registry-config [flags]")
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
	id, err := cfg.ProgramID(*cluster, "registry")
	if err != nil {
		return err
	}
	if *url == "" {
		endpoints, err := anchorcfg.ClusterEndpoints(*cluster)
		if err != nil {
			return err
		}
		*url = endpoints.RPC
	}
	client := chain.New(*url)
	prog := registry.Program{ID: id}
	client.RegisterErrors(prog.ID, registry.Errors)

	switch args[0] {
	case "localnet-init":
		if *cluster != "localnet" {
			return fmt.Errorf("localnet-init uses DEV-ONLY keys and runs only against the localnet")
		}
		created, err := localdev.InitRegistry(ctx, client, prog, localdev.OpenKeys(*keysDir))
		if err != nil {
			return err
		}
		fmt.Printf("registry config %s (created: %v)\n", prog.ConfigAddress(), created)
		return nil
	case "registry-config":
		config, err := prog.FetchConfig(ctx, client)
		if err != nil {
			return err
		}
		out := json.NewEncoder(os.Stdout)
		out.SetIndent("", "  ")
		return out.Encode(config)
	}
	return fmt.Errorf("unknown command %q", args[0])
}
