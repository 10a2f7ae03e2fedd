package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gpunet/gpunet/internal/sbpf"
)

const usage = "usage: sbpf-link [-v0] [-entry NAME] [-sym OUT.sym] -o OUT.so IN.o..."

// run parses args, links the inputs and writes the outputs.
func run(args []string) error {
	fs := flag.NewFlagSet("sbpf-link", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	v0 := fs.Bool("v0", false, "emit SBPFv0 for runtimes without SIMD-0500")
	entry := fs.String("entry", sbpf.DefaultEntry, "entrypoint symbol")
	symPath := fs.String("sym", "", "write the function symbol map here")
	outPath := fs.String("o", "", "output .so")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("parse flags: %w\n%s", err, usage)
	}
	if *outPath == "" || fs.NArg() == 0 {
		return errors.New(usage)
	}
	objs := make([]sbpf.Object, 0, fs.NArg())
	for _, path := range fs.Args() {
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read object: %w", err)
		}
		objs = append(objs, sbpf.Object{Name: path, Data: data})
	}
	opts := sbpf.Options{Entry: *entry}
	if *v0 {
		opts.Version = sbpf.V0
	}
	out, err := sbpf.Link(objs, opts)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*outPath, out.ELF, 0o644); err != nil {
		return fmt.Errorf("write program: %w", err)
	}
	if *symPath != "" {
		var buf bytes.Buffer
		if err := out.WriteSymbolMap(&buf); err != nil {
			return err
		}
		if err := os.WriteFile(*symPath, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write symbol map: %w", err)
		}
	}
	return nil
}
