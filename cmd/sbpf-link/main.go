// Command sbpf-link links clang BPF objects into a Solana sBPF program.
//
//	sbpf-link [-v0] [-entry NAME] [-sym OUT.sym] -o OUT.so IN.o...
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "sbpf-link: %v\n", err)
		os.Exit(1)
	}
}
