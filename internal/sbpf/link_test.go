package sbpf

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// sectionSize sums the sizes of the named section across objects.
func sectionSize(t *testing.T, objs []Object, name string) uint64 {
	t.Helper()
	var n uint64
	for _, o := range objs {
		f, err := elf.NewFile(bytes.NewReader(o.Data))
		require.NoError(t, err)
		if s := f.Section(name); s != nil {
			n += s.Size
		}
	}
	return n
}

func symbolOffset(t *testing.T, out *Output, name string) uint64 {
	t.Helper()
	for _, s := range out.Symbols {
		if s.Name == name {
			return s.Offset
		}
	}
	require.Failf(t, "symbol not found", "%s", name)
	return 0
}

func TestLinkV3Header(t *testing.T) {
	objs := program(t)
	out, err := Link(objs, Options{})
	require.NoError(t, err)
	f, err := elf.NewFile(bytes.NewReader(out.ELF))
	require.NoError(t, err)

	var h elf.Header64
	require.NoError(t, binary.Read(bytes.NewReader(out.ELF), binary.LittleEndian, &h))
	require.Equal(t, [16]byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}, h.Ident)
	require.Equal(t, uint16(elf.ET_DYN), h.Type)
	require.Equal(t, uint16(247), h.Machine)
	require.Equal(t, uint32(1), h.Version)
	require.Equal(t, uint32(3), h.Flags)
	require.Equal(t, uint64(64), h.Phoff)
	require.Equal(t, uint16(64), h.Ehsize)
	require.Equal(t, uint16(56), h.Phentsize)
	require.Equal(t, uint16(2), h.Phnum)
	require.Equal(t, uint64(1<<32)+symbolOffset(t, out, "entrypoint"), h.Entry)

	textSize := sectionSize(t, objs, ".text")
	rodataSize := alignUp(rodataPad+sectionSize(t, objs[:1], ".rodata")+sectionSize(t, objs, ".rodata.str1.1"), 8)
	require.Len(t, f.Progs, 2)
	require.Equal(t, elf.ProgHeader{Type: elf.PT_LOAD, Flags: elf.PF_R, Off: 176, Vaddr: 0, Paddr: 0,
		Filesz: rodataSize, Memsz: rodataSize, Align: 8}, f.Progs[0].ProgHeader)
	require.Equal(t, elf.ProgHeader{Type: elf.PT_LOAD, Flags: elf.PF_X, Off: 176 + rodataSize, Vaddr: 1 << 32, Paddr: 1 << 32,
		Filesz: textSize, Memsz: textSize, Align: 8}, f.Progs[1].ProgHeader)

	var names []string
	for _, s := range f.Sections {
		names = append(names, s.Name)
	}
	require.Equal(t, []string{"", ".rodata", ".text", ".symtab", ".strtab", ".shstrtab"}, names)
	syms, err := f.Symbols()
	require.NoError(t, err)
	require.Len(t, syms, len(out.Symbols))
}

func TestLinkSymbolMap(t *testing.T) {
	objs := program(t)
	out, err := Link(objs, Options{})
	require.NoError(t, err)
	var names []string
	for _, s := range out.Symbols {
		names = append(names, s.Name)
	}
	require.Equal(t, []string{"square", "cube", "entrypoint", "log_str", "scale", "offset_by", "apply"}, names)
	// The second object's code starts right after the first one's.
	require.Equal(t, sectionSize(t, objs[:1], ".text"), symbolOffset(t, out, "log_str"))

	var buf bytes.Buffer
	require.NoError(t, out.WriteSymbolMap(&buf))
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	require.Len(t, lines, 7)
	require.Equal(t, "00000000 square", lines[0])
	require.Equal(t, "00000038 entrypoint", lines[2])
}

// TestLinkCalls decodes the output text: every call is a known syscall
// (src=0) or reaches the start of a named function (src=1), and the test
// program's cross-object calls and syscalls are all there.
func TestLinkCalls(t *testing.T) {
	out := linkProgram(t, V3)
	text, _ := textOf(t, out.ELF)
	byOffset := map[uint64]string{}
	for _, s := range out.Symbols {
		byOffset[s.Offset] = s.Name
	}
	starts, ok := instructionStarts(text)
	require.True(t, ok)
	var syscalls, internal []string
	callx := 0
	for pc, start := range starts {
		in := insnAt(text, uint64(pc*insnSize))
		switch {
		case !start:
		case in.op() == opCall && in.src() == 0:
			name, known := syscallByHash[uint32(in.imm())]
			require.True(t, known, "pc %d: unknown syscall hash %#x", pc, uint32(in.imm()))
			syscalls = append(syscalls, name)
		case in.op() == opCall && in.src() == 1:
			target := int64(pc) + int64(in.imm()) + 1
			require.True(t, target >= 0 && target < int64(len(starts)) && starts[target], "pc %d: call target %d", pc, target)
			name, ok := byOffset[uint64(target)*insnSize]
			require.True(t, ok, "pc %d: call target %d is not a function start", pc, target)
			internal = append(internal, name)
		case in.op() == opCall:
			require.Failf(t, "bad call", "pc %d: src %d", pc, in.src())
		case in.op() == opCallx:
			callx++
			require.Equal(t, int32(0), in.imm(), "v3 callx keeps its register in dst")
		}
	}
	require.Equal(t, []string{"sol_log_64_", "sol_set_return_data", "sol_log_"}, syscalls)
	require.Equal(t, []string{"log_str", "apply", "offset_by"}, internal)
	require.Equal(t, 2, callx)
}

