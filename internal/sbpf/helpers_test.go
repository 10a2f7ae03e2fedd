package sbpf

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// clangFlags are the project's flags for on-chain C.
var clangFlags = []string{
	"-target", "bpfel", "-mcpu=v2", "-O2", "-mllvm", "-bpf-stack-size=4096",
	"-ffreestanding", "-fno-builtin", "-fno-stack-protector", "-c",
}

// compile builds testdata/src with clang-19 and returns it as an Object
// named after the source (prog_main.c -> prog_main.o).
func compile(t *testing.T, src string) Object {
	t.Helper()
	clang, err := exec.LookPath("clang-19")
	require.NoError(t, err, "clang-19 is required to compile the test programs (apt-get install clang-19)")
	name := strings.TrimSuffix(filepath.Base(src), ".c") + ".o"
	out := filepath.Join(t.TempDir(), name)
	args := append(append([]string{}, clangFlags...), filepath.Join("testdata", src), "-o", out)
	msg, err := exec.Command(clang, args...).CombinedOutput()
	require.NoError(t, err, "compile %s: %s", src, msg)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	return Object{Name: name, Data: data}
}

// program compiles the two-object test program.
func program(t *testing.T) []Object {
	t.Helper()
	return []Object{compile(t, "prog_main.c"), compile(t, "prog_helper.c")}
}

// linkProgram links the test program for version v.
func linkProgram(t *testing.T, v Version) *Output {
	t.Helper()
	out, err := Link(program(t), Options{Version: v})
	require.NoError(t, err)
	return out
}

// textOf returns the .text section of a linked file and its header.
func textOf(t *testing.T, so []byte) ([]byte, *elf.Section) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(so))
	require.NoError(t, err)
	sec := f.Section(".text")
	require.NotNil(t, sec)
	data, err := sec.Data()
	require.NoError(t, err)
	return data, sec
}
