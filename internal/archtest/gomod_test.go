package archtest

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
)

// go.mod is tidy: every module a package imports is required directly (not "// indirect"),
// and nothing unused is required.
func TestGoModTidy(t *testing.T) {
	cmd := exec.Command("go", "mod", "tidy", "-diff")
	cmd.Dir = "../.."
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go mod tidy -diff:\n%s", out)
	require.Empty(t, string(out))
}
