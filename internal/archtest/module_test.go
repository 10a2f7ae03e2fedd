package archtest

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// A program in a module of its own (replace-directed to this repository, built offline from
// the module cache) reads the registry's Config through client/registry and turns a failed
// instruction's custom error into registry.ErrUnauthorized with errors.Is.
func TestClientFromAnotherModule(t *testing.T) {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	dir := t.TempDir()
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	// The outsider requires what this module requires (the same versions, so it builds from the
	// module cache without a network) and this module itself, replaced by the checkout.
	requires := string(mod[strings.Index(string(mod), "require"):])
	goMod := fmt.Sprintf("module example.com/outsider\n\ngo 1.25\n\nrequire github.com/gpunet/gpunet v0.0.0\n\nreplace github.com/gpunet/gpunet => %s\n\n%s", root, requires)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(goMod), 0o644))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644))
	src, err := os.ReadFile("testdata/outsider.go.txt")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644))

	build := exec.Command("go", "build", "-o", "outsider", ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	e := chaintest.New(t)
	e.InitRegistry(t, solana.NewWallet().PublicKey())
	stranger := e.Funded(t)
	keypair, err := json.Marshal([]byte(stranger))
	require.NoError(t, err)
	keyFile := filepath.Join(dir, "stranger.json")
	require.NoError(t, os.WriteFile(keyFile, keypair, 0o600))

	run := exec.Command(filepath.Join(dir, "outsider"), e.Node.RPCURL, e.Registry.ID.String(), keyFile)
	out, err = run.CombinedOutput()
	require.NoError(t, err, "outsider: %s", out)
	require.Equal(t, fmt.Sprintf("admin %s oracles 3 layout %d\nset_pause: %s unauthorized true\n",
		e.Admin.PublicKey(), registry.LayoutVersion, registry.ErrUnauthorized), string(out))
}
