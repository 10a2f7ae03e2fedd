// Command idlgen regenerates, from idl/*.json, each program's C header and Go client
// (`make idl`), or with -check lists the generated files that are out of date.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/gpunet/gpunet/internal/idl"
)

func main() {
	root := flag.String("root", ".", "repository root")
	check := flag.Bool("check", false, "list stale generated files and fail if there are any")
	flag.Parse()
	if err := run(*root, *check); err != nil {
		fmt.Fprintln(os.Stderr, "idlgen:", err)
		os.Exit(1)
	}
}

func run(root string, check bool) error {
	if !check {
		return idl.Write(root)
	}
	stale, err := idl.Stale(root)
	if err != nil {
		return err
	}
	if len(stale) > 0 {
		return fmt.Errorf("generated files are out of date, run `make idl`: %v", stale)
	}
	return nil
}
