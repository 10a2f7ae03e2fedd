package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gpunet/gpunet/internal/sbpf"
	"github.com/stretchr/testify/require"
)

// compile builds one of the linker's C test programs into dir.
func compile(t *testing.T, dir, src string) string {
	t.Helper()
	clang, err := exec.LookPath("clang-19")
	require.NoError(t, err, "clang-19 is required to compile the test programs (apt-get install clang-19)")
	out := filepath.Join(dir, filepath.Base(src[:len(src)-2])+".o")
	msg, err := exec.Command(clang, "-target", "bpfel", "-mcpu=v2", "-O2", "-mllvm", "-bpf-stack-size=4096",
		"-ffreestanding", "-fno-builtin", "-fno-stack-protector", "-c",
		filepath.Join("..", "..", "internal", "sbpf", "testdata", src), "-o", out).CombinedOutput()
	require.NoError(t, err, "compile %s: %s", src, msg)
	return out
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	main := compile(t, dir, "prog_main.c")
	helper := compile(t, dir, "prog_helper.c")
	bad := compile(t, dir, "bad/unknown_syscall.c")
	so := filepath.Join(dir, "prog.so")
	sym := filepath.Join(dir, "prog.sym")

	tests := []struct {
		name    string
		args    []string
		wantErr string
		flags   uint32 // e_flags of the output
	}{
		{name: "v3 with symbol map", args: []string{"-sym", sym, "-o", so, main, helper}, flags: 3},
		{name: "v0", args: []string{"-v0", "-o", so, main, helper}, flags: 0},
		{name: "no inputs", args: []string{"-o", so}, wantErr: usage},
		{name: "no output", args: []string{main}, wantErr: usage},
		{name: "unknown flag", args: []string{"-x"}, wantErr: "parse flags: flag provided but not defined: -x\n" + usage},
		{name: "missing input", args: []string{"-o", so, filepath.Join(dir, "nope.o")},
			wantErr: "read object: open " + filepath.Join(dir, "nope.o") + ": no such file or directory"},
		{name: "unknown syscall", args: []string{"-o", so, bad},
			wantErr: `unknown syscall: "sol_lgo_" called by "entrypoint" in ` + bad},
		{name: "custom entry", args: []string{"-entry", "scale", "-o", so, main, helper}, flags: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_ = os.Remove(so)
			err := run(tt.args)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				require.NoFileExists(t, so)
				return
			}
			require.NoError(t, err)
			data, err := os.ReadFile(so)
			require.NoError(t, err)
			require.Equal(t, tt.flags, uint32(data[48])|uint32(data[49])<<8|uint32(data[50])<<16|uint32(data[51])<<24)
		})
	}

	// The symbol map on disk is the library's, byte for byte.
	out, err := sbpf.Link([]sbpf.Object{{Name: main, Data: mustRead(t, main)}, {Name: helper, Data: mustRead(t, helper)}}, sbpf.Options{})
	require.NoError(t, err)
	var want bytes.Buffer
	require.NoError(t, out.WriteSymbolMap(&want))
	require.Equal(t, want.String(), string(mustRead(t, sym)))
	require.Contains(t, want.String(), "00000038 entrypoint\n")
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}
