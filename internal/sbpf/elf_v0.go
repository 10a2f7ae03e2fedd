package sbpf

import (
	"debug/elf"
	"sort"
)

// SBPFv0 file (lenient parser; every section's address is its file offset,
// mapped at 1<<32):
//
//	ELF header | PHDRs: LOAD R+X text, LOAD R rodata, LOAD RW dynamic
//	tables, DYNAMIC | .text | .rodata | .dynamic | .dynsym | .dynstr |
//	.rel.dyn | .shstrtab | section headers
//
// Internal calls and addresses are resolved here; only syscalls are left
// to the loader, as `call -1` plus R_BPF_64_32 against an undefined
// .dynsym entry.
const (
	v0Phnum      = 4
	v0TextOffset = ehdrSize + v0Phnum*phdrSize
)

func (l *linker) writeV0(entry uint64) []byte {
	const (
		shText = iota + 1
		shRodata
		shDynamic
		shDynsym
		shDynstr
		shRelDyn
		shShstrtab
		shCount
	)
	l.callxRegisterToImm()

	// Dynamic symbols: one undefined entry per syscall, sorted by name.
	dynstr := newStrtab()
	var names []string
	for _, name := range l.syscallSites {
		names = append(names, name)
	}
	sort.Strings(names)
	dynsym := []elf.Sym64{{}}
	symIndex := make(map[string]uint32)
	for _, name := range names {
		if _, ok := symIndex[name]; ok {
			continue
		}
		symIndex[name] = uint32(len(dynsym))
		dynsym = append(dynsym, elf.Sym64{Name: dynstr.add(name), Info: elf.ST_INFO(elf.STB_GLOBAL, elf.STT_NOTYPE)})
	}
	var sites []uint64
	for off := range l.syscallSites {
		sites = append(sites, off)
	}
	sort.Slice(sites, func(i, j int) bool { return sites[i] < sites[j] })
	textOff := uint64(v0TextOffset)
	rels := make([]elf.Rel64, len(sites))
	for i, off := range sites {
		rels[i] = elf.Rel64{Off: textOff + off, Info: elf.R_INFO(symIndex[l.syscallSites[off]], uint32(r64_32))}
	}

	rodataOff := l.rodataAddr - programVaddrV0
	dynamicOff := alignUp(rodataOff+uint64(len(l.rodata)), 8)
	dynCount := uint64(7)
	if len(rels) > 0 {
		dynCount += 3
	}
	dynsymOff := dynamicOff + dynCount*dynSize
	dynstrOff := dynsymOff + uint64(len(dynsym))*symSize
	relOff := alignUp(dynstrOff+uint64(len(dynstr.data)), 8)
	relSz := uint64(len(rels)) * relSize

	dyn := []elf.Dyn64{
		{Tag: int64(elf.DT_FLAGS), Val: uint64(elf.DF_TEXTREL)},
		{Tag: int64(elf.DT_SYMTAB), Val: dynsymOff},
		{Tag: int64(elf.DT_SYMENT), Val: symSize},
		{Tag: int64(elf.DT_STRTAB), Val: dynstrOff},
		{Tag: int64(elf.DT_STRSZ), Val: uint64(len(dynstr.data))},
		{Tag: int64(elf.DT_TEXTREL)},
	}
	if len(rels) > 0 {
		dyn = append(dyn,
			elf.Dyn64{Tag: int64(elf.DT_REL), Val: relOff},
			elf.Dyn64{Tag: int64(elf.DT_RELSZ), Val: relSz},
			elf.Dyn64{Tag: int64(elf.DT_RELENT), Val: relSize})
	}
	dyn = append(dyn, elf.Dyn64{Tag: int64(elf.DT_NULL)})

	var b fileBuf
	b.Write(make([]byte, v0TextOffset)) // header and program headers, filled below
	b.Write(l.text)
	b.Write(make([]byte, rodataOff-b.off()))
	b.Write(l.rodata)
	b.align(8)
	for i := range dyn {
		b.put(&dyn[i])
	}
	for i := range dynsym {
		b.put(&dynsym[i])
	}
	b.Write(dynstr.data)
	b.align(8)
	for i := range rels {
		b.put(&rels[i])
	}
	dynEnd := b.off()

	shnames := newStrtab()
	sh := []elf.Section64{
		{},
		{Name: shnames.add(".text"), Type: uint32(elf.SHT_PROGBITS), Flags: uint64(elf.SHF_ALLOC | elf.SHF_EXECINSTR),
			Addr: textOff, Off: textOff, Size: uint64(len(l.text)), Addralign: insnSize},
		{Name: shnames.add(".rodata"), Type: uint32(elf.SHT_PROGBITS), Flags: uint64(elf.SHF_ALLOC),
			Addr: rodataOff, Off: rodataOff, Size: uint64(len(l.rodata)), Addralign: l.rodataAlign},
		{Name: shnames.add(".dynamic"), Type: uint32(elf.SHT_DYNAMIC), Flags: uint64(elf.SHF_ALLOC | elf.SHF_WRITE),
			Addr: dynamicOff, Off: dynamicOff, Size: uint64(len(dyn)) * dynSize, Link: shDynstr, Addralign: 8, Entsize: dynSize},
		{Name: shnames.add(".dynsym"), Type: uint32(elf.SHT_DYNSYM), Flags: uint64(elf.SHF_ALLOC),
			Addr: dynsymOff, Off: dynsymOff, Size: uint64(len(dynsym)) * symSize, Link: shDynstr, Info: 1, Addralign: 8, Entsize: symSize},
		{Name: shnames.add(".dynstr"), Type: uint32(elf.SHT_STRTAB), Flags: uint64(elf.SHF_ALLOC),
			Addr: dynstrOff, Off: dynstrOff, Size: uint64(len(dynstr.data)), Addralign: 1},
		{Name: shnames.add(".rel.dyn"), Type: uint32(elf.SHT_REL), Flags: uint64(elf.SHF_ALLOC),
			Addr: relOff, Off: relOff, Size: relSz, Link: shDynsym, Addralign: 8, Entsize: relSize},
		{Name: shnames.add(".shstrtab"), Type: uint32(elf.SHT_STRTAB), Off: dynEnd, Addralign: 1},
	}
	shoff := writeSectionHeaders(&b, sh, shnames, shShstrtab)

	out := b.Bytes()
	var head fileBuf
	head.put(header(elf.ET_DYN, 0, textOff+entry, v0Phnum, shCount, shShstrtab, shoff))
	head.put(loadSegment(elf.PT_LOAD, elf.PF_R|elf.PF_X, textOff, textOff, uint64(len(l.text))))
	head.put(loadSegment(elf.PT_LOAD, elf.PF_R, rodataOff, rodataOff, uint64(len(l.rodata))))
	head.put(loadSegment(elf.PT_LOAD, elf.PF_R|elf.PF_W, dynamicOff, dynamicOff, dynEnd-dynamicOff))
	head.put(loadSegment(elf.PT_DYNAMIC, elf.PF_R|elf.PF_W, dynamicOff, dynamicOff, uint64(len(dyn))*dynSize))
	copy(out, head.Bytes())
	return out
}

// callxRegisterToImm moves callx's register from dst (where clang puts it)
// to imm, where the v0 interpreter reads it.
func (l *linker) callxRegisterToImm() {
	for pc, start := range l.starts {
		in := insnAt(l.text, uint64(pc*insnSize))
		if start && in.op() == opCallx {
			in.setImm(int32(in.dst()))
			in.setRegs(0, 0)
		}
	}
}
