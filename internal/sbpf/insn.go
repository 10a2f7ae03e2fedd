package sbpf

import "encoding/binary"

const (
	insnSize = 8

	opLddw  = 0x18 // lddw: two slots, 64-bit immediate split over both imms
	opCall  = 0x85 // call imm: src=0 syscall, src=1 pc-relative internal call
	opCallx = 0x8d // callx: register in dst (v3) or imm (v0)
)

// insn is a view of one 8-byte instruction slot inside a text buffer.
type insn []byte

func insnAt(text []byte, off uint64) insn { return insn(text[off : off+insnSize]) }

func (i insn) op() byte              { return i[0] }
func (i insn) dst() byte             { return i[1] & 0x0f }
func (i insn) src() byte             { return i[1] >> 4 }
func (i insn) imm() int32            { return int32(binary.LittleEndian.Uint32(i[4:])) }
func (i insn) setImm(v int32)        { binary.LittleEndian.PutUint32(i[4:], uint32(v)) }
func (i insn) setRegs(dst, src byte) { i[1] = src<<4 | dst&0x0f }

// instructionStarts marks every slot of text that begins an instruction;
// the second slot of an lddw is not one. It reports false when text ends
// inside an lddw.
func instructionStarts(text []byte) ([]bool, bool) {
	n := len(text) / insnSize
	starts := make([]bool, n)
	for pc := 0; pc < n; pc++ {
		starts[pc] = true
		if text[pc*insnSize] == opLddw {
			if pc+1 >= n {
				return starts, false
			}
			pc++
		}
	}
	return starts, true
}
