package sbpf

import (
	"errors"
	"fmt"
	"sort"
)

// verifyCalls decodes the linked text and checks every call, including
// those the assembler resolved itself: src=0 must be a known syscall
// (v3: by hash; v0: a relocated site), src=1 must reach an instruction
// inside text. The v3 loader checks none of this before execution.
func verifyCalls(text []byte, starts []bool, syscallSites map[uint64]string, v Version, syms []Symbol) error {
	var errs []error
	n := int64(len(starts))
	for pc := int64(0); pc < n; pc++ {
		if !starts[pc] || text[pc*insnSize] != opCall {
			continue
		}
		off := uint64(pc * insnSize)
		in := insnAt(text, off)
		switch in.src() {
		case 1:
			t := pc + int64(in.imm()) + 1
			if t < 0 || t >= n {
				errs = append(errs, fmt.Errorf("%w: call in %s targets pc %d, outside text (%d instructions)", ErrBadCall, locate(syms, off), t, n))
			} else if !starts[t] {
				errs = append(errs, fmt.Errorf("%w: call in %s targets pc %d, inside an lddw", ErrBadCall, locate(syms, off), t))
			}
		case 0:
			_, site := syscallSites[off]
			_, known := syscallByHash[uint32(in.imm())]
			if (v == V3 && !known) || (v == V0 && !site) {
				errs = append(errs, fmt.Errorf("%w: call in %s has imm %#x, not a known syscall", ErrBadCall, locate(syms, off), uint32(in.imm())))
			}
		default:
			errs = append(errs, fmt.Errorf("%w: call in %s has src %d", ErrBadCall, locate(syms, off), in.src()))
		}
	}
	return errors.Join(errs...)
}

// locate names a text offset as function+offset using the symbol map.
func locate(syms []Symbol, off uint64) string {
	i := sort.Search(len(syms), func(i int) bool { return syms[i].Offset > off }) - 1
	if i < 0 {
		return fmt.Sprintf("text+%#x", off)
	}
	return fmt.Sprintf("%s+%#x", syms[i].Name, off-syms[i].Offset)
}