// TestLinkRodata checks the const table of {name, function pointer} and
// the function pointer loaded by lddw.
func TestLinkRodata(t *testing.T) {
	out := linkProgram(t, V3)
	f, err := elf.NewFile(bytes.NewReader(out.ELF))
	require.NoError(t, err)
	rodata, err := f.Section(".rodata").Data()
	require.NoError(t, err)
	require.Equal(t, make([]byte, rodataPad), rodata[:rodataPad], "nothing at address 0")

	text, _ := textOf(t, out.ELF)
	var lddws []uint64
	starts, _ := instructionStarts(text)
	for pc, start := range starts {
		if start && text[pc*insnSize] == opLddw {
			lo := uint64(binary.LittleEndian.Uint32(text[pc*insnSize+4:]))
			hi := uint64(binary.LittleEndian.Uint32(text[pc*insnSize+12:]))
			lddws = append(lddws, lo|hi<<32)
		}
	}
	// entrypoint loads the address of ops, then the address of square.
	require.Len(t, lddws, 2)
	ops := lddws[0]
	require.Equal(t, alignUp(rodataPad+uint64(len("square\x00cube\x00scale\x00")), 8), ops, "ops follows the strings")
	require.Equal(t, uint64(1<<32)+symbolOffset(t, out, "square"), lddws[1])

	cstring := func(addr uint64) string {
		end := bytes.IndexByte(rodata[addr:], 0)
		return string(rodata[addr : addr+uint64(end)])
	}
	for i, name := range []string{"square", "cube", "scale"} {
		entry := rodata[ops+uint64(16*i):]
		require.Equal(t, name, cstring(binary.LittleEndian.Uint64(entry)))
		require.Equal(t, uint64(1<<32)+symbolOffset(t, out, name), binary.LittleEndian.Uint64(entry[8:]))
	}
}

func TestLinkV0Structure(t *testing.T) {
	out := linkProgram(t, V0)
	f, err := elf.NewFile(bytes.NewReader(out.ELF))
	require.NoError(t, err)
	require.Equal(t, elf.ET_DYN, f.Type)
	require.Equal(t, elf.EM_BPF, f.Machine)

	var h elf.Header64
	require.NoError(t, binary.Read(bytes.NewReader(out.ELF), binary.LittleEndian, &h))
	require.Equal(t, uint32(0), h.Flags)
	text := f.Section(".text")
	require.Equal(t, uint64(v0TextOffset), text.Offset)
	require.Equal(t, text.Offset+symbolOffset(t, out, "entrypoint"), h.Entry)

	var names []string
	for _, s := range f.Sections {
		names = append(names, s.Name)
		if s.Flags&elf.SHF_ALLOC != 0 {
			require.Equal(t, s.Offset, s.Addr, "%s: address == file offset", s.Name)
		}
	}
	require.Equal(t, []string{"", ".text", ".rodata", ".dynamic", ".dynsym", ".dynstr", ".rel.dyn", ".shstrtab"}, names)

	var progs []string
	for _, p := range f.Progs {
		progs = append(progs, p.Type.String()+" "+p.Flags.String())
	}
	require.Equal(t, []string{"PT_LOAD PF_X+PF_R", "PT_LOAD PF_R", "PT_LOAD PF_W+PF_R", "PT_DYNAMIC PF_W+PF_R"}, progs)

	dynsyms, err := f.DynamicSymbols()
	require.NoError(t, err)
	var dynNames []string
	for _, s := range dynsyms {
		dynNames = append(dynNames, s.Name)
		require.Equal(t, elf.SHN_UNDEF, s.Section)
	}
	require.Equal(t, []string{"sol_log_", "sol_log_64_", "sol_set_return_data"}, dynNames)

	code, err := text.Data()
	require.NoError(t, err)
	rels, err := f.Section(".rel.dyn").Data()
	require.NoError(t, err)
	require.Len(t, rels, 3*relSize)
	for p := 0; p < len(rels); p += relSize {
		off := binary.LittleEndian.Uint64(rels[p:]) - text.Offset
		info := binary.LittleEndian.Uint64(rels[p+8:])
		require.Equal(t, uint64(r64_32), info&0xffffffff)
		in := insnAt(code, off)
		require.Equal(t, []any{byte(opCall), byte(0), int32(-1)}, []any{in.op(), in.src(), in.imm()})
	}
	starts, _ := instructionStarts(code)
	for pc, start := range starts {
		if in := insnAt(code, uint64(pc*insnSize)); start && in.op() == opCallx {
			require.Equal(t, byte(0), in.dst())
			require.True(t, in.imm() > 0 && in.imm() < 10, "v0 callx register in imm, got %d", in.imm())
		}
	}
	rodata := f.Section(".rodata")
	data, err := rodata.Data()
	require.NoError(t, err)
	// ops[0].fn, after the 24 bytes of strings and the pad.
	require.Equal(t, uint64(1<<32)+text.Offset+symbolOffset(t, out, "square"), binary.LittleEndian.Uint64(data[0x20+8:]))
}

func TestLinkDeterministic(t *testing.T) {
	for _, v := range []Version{V3, V0} {
		t.Run(v.String(), func(t *testing.T) {
			a, err := Link(program(t), Options{Version: v})
			require.NoError(t, err)
			b, err := Link(program(t), Options{Version: v})
			require.NoError(t, err)
			require.Equal(t, a.ELF, b.ELF)
			require.Equal(t, a.Symbols, b.Symbols)
		})
	}
}
