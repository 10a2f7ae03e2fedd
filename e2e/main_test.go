// Package e2e holds the end-to-end tests of the provider and renter loops with real
// processes (the gpunet, gpunet-oracle, gpunet-worker, gpunet-keeper and gpunet-indexer
// binaries, built by TestMain) against one localnet and one PostgreSQL shared by the package
// (each oracle and the indexer has its own database). The scenarios have their own oracle processes and devices.
package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gpunet/gpunet/internal/pg/pgtest"
)

// bin is the directory holding the binaries TestMain built.
var bin string

// machine is the address this machine's daemons (the localnet, the oracles' APIs) serve on:
// TestNetwork's LAN's bridge address, so its hosts reach them too.
var machine = "127.0.0.1"

func TestMain(m *testing.M) { pgtest.Main(built{m}) }

// built runs the tests with the daemons built into a temporary directory, removed after.
type built struct{ m *testing.M }

func (b built) Run() int {
	dir, err := os.MkdirTemp("", "gpunet-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	build := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "./cmd/gpunet", "./cmd/gpunet-oracle", "./cmd/gpunet-worker", "./cmd/gpunet-keeper", "./cmd/gpunet-indexer")
	build.Dir = ".."
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build the daemons:", err)
		return 1
	}
	bin = dir
	return b.m.Run()
}
