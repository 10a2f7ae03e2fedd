package gpuhelper_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/poc"
	"github.com/gpunet/gpunet/worker/gpuhelper"
)

var (
	venvOnce sync.Once
	venvErr  error
)

// helperCommand is the helper's command line: $GPUNET_GPU_HELPER (scripts/gpu-check.sh sets
// it to the CUDA venv), else the numpy venv of scripts/venv.sh, made if missing.
// Without python3's venv the test is skipped loudly, except under CI, where it fails.
func helperCommand(t testing.TB, flags ...string) []string {
	if env := os.Getenv("GPUNET_GPU_HELPER"); env != "" && len(flags) == 0 {
		return strings.Fields(env)
	}
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	venvOnce.Do(func() {
		out, err := exec.Command(filepath.Join(root, "scripts/venv.sh"), "target/venv/gpuhelper", "worker/gpuhelper/requirements.txt").CombinedOutput()
		if err != nil {
			venvErr = fmt.Errorf("scripts/venv.sh: %w\n%s", err, out)
		}
	})
	if venvErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI: the helper's venv is required: %v", venvErr)
		}
		t.Skipf("SKIPPED: no python3 venv for the gpu helper (scripts/install-deps.sh makes it): %v", venvErr)
	}
	return append([]string{filepath.Join(root, "target/venv/gpuhelper/bin/python"), filepath.Join(root, "worker/gpuhelper/gpunet_poc.py")}, flags...)
}

// logs is a logger and the messages and reasons it wrote.
type logs struct{ buf bytes.Buffer }

func (l *logs) logger() *slog.Logger { return slog.New(slog.NewJSONHandler(&l.buf, nil)) }

// records are the logged records' msg and reason (or helper).
func (l *logs) records(t *testing.T) [][2]string {
	var out [][2]string
	for _, line := range strings.Split(strings.TrimSpace(l.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var r struct{ Msg, Reason, Helper string }
		require.NoError(t, json.Unmarshal([]byte(line), &r))
		out = append(out, [2]string{r.Msg, r.Reason + r.Helper})
	}
	return out
}

func challenge(tag byte, n int) poc.Challenge {
	ch := poc.Challenge{N: n}
	for k := range ch.Seed {
		ch.Seed[k], ch.Device[k] = tag, tag+1
	}
	return ch
}

// product is C by poc.CPU, the reference.
func product(t testing.TB, n int, a, b []int8) []int32 {
	c := make([]int32, n*n)
	require.NoError(t, poc.CPU{}.Multiply(context.Background(), n, a, b, c))
	return c
}

func TestEqualsCPU(t *testing.T) {
	var l logs
	h := gpuhelper.New(helperCommand(t), l.logger())
	defer h.Close()
	require.NoError(t, h.Start())
	name, pid := h.Name(), h.Process().Pid
	if os.Getenv("GPUNET_GPU_HELPER") == "" {
		require.Equal(t, "numpy", name)
	}
	for _, n := range []int{16, 48, 256} {
		a, b := challenge(byte(n), n).Matrices()
		c := make([]int32, n*n)
		require.NoError(t, h.Multiply(context.Background(), n, a, b, c))
		require.Equal(t, product(t, n, a, b), c, "n = %d", n)
	}
	require.Equal(t, name, h.Name(), "no fallback")
	require.Equal(t, pid, h.Process().Pid, "one process serves every challenge")
	require.Empty(t, l.records(t))
	require.NoError(t, h.Close())
}

// A challenge proved through the helper passes the verifier's check.
func TestChallengeRoundTrip(t *testing.T) {
	var l logs
	h := gpuhelper.New(helperCommand(t), l.logger())
	defer h.Close()
	ch := challenge(3, 256)
	tree, err := poc.Prove(context.Background(), h, ch)
	require.NoError(t, err)
	cpu, err := poc.Prove(context.Background(), poc.CPU{}, ch)
	require.NoError(t, err)
	require.Equal(t, cpu.Root(), tree.Root())
	positions, err := poc.Draw(rand.NewChaCha8([32]byte{9}), ch.N, poc.Samples)
	require.NoError(t, err)
	proof, err := tree.Open(positions)
	require.NoError(t, err)
	require.NoError(t, ch.Verify(tree.Root(), positions, proof))
	require.Empty(t, l.records(t))
}

// fake is a helper in sh that reads one n = 16 request (516 bytes) and then does script.
func fake(script string) []string {
	return []string{"sh", "-c", `printf 'ready fake\n'; head -c 516 >/dev/null; ` + script}
}

// A failing helper falls back to the CPU with the exact logged reason; C stays exact.
func TestFallback(t *testing.T) {
	defer func(d time.Duration) { gpuhelper.ReadyTimeout = d }(gpuhelper.ReadyTimeout)
	gpuhelper.ReadyTimeout = 500 * time.Millisecond
	const warn = "gpu helper failed: multiplying on the fallback"
	for _, tc := range []struct {
		name    string
		command []string
		reason  string
	}{
		{"exits", fake(`echo boom >&2; exit 3`), "read answer: EOF (helper exit status 3: boom)"},
		{"short C", fake(`printf '\020\000\000\000\000\004\000\000'; head -c 100 /dev/zero`), "read C: unexpected EOF (helper exit status 0)"},
		{"wrong n", fake(`printf '\040\000\000\000\000\020\000\000'`), "answer for n = 32, 4096 bytes: want n = 16, 1024 bytes (helper exit status 0)"},
		{"not ready", []string{"sh", "-c", "echo hello"}, `helper not ready: "hello" (helper exit status 0)`},
		{"hangs at start", []string{"sleep", "60"}, `helper not ready: "" (helper signal: killed)`},
		{"no such file", []string{"/nonexistent/python"}, "start helper: fork/exec /nonexistent/python: no such file or directory"},
		{"no torch", helperCommand(t, "--device", "cuda"),
			`helper not ready: "" (helper exit status 1: gpunet_poc: --device cuda: torch is not installed (pip install -r requirements-gpu.txt))`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var l logs
			h := gpuhelper.New(tc.command, l.logger())
			defer h.Close()
			a, b := challenge(1, 16).Matrices()
			c := make([]int32, 16*16)
			require.NoError(t, h.Multiply(context.Background(), 16, a, b, c))
			require.Equal(t, product(t, 16, a, b), c)
			require.Equal(t, "cpu", h.Name())
			require.Equal(t, [][2]string{{warn, tc.reason}}, l.records(t))
			require.Nil(t, h.Process(), "the failed helper is gone")
		})
	}
}

