// Command gpunet-worker runs on a provider's host: init, register, run (the daemon) and
// status. Everything it does is in package worker.
package main

import (
	"context"
	"os"

	"github.com/gpunet/gpunet/worker"
)

func main() {
	os.Exit(worker.Execute(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}
