package sbpf

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDeploy links the test program, deploys it through BPF Loader
// Upgradeable on LiteSVM (npm litesvm 1.5.0, the real Agave SVM, all
// features on) and runs it; the v0 build must be rejected at deployment
// while SIMD-0500 is active and must run where it is not.
func TestDeploy(t *testing.T) {
	node, err := exec.LookPath("node")
	require.NoError(t, err, "node is required for the deployment test")
	dir, err := filepath.Abs(filepath.Join("testdata", "deploy"))
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(dir, "node_modules", "litesvm"))
	require.NoError(t, err, "litesvm is not installed: run `npm ci` in %s", dir)

	tmp := t.TempDir()
	paths := map[Version]string{V3: filepath.Join(tmp, "prog.so"), V0: filepath.Join(tmp, "prog_v0.so")}
	for v, path := range paths {
		require.NoError(t, os.WriteFile(path, linkProgram(t, v).ELF, 0o644))
	}

	cmd := exec.Command(node, filepath.Join(dir, "deploy.mjs"), paths[V3], paths[V0])
	cmd.Dir = dir
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		t.Fatalf("deploy.mjs: %v\n%s%s", err, out, ee.Stderr)
	}
	require.NoError(t, err)
	// 0x448 = square(2) + cube(3) + scale(4) + apply(square, 5) + 1000.
	require.Equal(t, `v3 deploy: ok
v3 Program log: square
v3 Program log: cube
v3 Program log: scale
v3 Program log: 0x448, 0x0, 0x0, 0x0, 0x0
v3 return: 4804000000000000
v0 deploy with SIMD-0500: rejected: TransactionErrorInstructionError { index: 1, error: InvalidAccountData } / Detected sbpf_version required by the executable which are not enabled
v0 deploy without SIMD-0500: ok
v0 Program log: square
v0 Program log: cube
v0 Program log: scale
v0 Program log: 0x448, 0x0, 0x0, 0x0, 0x0
v0 return: 4804000000000000
`, string(out))
}
