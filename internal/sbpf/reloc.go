package sbpf

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// relocType is an ELF BPF relocation type (llvm BPFELFObjectWriter).
type relocType uint32

const (
	rNone     relocType = 0  // R_BPF_NONE
	r64_64    relocType = 1  // R_BPF_64_64: address in an lddw pair
	rAbs64    relocType = 2  // R_BPF_64_ABS64: 64-bit address in data
	rAbs32    relocType = 3  // R_BPF_64_ABS32: 32-bit address in data
	rNoDyld32 relocType = 4  // R_BPF_64_NODYLD32: BTF/debug only
	r64_32    relocType = 10 // R_BPF_64_32: call target
)

func (t relocType) String() string {
	switch t {
	case rNone:
		return "R_BPF_NONE"
	case r64_64:
		return "R_BPF_64_64"
	case rAbs64:
		return "R_BPF_64_ABS64"
	case rAbs32:
		return "R_BPF_64_ABS32"
	case rNoDyld32:
		return "R_BPF_64_NODYLD32"
	case r64_32:
		return "R_BPF_64_32"
	}
	return fmt.Sprintf("R_BPF_%d", uint32(t))
}

// ref is where a relocation points: a section of the output plus offset,
// or an undefined symbol (sec == nil).
type ref struct {
	name string
	sec  *inputSection
	off  uint64
}

// resolve finds what symbol index idx of obj refers to.
func (l *linker) resolve(obj *object, idx int) (ref, error) {
	s := obj.syms[idx]
	r := ref{name: s.Name}
	if elf.ST_TYPE(s.Info) == elf.STT_SECTION && int(s.Section) < len(obj.secNames) {
		r.name = obj.secNames[s.Section]
	}
	if elf.ST_BIND(s.Info) != elf.STB_LOCAL {
		// The global table holds the winning definition (strong over weak).
		def, ok := l.globals[s.Name]
		if !ok {
			return r, nil // undefined everywhere: a syscall or an error
		}
		obj, s = def.obj, def.sym
	}
	sec := obj.linked(s.Section)
	if sec == nil {
		return r, fmt.Errorf("%w: %q in %s is not in a linked section", ErrUnsupportedRelocation, r.name, obj.name)
	}
	r.sec, r.off = sec, s.Value
	return r, nil
}

// addr is the virtual address of offset off in the output section kind.
func (l *linker) addr(kind sectionKind, off uint64) uint64 {
	if kind == kindText {
		return l.textAddr + off
	}
	return l.rodataAddr + off
}

