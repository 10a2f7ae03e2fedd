// Command gpunet-keeper sends the network's permissionless cranks when they are due: usage
// counts, settlements, expiries and closes of escrow jobs, epoch advances and the proof windows
// the oracles left (see package keeper).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/gpunet/gpunet/keeper"
)

func main() {
	if err := keeper.Run(context.Background(), os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gpunet-keeper:", err)
		os.Exit(1)
	}
}
