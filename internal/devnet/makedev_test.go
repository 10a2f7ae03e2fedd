package devnet

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/localnet"
)

// TestMakeDevCtrlC runs `make dev` in a pseudo-terminal, as a developer does, presses Ctrl-C
// once it is up, and expects exit status 0, no "*** Interrupt" from make, and no process
// left: localnet, PostgreSQL, oracles, workers, keeper, indexer. It uses the checkout's make dev (ports 8899/8900, target/dev), so it is opt-in:
// GPUNET_TEST_MAKE_DEV=1, which `make test-dev` sets.
func TestMakeDevCtrlC(t *testing.T) {
	if os.Getenv("GPUNET_TEST_MAKE_DEV") != "1" {
		t.Skip("opt-in: make test-dev (GPUNET_TEST_MAKE_DEV=1)")
	}
	root, err := localnet.RepoRoot()
	require.NoError(t, err)
	cfg := DefaultConfig(root, nil)
	cmd := exec.Command("make", "--no-print-directory", "dev")
	cmd.Dir = root
	tty, err := pty.Start(cmd) // make leads a new session with the pty as its terminal
	require.NoError(t, err)
	defer tty.Close()

	lines := make(chan string, 100)
	var transcript strings.Builder
	go func() {
		sc := bufio.NewScanner(tty)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	read := func(until string) {
		timeout := time.After(3 * time.Minute)
		for {
			select {
			case line, ok := <-lines:
				require.True(t, ok, "make dev ended before %q:\n%s", until, transcript.String())
				transcript.WriteString(line + "\n")
				if strings.Contains(line, until) {
					return
				}
			case <-timeout:
				t.Fatalf("no %q after 3 minutes:\n%s", until, transcript.String())
			}
		}
	}
	read("written to target/dev/network.json")
	n, err := ReadNetwork(cfg.networkPath())
	require.NoError(t, err)

	_, err = tty.Write([]byte{3}) // Ctrl-C: the terminal sends SIGINT to its foreground group
	require.NoError(t, err)
	read("stopping the localnet … stopped, chain saved in target/localnet/state")
	for range lines {
	}
	err = cmd.Wait()
	require.NoError(t, err, "make dev's exit:\n%s", transcript.String())
	require.NotContains(t, transcript.String(), "***")
	require.False(t, alive(n.PID), "the supervisor is still running")
	require.False(t, alive(n.Services[0].PID), "the localnet is still running")
	require.Equal(t, "postgres", n.Services[2].Name)
	require.Len(t, n.Services, 10) // and 3 oracles, 2 workers, the keeper, the indexer
	for _, s := range n.Services[2:] {
		exited(t, s.PID)
	}
	require.NoError(t, Check(cfg))
	_, err = os.Stat(filepath.Join(root, "target", "dev", "network.json"))
	require.True(t, errors.Is(err, os.ErrNotExist))
	t.Logf("make dev transcript:\n%s", transcript.String())
}
