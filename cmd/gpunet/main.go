// Command gpunet is the operator's command line, modelled on the Solana CLI (-u/--url
// monikers, -k/--keypair and the defaults of the Solana CLI's config, --output json):
// `gpunet localnet-init` configures a freshly started localnet (used by `make dev`),
// `gpunet airdrop` pays SOL, IO and IOSD from its dev faucet, `gpunet registry-config`,
// `escrow-config` and `economy-config` print the programs' Configs on any cluster, `gpunet
// quote` matches a renter's request against the registered devices (internal/scheduler) and
// estimates its cost, and the renter's `gpunet jobs`, `job`, `topup`, `cancel` and `close`
// follow and end its jobs (docs/renter.md; the logic is internal/renter's).
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := execute(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		os.Exit(1)
	}
}
