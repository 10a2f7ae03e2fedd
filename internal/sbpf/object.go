package sbpf

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"strings"
)

// Object is one relocatable input: a name for messages and its bytes.
type Object struct {
	Name string
	Data []byte
}

type sectionKind int

const (
	kindText sectionKind = iota + 1
	kindRodata
)

// inputSection is an allocated section of an input that goes into the output.
type inputSection struct {
	obj   *object
	name  string
	kind  sectionKind
	data  []byte
	align uint64
	out   uint64 // offset inside the merged text or rodata
}

// rel is one REL entry; BPF objects carry the addend in the patched bytes.
type rel struct {
	sec *inputSection
	off uint64
	typ relocType
	sym int // index into object.syms (symbol table index)
}

// object is a parsed input. syms is indexed by symbol table index, so
// syms[0] is the null symbol, as relocations expect.
type object struct {
	name     string
	syms     []elf.Symbol
	sections []*inputSection // by section index; nil when not linked
	secNames []string
	writable []bool // allocated writable section with contents, by index
	relocs   []rel
}

func parseObject(o Object) (*object, error) {
	f, err := elf.NewFile(bytes.NewReader(o.Data))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotBPFObject, err)
	}
	if f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB || f.Machine != elf.EM_BPF || f.Type != elf.ET_REL {
		return nil, fmt.Errorf("%w: %s %s %s %s", ErrNotBPFObject, f.Class, f.Data, f.Machine, f.Type)
	}
	obj := &object{
		name:     o.Name,
		sections: make([]*inputSection, len(f.Sections)),
		secNames: make([]string, len(f.Sections)),
		writable: make([]bool, len(f.Sections)),
	}
	syms, err := f.Symbols()
	if err != nil && err != elf.ErrNoSymbols {
		return nil, fmt.Errorf("read symbols: %w", err)
	}
	obj.syms = append([]elf.Symbol{{}}, syms...)

	for i, s := range f.Sections {
		obj.secNames[i] = s.Name
		if s.Flags&elf.SHF_ALLOC == 0 || s.Size == 0 {
			continue
		}
		// .data.rel.ro is flagged writable only so a dynamic linker can
		// relocate it; nothing writes it at run time, so it is rodata.
		if s.Flags&elf.SHF_WRITE != 0 && !strings.HasPrefix(s.Name, ".data.rel.ro") {
			obj.writable[i] = true
			continue
		}
		sec := &inputSection{obj: obj, name: s.Name, kind: kindRodata, align: max(s.Addralign, 1)}
		if s.Flags&elf.SHF_EXECINSTR != 0 {
			sec.kind = kindText
			if s.Size%insnSize != 0 {
				return nil, fmt.Errorf("read section %s: size %d is not a multiple of %d", s.Name, s.Size, insnSize)
			}
		}
		if s.Type == elf.SHT_NOBITS {
			sec.data = make([]byte, s.Size)
		} else if sec.data, err = s.Data(); err != nil {
			return nil, fmt.Errorf("read section %s: %w", s.Name, err)
		}
		obj.sections[i] = sec
	}

	for _, s := range f.Sections {
		if (s.Type != elf.SHT_REL && s.Type != elf.SHT_RELA) || int(s.Info) >= len(obj.sections) || obj.sections[s.Info] == nil {
			continue // relocations of debug info and other unlinked sections
		}
		if s.Type == elf.SHT_RELA {
			return nil, fmt.Errorf("%w: RELA section %s (BPF objects use REL)", ErrUnsupportedRelocation, s.Name)
		}
		if err := obj.readRels(s, obj.sections[s.Info]); err != nil {
			return nil, err
		}
	}
	return obj, nil
}

func (obj *object) readRels(s *elf.Section, target *inputSection) error {
	data, err := s.Data()
	if err != nil {
		return fmt.Errorf("read section %s: %w", s.Name, err)
	}
	const entSize = 16
	if len(data)%entSize != 0 {
		return fmt.Errorf("read section %s: size %d is not a multiple of %d", s.Name, len(data), entSize)
	}
	for p := 0; p < len(data); p += entSize {
		off := binary.LittleEndian.Uint64(data[p:])
		info := binary.LittleEndian.Uint64(data[p+8:])
		r := rel{sec: target, off: off, typ: relocType(info & 0xffffffff), sym: int(info >> 32)}
		if r.sym >= len(obj.syms) {
			return fmt.Errorf("read section %s: symbol index %d out of range", s.Name, r.sym)
		}
		if r.off >= uint64(len(target.data)) {
			return fmt.Errorf("read section %s: offset %#x outside %s", s.Name, off, target.name)
		}
		obj.relocs = append(obj.relocs, r)
	}
	return nil
}

// symbolAt names the function or object of this object that contains off
// in sec, for messages; it falls back to section+offset.
func (obj *object) symbolAt(sec *inputSection, off uint64) string {
	for _, s := range obj.syms {
		t := elf.ST_TYPE(s.Info)
		if (t == elf.STT_FUNC || t == elf.STT_OBJECT) && int(s.Section) < len(obj.sections) &&
			obj.sections[s.Section] == sec && s.Value <= off && off < s.Value+s.Size {
			return s.Name
		}
	}
	return fmt.Sprintf("%s+%#x", sec.name, off)
}
