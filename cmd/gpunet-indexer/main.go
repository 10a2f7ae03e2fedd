// Command gpunet-indexer copies every transaction of gpunet's programs, their events and the
// accounts they wrote into PostgreSQL (see package indexer).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/gpunet/gpunet/indexer"
)

func main() {
	if err := indexer.Run(context.Background(), os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gpunet-indexer:", err)
		os.Exit(1)
	}
}
