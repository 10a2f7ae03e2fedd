package localnet

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/require"
)

// tinyELF is the smallest sBPF program: `mov64 r0, 0; exit` (returns success), in the
// SBPFv3 layout (e_flags 3: ELF header, a read-only PT_LOAD at 0, an executable PT_LOAD at
// 1<<32) or, with flags 0, the same bytes claiming to be SBPFv0.
func tinyELF(flags uint32) []byte {
	const ehdr, phdr = 64, 56
	rodata := make([]byte, 8) // keeps address 0 unused
	text := []byte{
		0xb7, 0, 0, 0, 0, 0, 0, 0, // mov64 r0, 0
		0x95, 0, 0, 0, 0, 0, 0, 0, // exit
	}
	rodataOff := uint64(ehdr + 2*phdr)
	textOff := rodataOff + uint64(len(rodata))
	b := make([]byte, textOff+uint64(len(text)))
	le := binary.LittleEndian
	copy(b, []byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0})
	le.PutUint16(b[16:], 3)     // ET_DYN
	le.PutUint16(b[18:], 247)   // EM_SBF
	le.PutUint32(b[20:], 1)     // EV_CURRENT
	le.PutUint64(b[24:], 1<<32) // e_entry: start of text
	le.PutUint64(b[32:], ehdr)  // e_phoff
	le.PutUint32(b[48:], flags) // e_flags
	le.PutUint16(b[52:], ehdr)  // e_ehsize
	le.PutUint16(b[54:], phdr)  // e_phentsize
	le.PutUint16(b[56:], 2)     // e_phnum
	le.PutUint16(b[58:], 64)    // e_shentsize
	ph := func(at int, flags uint32, off, addr, size uint64) {
		le.PutUint32(b[at:], 1) // PT_LOAD
		le.PutUint32(b[at+4:], flags)
		le.PutUint64(b[at+8:], off)
		le.PutUint64(b[at+16:], addr)
		le.PutUint64(b[at+24:], addr)
		le.PutUint64(b[at+32:], size)
		le.PutUint64(b[at+40:], size)
		le.PutUint64(b[at+48:], 8)
	}
	ph(ehdr, 4, rodataOff, 0, uint64(len(rodata)))      // PF_R
	ph(ehdr+phdr, 1, textOff, 1<<32, uint64(len(text))) // PF_X
	copy(b[rodataOff:], rodata)
	copy(b[textOff:], text)
	return b
}

func TestDeployThroughLoaderAndInvoke(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	so := filepath.Join(dir, "tiny.so")
	require.NoError(t, os.WriteFile(so, tinyELF(3), 0o644))
	n := Start(t, WithProgram("tiny", so), WithSlotMs(20), WithDeployDir(dir))
	require.Contains(t, n.Output(), "program tiny ")
	programID := n.Key("tiny-program").PublicKey()

	acc, err := n.RPC.GetAccountInfoWithOpts(ctx, programID, &rpc.GetAccountInfoOpts{Commitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	require.True(t, acc.Value.Executable)
	require.Equal(t, solana.BPFLoaderUpgradeableProgramID, acc.Value.Owner)
	require.Len(t, acc.Value.Data.GetBinary(), 36)

	payer := funded(t, ctx, n, sol)
	ix := solana.NewInstruction(programID, solana.AccountMetaSlice{}, nil)
	sig := send(t, ctx, n.RPC, []solana.Instruction{ix}, payer)
	tx, err := n.RPC.GetTransaction(ctx, sig, &rpc.GetTransactionOpts{Commitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	require.Nil(t, tx.Meta.Err)
	require.Equal(t, []string{
		"Program " + programID.String() + " invoke [1]",
		"Program " + programID.String() + " consumed 2 of 200000 compute units",
		"Program " + programID.String() + " success",
	}, tx.Meta.LogMessages)
	require.Equal(t, uint64(2), *tx.Meta.ComputeUnitsConsumed)
}

func TestDeployRejectsV0(t *testing.T) {
	dir := t.TempDir()
	so := filepath.Join(dir, "old.so")
	require.NoError(t, os.WriteFile(so, tinyELF(0), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := Launch(ctx, WithProgram("old", so), WithDeployDir(dir))
	require.ErrorIs(t, err, ErrExited)
	require.Contains(t, err.Error(), "deploy failed: old: deploy: Error processing Instruction 1: invalid account data for instruction")
	// SIMD-0500 is active: the loader refuses anything but SBPFv3.
	require.Contains(t, err.Error(), "Detected sbpf_version required by the executable which are not enabled")
	require.Contains(t, err.Error(), "Program BPFLoaderUpgradeab1e11111111111111111111111 failed: invalid account data for instruction")
}