// relocate applies every relocation of every input, in input order.
func (l *linker) relocate() error {
	l.syscallSites = make(map[uint64]string)
	var errs []error
	for _, obj := range l.objs {
		for _, r := range obj.relocs {
			if err := l.apply(obj, r); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func (l *linker) apply(obj *object, r rel) error {
	if r.typ == rNone {
		return nil
	}
	site := obj.symbolAt(r.sec, r.off)
	where := fmt.Sprintf("%s at %s+%#x in %s", r.typ, r.sec.name, r.off, obj.name)
	target, err := l.resolve(obj, r.sym)
	if err != nil {
		return err
	}
	switch {
	case r.typ == r64_32 && r.sec.kind == kindText:
		return l.applyCall(obj, r, target, site, where)
	case r.typ == r64_64 && r.sec.kind == kindText:
		return l.applyLddw(obj, r, target, site, where)
	case (r.typ == rAbs64 || r.typ == rAbs32) && r.sec.kind == kindRodata:
		return l.applyData(obj, r, target, site, where)
	}
	return fmt.Errorf("%w: %s", ErrUnsupportedRelocation, where)
}

// applyCall resolves a call: an internal call becomes pc-relative (src=1);
// an undefined callee must be an Agave syscall.
func (l *linker) applyCall(obj *object, r rel, target ref, site, where string) error {
	pos := r.sec.out + r.off
	if r.off+insnSize > uint64(len(r.sec.data)) || l.text[pos] != opCall {
		return fmt.Errorf("%w: %s is not on a call instruction", ErrUnsupportedRelocation, where)
	}
	in := insnAt(l.text, pos)
	if target.sec == nil {
		if !IsSyscall(target.name) {
			return fmt.Errorf("%w: %q called by %q in %s", ErrUnknownSyscall, target.name, site, obj.name)
		}
		l.syscallSites[pos] = target.name
		in.setRegs(in.dst(), 0)
		if l.opts.Version == V0 {
			in.setImm(-1) // the v0 loader patches it from .rel.dyn
		} else {
			in.setImm(int32(SyscallHash(target.name)))
		}
		return nil
	}
	if target.sec.kind != kindText {
		return fmt.Errorf("%w: %q in %s calls %q, which is not code", ErrBadCall, site, obj.name, target.name)
	}
	// The assembler stores the target as (offset in the symbol)/8 - 1.
	dest := int64(target.sec.out+target.off) + (int64(in.imm())+1)*insnSize
	rel := dest/insnSize - int64(pos/insnSize) - 1
	if dest%insnSize != 0 || rel < math.MinInt32 || rel > math.MaxInt32 {
		return fmt.Errorf("%w: %q in %s calls %q at text offset %#x", ErrBadCall, site, obj.name, target.name, dest)
	}
	in.setRegs(in.dst(), 1)
	in.setImm(int32(rel))
	return nil
}

// applyLddw writes an absolute address into an lddw pair. The addend is
// the 64-bit value already split over the two immediates.
func (l *linker) applyLddw(obj *object, r rel, target ref, site, where string) error {
	pos := r.sec.out + r.off
	if r.off+2*insnSize > uint64(len(r.sec.data)) || l.text[pos] != opLddw {
		return fmt.Errorf("%w: %s is not on an lddw instruction", ErrUnsupportedRelocation, where)
	}
	if target.sec == nil {
		return fmt.Errorf("%w: %q referenced by %q in %s", ErrUndefinedSymbol, target.name, site, obj.name)
	}
	lo := uint64(binary.LittleEndian.Uint32(l.text[pos+4:]))
	hi := uint64(binary.LittleEndian.Uint32(l.text[pos+insnSize+4:]))
	off := target.off + (lo | hi<<32)
	if err := l.checkCodeRef(target, off, site, obj); err != nil {
		return err
	}
	v := l.addr(target.sec.kind, target.sec.out+off)
	binary.LittleEndian.PutUint32(l.text[pos+4:], uint32(v))
	binary.LittleEndian.PutUint32(l.text[pos+insnSize+4:], uint32(v>>32))
	return nil
}

// applyData writes an absolute address into read-only data, e.g. a table
// of function pointers or of string pointers.
func (l *linker) applyData(obj *object, r rel, target ref, site, where string) error {
	size := uint64(8)
	if r.typ == rAbs32 {
		size = 4
	}
	if r.off+size > uint64(len(r.sec.data)) {
		return fmt.Errorf("%w: %s runs past the section", ErrUnsupportedRelocation, where)
	}
	if target.sec == nil {
		return fmt.Errorf("%w: %q referenced by %q in %s", ErrUndefinedSymbol, target.name, site, obj.name)
	}
	pos := r.sec.out + r.off
	var addend uint64
	if size == 8 {
		addend = binary.LittleEndian.Uint64(l.rodata[pos:])
	} else {
		addend = uint64(binary.LittleEndian.Uint32(l.rodata[pos:]))
	}
	off := target.off + addend
	if err := l.checkCodeRef(target, off, site, obj); err != nil {
		return err
	}
	v := l.addr(target.sec.kind, target.sec.out+off)
	if size == 8 {
		binary.LittleEndian.PutUint64(l.rodata[pos:], v)
		return nil
	}
	if v > math.MaxUint32 {
		return fmt.Errorf("%w: %s cannot hold address %#x of %q", ErrUnsupportedRelocation, where, v, target.name)
	}
	binary.LittleEndian.PutUint32(l.rodata[pos:], uint32(v))
	return nil
}

// checkCodeRef verifies that an address taken of code (a function pointer)
// lands on an instruction inside text; off is relative to target.sec.
func (l *linker) checkCodeRef(target ref, off uint64, site string, obj *object) error {
	if target.sec.kind != kindText {
		return nil
	}
	t := target.sec.out + off
	switch {
	case t >= uint64(len(l.text)):
		return fmt.Errorf("%w: %q+%#x taken by %q in %s is outside text (%#x bytes)", ErrBadFunctionPointer, target.name, off, site, obj.name, len(l.text))
	case t%insnSize != 0 || !l.starts[t/insnSize]:
		return fmt.Errorf("%w: %q+%#x taken by %q in %s is not an instruction boundary", ErrBadFunctionPointer, target.name, off, site, obj.name)
	}
	return nil
}
