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

	"github.com/gpunet/gpunet/internal/localdev"
	"github.com/gpunet/gpunet/internal/network"
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
	anchorToml := fs.String("anchor-toml", "", "Anchor.toml with the program ids (default: the one built into gpunet)")
	cluster := fs.String("cluster", "localnet", "cluster: localnet, devnet, testnet or mainnet")
	url := fs.String("url", "", "JSON-RPC URL (default: the cluster's)")
	keysDir := fs.String("keys", "target/localnet/keys", "localnet-init: the localnet's DEV-ONLY keys directory")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	opts := network.Options{Cluster: *cluster, URL: *url, AnchorToml: *anchorToml}
	keys := localdev.OpenKeys(*keysDir)
	if args[0] == "localnet-init" {
		if *cluster != "localnet" {
			return fmt.Errorf("localnet-init uses DEV-ONLY keys and runs only against the localnet")
		}
		var err error
		if opts.Mints, err = keys.Mints(); err != nil {
			return err
		}
	}
	net, err := network.Open(ctx, opts)
	if err != nil {
		return err
	}
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", "  ")

	switch args[0] {
	case "localnet-init":
		changed, err := localdev.Init(ctx, net, keys)
		if err != nil {
			return err
		}
		fmt.Printf("registry config %s, escrow config %s (changed: %q)\n", net.Registry.ConfigAddress(), net.Escrow.ConfigAddress(), changed)
		return nil
	case "registry-config":
		config, err := net.Registry.FetchConfig(ctx, net.Client)
		if err != nil {
			return err
		}
		return out.Encode(config)
	case "economy-config":
		config, err := net.Economy.FetchConfig(ctx, net.Client)
		if err != nil {
			return err
		}
		return out.Encode(config)
	case "escrow-config":
		config, err := net.Escrow.FetchConfig(ctx, net.Client)
		if err != nil {
			return err
		}
		return out.Encode(config)
	}
	return fmt.Errorf("unknown command %q", args[0])
}
