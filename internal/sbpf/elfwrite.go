package sbpf

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
)

const (
	ehdrSize = 64
	phdrSize = 56
	shdrSize = 64
	symSize  = 24
	relSize  = 16
	dynSize  = 16
)

// fileBuf builds an output file; writes to a bytes.Buffer cannot fail.
type fileBuf struct{ bytes.Buffer }

// put appends a fixed-size ELF structure in little-endian order.
func (b *fileBuf) put(v any) { _ = binary.Write(&b.Buffer, binary.LittleEndian, v) }

func (b *fileBuf) align(n int) {
	for b.Len()%n != 0 {
		b.WriteByte(0)
	}
}

func (b *fileBuf) off() uint64 { return uint64(b.Len()) }

// strtab is an ELF string table; names are stored once.
type strtab struct {
	data []byte
	at   map[string]uint32
}

func newStrtab() *strtab { return &strtab{data: []byte{0}, at: map[string]uint32{"": 0}} }

func (s *strtab) add(name string) uint32 {
	if i, ok := s.at[name]; ok {
		return i
	}
	i := uint32(len(s.data))
	s.data = append(append(s.data, name...), 0)
	s.at[name] = i
	return i
}

func header(typ elf.Type, flags uint32, entry uint64, phnum, shnum, shstrndx uint16, shoff uint64) *elf.Header64 {
	h := &elf.Header64{
		Type:      uint16(typ),
		Machine:   uint16(elf.EM_BPF),
		Version:   uint32(elf.EV_CURRENT),
		Entry:     entry,
		Phoff:     ehdrSize,
		Shoff:     shoff,
		Flags:     flags,
		Ehsize:    ehdrSize,
		Phentsize: phdrSize,
		Phnum:     phnum,
		Shentsize: shdrSize,
		Shnum:     shnum,
		Shstrndx:  shstrndx,
	}
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	h.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	h.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	h.Ident[elf.EI_OSABI] = byte(elf.ELFOSABI_NONE)
	return h
}

// loadSegment is a PT_LOAD (or other) program header whose vaddr and
// paddr are equal and whose file and memory sizes match.
func loadSegment(typ elf.ProgType, flags elf.ProgFlag, off, vaddr, size uint64) elf.Prog64 {
	return elf.Prog64{
		Type: uint32(typ), Flags: uint32(flags), Off: off, Vaddr: vaddr, Paddr: vaddr,
		Filesz: size, Memsz: size, Align: insnSize,
	}
}

// symbolTable encodes syms (offsets in text) as ELF function symbols of
// section textIndex at textAddr, locals first as ELF requires. It returns
// the table and the index of its first global.
func symbolTable(syms []Symbol, names *strtab, textIndex uint16, textAddr uint64) ([]elf.Sym64, uint32) {
	table := []elf.Sym64{{}}
	var firstGlobal uint32
	for _, global := range []bool{false, true} {
		if global {
			firstGlobal = uint32(len(table))
		}
		bind := elf.STB_LOCAL
		if global {
			bind = elf.STB_GLOBAL
		}
		for _, s := range syms {
			if s.Global != global {
				continue
			}
			table = append(table, elf.Sym64{
				Name:  names.add(s.Name),
				Info:  elf.ST_INFO(bind, elf.STT_FUNC),
				Shndx: textIndex,
				Value: textAddr + s.Offset,
				Size:  s.Size,
			})
		}
	}
	return table, firstGlobal
}

// writeSectionHeaders appends the section-name table (the contents of section shstrtab,
// whose offset sh already holds) and then the section headers, and returns their offset.
func writeSectionHeaders(b *fileBuf, sh []elf.Section64, shnames *strtab, shstrtab int) uint64 {
	b.Write(shnames.data)
	sh[shstrtab].Size = uint64(len(shnames.data))
	b.align(8)
	shoff := b.off()
	for i := range sh {
		b.put(&sh[i])
	}
	return shoff
}
