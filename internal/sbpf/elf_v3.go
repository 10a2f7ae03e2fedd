package sbpf

import "debug/elf"

// SBPFv3 file (solana-sbpf 0.23 strict parser):
//
//	ELF header | PHDR rodata (R, vaddr 0) | PHDR text (X, vaddr 1<<32) |
//	rodata | text | .symtab | .strtab | .shstrtab | section headers
//
// The loader reads only the header and the two program headers; the
// sections after text are for objdump, readelf and debuggers.
const (
	eflagsV3     = 3
	v3DataOffset = ehdrSize + 2*phdrSize
)

func (l *linker) writeV3(entry uint64, syms []Symbol) []byte {
	const (
		shRodata = iota + 1
		shText
		shSymtab
		shStrtab
		shShstrtab
		shCount
	)
	rodataOff := uint64(v3DataOffset)
	textOff := rodataOff + uint64(len(l.rodata))

	var b fileBuf
	b.Write(make([]byte, v3DataOffset)) // header and program headers, filled below
	b.Write(l.rodata)
	b.Write(l.text)

	names := newStrtab()
	symtab, firstGlobal := symbolTable(syms, names, shText, l.textAddr)
	symtabOff := b.off()
	for i := range symtab {
		b.put(&symtab[i])
	}
	strtabOff := b.off()
	b.Write(names.data)

	shnames := newStrtab()
	shstrtabOff := b.off()
	sh := []elf.Section64{
		{},
		{Name: shnames.add(".rodata"), Type: uint32(elf.SHT_PROGBITS), Flags: uint64(elf.SHF_ALLOC),
			Addr: l.rodataAddr, Off: rodataOff, Size: uint64(len(l.rodata)), Addralign: l.rodataAlign},
		{Name: shnames.add(".text"), Type: uint32(elf.SHT_PROGBITS), Flags: uint64(elf.SHF_ALLOC | elf.SHF_EXECINSTR),
			Addr: l.textAddr, Off: textOff, Size: uint64(len(l.text)), Addralign: insnSize},
		{Name: shnames.add(".symtab"), Type: uint32(elf.SHT_SYMTAB), Off: symtabOff,
			Size: uint64(len(symtab)) * symSize, Link: shStrtab, Info: firstGlobal, Addralign: 8, Entsize: symSize},
		{Name: shnames.add(".strtab"), Type: uint32(elf.SHT_STRTAB), Off: strtabOff,
			Size: uint64(len(names.data)), Addralign: 1},
		{Name: shnames.add(".shstrtab"), Type: uint32(elf.SHT_STRTAB), Off: shstrtabOff, Addralign: 1},
	}
	shoff := writeSectionHeaders(&b, sh, shnames, shShstrtab)

	out := b.Bytes()
	var head fileBuf
	head.put(header(elf.ET_DYN, eflagsV3, l.textAddr+entry, 2, shCount, shShstrtab, shoff))
	head.put(loadSegment(elf.PT_LOAD, elf.PF_R, rodataOff, l.rodataAddr, uint64(len(l.rodata))))
	head.put(loadSegment(elf.PT_LOAD, elf.PF_X, textOff, l.textAddr, uint64(len(l.text))))
	copy(out, head.Bytes())
	return out
}