// A helper that dies is replaced: the multiply it failed falls back, the next one starts a
// new process.
func TestRestart(t *testing.T) {
	var l logs
	h := gpuhelper.New(helperCommand(t), l.logger())
	defer h.Close()
	require.NoError(t, h.Start())
	first := h.Process()
	require.NoError(t, first.Kill())
	a, b := challenge(2, 16).Matrices()
	c := make([]int32, 16*16)
	require.NoError(t, h.Multiply(context.Background(), 16, a, b, c))
	require.Equal(t, product(t, 16, a, b), c)
	require.Equal(t, "cpu", h.Name())
	recs := l.records(t)
	require.Len(t, recs, 1)
	require.Equal(t, "gpu helper failed: multiplying on the fallback", recs[0][0])
	require.True(t, strings.HasSuffix(recs[0][1], "(helper signal: killed)"), recs[0][1])

	clear(c)
	require.NoError(t, h.Multiply(context.Background(), 16, a, b, c))
	require.Equal(t, product(t, 16, a, b), c)
	require.NotEqual(t, "cpu", h.Name())
	require.NotEqual(t, first.Pid, h.Process().Pid)
	require.Len(t, l.records(t), 1)
}

// A multiply whose context has ended returns its error and starts no helper.
func TestCanceled(t *testing.T) {
	var l logs
	h := gpuhelper.New(helperCommand(t), l.logger())
	defer h.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a, b := challenge(2, 16).Matrices()
	require.ErrorIs(t, h.Multiply(ctx, 16, a, b, make([]int32, 16*16)), context.Canceled)
	require.Nil(t, h.Process())
	require.Empty(t, l.records(t))
}

func TestPick(t *testing.T) {
	for _, tc := range []struct {
		name    string
		command []string
		logged  [][2]string
	}{
		{"none", nil, nil},
		{"numpy", helperCommand(t), [][2]string{{"gpu helper is not on CUDA: proving on the CPU, the faster", "numpy"}}},
		{"no torch", helperCommand(t, "--device", "cuda"), [][2]string{{"gpu helper unavailable: proving on the CPU",
			`helper not ready: "" (helper exit status 1: gpunet_poc: --device cuda: torch is not installed (pip install -r requirements-gpu.txt))`}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if os.Getenv("GPUNET_GPU_HELPER") != "" && tc.name == "numpy" {
				t.Skip("GPUNET_GPU_HELPER is set: the helper is not numpy")
			}
			var l logs
			backend, stop := gpuhelper.Pick(tc.command, l.logger())
			stop()
			require.Equal(t, poc.CPU{}, backend)
			require.Equal(t, tc.logged, l.records(t))
		})
	}
}
