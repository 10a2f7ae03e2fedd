package sbpf

import (
	"errors"
	"fmt"
)

// Version selects the sBPF format Link emits.
type Version int

const (
	// V3 is SBPFv3: static syscalls and the strict two-PT_LOAD layout. It is
	// the zero value, and the only version SIMD-0500 lets clusters deploy.
	V3 Version = iota
	// V0 is the legacy ET_DYN format with dynamic relocations, for runtimes
	// that predate SIMD-0500.
	V0
)

func (v Version) String() string {
	if v == V0 {
		return "v0"
	}
	return "v3"
}

// DefaultEntry is the entrypoint symbol used when Options.Entry is empty.
const DefaultEntry = "entrypoint"

// Options configures Link. The zero value links SBPFv3 with DefaultEntry.
type Options struct {
	Version Version
	Entry   string
}

// Output is a linked program.
type Output struct {
	// ELF is the shared object to deploy.
	ELF []byte
	// Symbols lists every named function with its offset in text, sorted
	// by offset then name.
	Symbols []Symbol
}

// Link links BPF relocatable objects into one sBPF shared object. Input
// order decides the layout, so the same inputs give the same bytes. Every
// problem found is reported, joined into one error.
func Link(objects []Object, opts Options) (*Output, error) {
	if opts.Entry == "" {
		opts.Entry = DefaultEntry
	}
	if opts.Version != V3 && opts.Version != V0 {
		return nil, fmt.Errorf("check options: unknown version %d", opts.Version)
	}
	if len(objects) == 0 {
		return nil, errors.New("check options: no input objects")
	}
	l := &linker{opts: opts}
	for _, o := range objects {
		obj, err := parseObject(o)
		if err != nil {
			return nil, fmt.Errorf("parse object %s: %w", o.Name, err)
		}
		l.objs = append(l.objs, obj)
	}
	if err := l.checkWritable(); err != nil {
		return nil, err
	}
	l.place()
	if err := l.collectGlobals(); err != nil {
		return nil, err
	}
	entry, err := l.entryOffset()
	if err != nil {
		return nil, err
	}
	l.starts, err = l.textStarts()
	if err != nil {
		return nil, err
	}
	l.setAddresses()
	if err := l.relocate(); err != nil {
		return nil, err
	}
	syms := l.symbols()
	if err := verifyCalls(l.text, l.starts, l.syscallSites, opts.Version, syms); err != nil {
		return nil, err
	}
	var elfBytes []byte
	if opts.Version == V0 {
		elfBytes = l.writeV0(entry)
	} else {
		elfBytes = l.writeV3(entry, syms)
	}
	return &Output{ELF: elfBytes, Symbols: syms}, nil
}
