// Command gpunet-oracle is an oracle daemon: it takes workers' heartbeats and puts the uptime
// it saw live on-chain (see package oracle).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/gpunet/gpunet/oracle"
)

func main() {
	if err := oracle.Run(context.Background(), os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gpunet-oracle:", err)
		os.Exit(1)
	}
}
