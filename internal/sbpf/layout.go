package sbpf

import (
	"debug/elf"
	"errors"
	"fmt"
)

const (
	// textVaddrV3 is where SBPFv3 maps text; function pointers are this
	// plus a text offset. v3 maps rodata at 0.
	textVaddrV3 = 1 << 32
	// programVaddrV0 is where v0 maps the whole file: every address is
	// this plus a file offset.
	programVaddrV0 = 1 << 32
	// rodataPad keeps address 0 (NULL in C) free of any object.
	rodataPad = 8
)

// linker holds the state of one Link call.
type linker struct {
	opts    Options
	objs    []*object
	text    []byte
	rodata  []byte
	globals map[string]globalDef
	starts  []bool // instruction starts in text

	textAddr, rodataAddr uint64 // virtual address of text[0] and rodata[0]
	rodataAlign          uint64

	syscallSites map[uint64]string // text offset of a syscall call -> name
}

type globalDef struct {
	obj *object
	sym elf.Symbol
}

// checkWritable rejects writable data: sBPF has no writable globals.
func (l *linker) checkWritable() error {
	var errs []error
	for _, obj := range l.objs {
		named := make([]bool, len(obj.writable))
		for _, s := range obj.syms {
			t := elf.ST_TYPE(s.Info)
			if s.Name == "" || t == elf.STT_SECTION || t == elf.STT_FILE {
				continue
			}
			switch {
			case s.Section == elf.SHN_COMMON:
				errs = append(errs, fmt.Errorf("%w: %q is a COMMON symbol in %s (globals must be const)", ErrWritableData, s.Name, obj.name))
			case int(s.Section) < len(obj.writable) && obj.writable[s.Section]:
				named[s.Section] = true
				errs = append(errs, fmt.Errorf("%w: %q in %s of %s (globals must be const)", ErrWritableData, s.Name, obj.secNames[s.Section], obj.name))
			}
		}
		for i, w := range obj.writable {
			if w && !named[i] {
				errs = append(errs, fmt.Errorf("%w: section %s of %s", ErrWritableData, obj.secNames[i], obj.name))
			}
		}
	}
	return errors.Join(errs...)
}

// place concatenates text sections (no padding: every text slot must be a
// valid instruction) and rodata sections (aligned, after rodataPad).
func (l *linker) place() {
	l.rodata = make([]byte, rodataPad)
	l.rodataAlign = insnSize
	for _, obj := range l.objs {
		for _, sec := range obj.sections {
			if sec == nil {
				continue
			}
			if sec.kind == kindText {
				sec.out = uint64(len(l.text))
				l.text = append(l.text, sec.data...)
				continue
			}
			l.rodata = padTo(l.rodata, sec.align)
			sec.out = uint64(len(l.rodata))
			l.rodata = append(l.rodata, sec.data...)
			l.rodataAlign = max(l.rodataAlign, sec.align)
		}
	}
	l.rodata = padTo(l.rodata, insnSize)
}

func padTo(b []byte, align uint64) []byte {
	for uint64(len(b))%align != 0 {
		b = append(b, 0)
	}
	return b
}

// collectGlobals builds the global symbol table. A strong definition beats
// a weak one; two strong ones are an error.
func (l *linker) collectGlobals() error {
	l.globals = make(map[string]globalDef)
	var errs []error
	for _, obj := range l.objs {
		for _, s := range obj.syms {
			bind := elf.ST_BIND(s.Info)
			if (bind != elf.STB_GLOBAL && bind != elf.STB_WEAK) || s.Section == elf.SHN_UNDEF || s.Name == "" {
				continue
			}
			prev, ok := l.globals[s.Name]
			switch {
			case !ok || (elf.ST_BIND(prev.sym.Info) == elf.STB_WEAK && bind == elf.STB_GLOBAL):
				l.globals[s.Name] = globalDef{obj: obj, sym: s}
			case bind == elf.STB_GLOBAL && elf.ST_BIND(prev.sym.Info) == elf.STB_GLOBAL:
				errs = append(errs, fmt.Errorf("%w: %q defined in %s and %s", ErrDuplicateSymbol, s.Name, prev.obj.name, obj.name))
			}
		}
	}
	return errors.Join(errs...)
}

// entryOffset returns the text offset of the entrypoint function.
func (l *linker) entryOffset() (uint64, error) {
	def, ok := l.globals[l.opts.Entry]
	if !ok {
		return 0, fmt.Errorf("%w: no global function %q in the inputs", ErrNoEntrypoint, l.opts.Entry)
	}
	sec := def.obj.linked(def.sym.Section)
	if sec == nil || sec.kind != kindText || elf.ST_TYPE(def.sym.Info) != elf.STT_FUNC {
		return 0, fmt.Errorf("%w: %q in %s is not a function in text", ErrNoEntrypoint, l.opts.Entry, def.obj.name)
	}
	return sec.out + def.sym.Value, nil
}

func (l *linker) textStarts() ([]bool, error) {
	if len(l.text) == 0 {
		return nil, errors.New("check text: inputs have no code")
	}
	starts, ok := instructionStarts(l.text)
	if !ok {
		return nil, errors.New("check text: code ends inside an lddw")
	}
	return starts, nil
}

// setAddresses fixes the virtual addresses of text and rodata for the
// target version; the file layouts in elf_v3.go and elf_v0.go match them.
func (l *linker) setAddresses() {
	if l.opts.Version == V0 {
		textOff := uint64(v0TextOffset)
		l.textAddr = programVaddrV0 + textOff
		l.rodataAddr = programVaddrV0 + alignUp(textOff+uint64(len(l.text)), l.rodataAlign)
		return
	}
	l.textAddr = textVaddrV3
	l.rodataAddr = 0
}

func alignUp(v, align uint64) uint64 { return (v + align - 1) / align * align }

// linked returns the linked section with index i, or nil.
func (obj *object) linked(i elf.SectionIndex) *inputSection {
	if int(i) < len(obj.sections) {
		return obj.sections[i]
	}
	return nil
}

// Symbol is a named function in the output text.
type Symbol struct {
	Name   string
	Offset uint64 // byte offset in text; the sBPF pc is Offset/8
	Size   uint64
	Global bool
}
