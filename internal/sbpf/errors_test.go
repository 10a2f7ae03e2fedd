package sbpf

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

// patch returns a copy of o with fn applied to the bytes of one section.
func patch(t *testing.T, o Object, section string, fn func(data []byte)) Object {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(o.Data))
	require.NoError(t, err)
	s := f.Section(section)
	require.NotNil(t, s, section)
	out := Object{Name: o.Name, Data: bytes.Clone(o.Data)}
	fn(out.Data[s.Offset : s.Offset+s.Size])
	return out
}

// In calls.o (clang-19 -O2), entrypoint starts at pc 6, pc 8 is the call
// to twice that the assembler resolved itself, pc 13-14 is the lddw of
// table, and the code is 21 instructions long.
const (
	callsCallPC = 8
	callsLddwPC = 13
)

func setCallImm(t *testing.T, imm int32) func([]byte) {
	return func(text []byte) {
		in := insnAt(text, callsCallPC*insnSize)
		require.Equal(t, []any{byte(opCall), byte(1)}, []any{in.op(), in.src()}, "calls.o layout changed")
		require.Equal(t, byte(opLddw), text[callsLddwPC*insnSize], "calls.o layout changed")
		in.setImm(imm)
	}
}

func setTableAddend(addend uint64) func([]byte) {
	return func(rodata []byte) { binary.LittleEndian.PutUint64(rodata, addend) }
}

func TestLinkErrors(t *testing.T) {
	tests := []struct {
		name    string
		objs    func(t *testing.T) []Object
		opts    Options
		wantIs  error
		wantErr string
	}{{
		name:    "writable data",
		objs:    func(t *testing.T) []Object { return []Object{compile(t, "bad/data.c")} },
		wantIs:  ErrWritableData,
		wantErr: `writable data is not supported: "counter" in .data of data.o (globals must be const)`,
	}, {
		name:    "writable bss",
		objs:    func(t *testing.T) []Object { return []Object{compile(t, "bad/bss.c")} },
		wantIs:  ErrWritableData,
		wantErr: `writable data is not supported: "hits" in .bss of bss.o (globals must be const)`,
	}, {
		name:    "unknown syscall",
		objs:    func(t *testing.T) []Object { return []Object{compile(t, "bad/unknown_syscall.c")} },
		wantIs:  ErrUnknownSyscall,
		wantErr: `unknown syscall: "sol_lgo_" called by "entrypoint" in unknown_syscall.o`,
	}, {
		name:    "undefined data",
		objs:    func(t *testing.T) []Object { return []Object{compile(t, "bad/undefined_data.c")} },
		wantIs:  ErrUndefinedSymbol,
		wantErr: `undefined symbol: "table" referenced by "entrypoint" in undefined_data.o`,
	}, {
		name:    "duplicate definition",
		objs:    func(t *testing.T) []Object { return append(program(t), compile(t, "bad/duplicate.c")) },
		wantIs:  ErrDuplicateSymbol,
		wantErr: `duplicate symbol: "scale" defined in prog_helper.o and duplicate.o`,
	}, {
		name:    "missing entrypoint",
		objs:    func(t *testing.T) []Object { return []Object{compile(t, "prog_helper.c")} },
		wantIs:  ErrNoEntrypoint,
		wantErr: `entrypoint not found: no global function "entrypoint" in the inputs`,
	}, {
		name:    "missing custom entrypoint",
		objs:    program,
		opts:    Options{Entry: "main"},
		wantIs:  ErrNoEntrypoint,
		wantErr: `entrypoint not found: no global function "main" in the inputs`,
	}, {
		name: "call outside text",
		objs: func(t *testing.T) []Object {
			return []Object{patch(t, compile(t, "bad/calls.c"), ".text", setCallImm(t, 1000))}
		},
		wantIs:  ErrBadCall,
		wantErr: `invalid call: call in entrypoint+0x10 targets pc 1009, outside text (21 instructions)`,
	}, {
		name: "call into an lddw",
		objs: func(t *testing.T) []Object {
			return []Object{patch(t, compile(t, "bad/calls.c"), ".text", setCallImm(t, callsLddwPC+1-callsCallPC-1))}
		},
		wantIs:  ErrBadCall,
		wantErr: `invalid call: call in entrypoint+0x10 targets pc 14, inside an lddw`,
	}, {
		name: "function pointer outside text",
		objs: func(t *testing.T) []Object {
			return []Object{patch(t, compile(t, "bad/calls.c"), ".rodata", setTableAddend(0x1000))}
		},
		wantIs:  ErrBadFunctionPointer,
		wantErr: `invalid function pointer: ".text"+0x1000 taken by "table" in calls.o is outside text (0xa8 bytes)`,
	}, {
		name: "function pointer into an lddw",
		objs: func(t *testing.T) []Object {
			return []Object{patch(t, compile(t, "bad/calls.c"), ".rodata", setTableAddend((callsLddwPC+1)*insnSize))}
		},
		wantIs:  ErrBadFunctionPointer,
		wantErr: `invalid function pointer: ".text"+0x70 taken by "table" in calls.o is not an instruction boundary`,
	}, {
		name: "unsupported relocation",
		objs: func(t *testing.T) []Object {
			return []Object{patch(t, compile(t, "bad/calls.c"), ".rel.rodata", func(rel []byte) {
				binary.LittleEndian.PutUint32(rel[8:], uint32(rNoDyld32))
			})}
		},
		wantIs:  ErrUnsupportedRelocation,
		wantErr: `unsupported relocation: R_BPF_64_NODYLD32 at .rodata+0x0 in calls.o`,
	}, {
		name: "not an object",
		objs: func(*testing.T) []Object {
			return []Object{{Name: "notes.o", Data: []byte("plain text, not an ELF object")}}
		},
		wantIs:  ErrNotBPFObject,
		wantErr: `parse object notes.o: not a BPF relocatable object: bad magic number '[112 108 97 105]' in record at byte 0x0`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range []Version{V3, V0} {
				out, err := Link(tt.objs(t), Options{Version: v, Entry: tt.opts.Entry})
				require.Nil(t, out)
				require.EqualError(t, err, tt.wantErr, "version %s", v)
				require.ErrorIs(t, err, tt.wantIs)
			}
		})
	}
}

func TestLinkBadOptions(t *testing.T) {
	_, err := Link(nil, Options{})
	require.EqualError(t, err, "check options: no input objects")
	_, err = Link(program(t), Options{Version: 7})
	require.EqualError(t, err, "check options: unknown version 7")
}
