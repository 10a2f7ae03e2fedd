package ray_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/jobsecret"
	"github.com/gpunet/gpunet/worker/ray"
)

// rayVenv is target/venv/ray (scripts/venv.sh, run by the deps step). Without it the test is
// skipped loudly, unless GPUNET_REQUIRE_RAY is set (CI), where it fails.
func rayVenv(t *testing.T) string {
	venv, err := filepath.Abs("../../target/venv/ray")
	require.NoError(t, err)
	if _, err := os.Stat(filepath.Join(venv, "bin/ray")); err != nil {
		if os.Getenv("GPUNET_REQUIRE_RAY") != "" {
			t.Fatalf("GPUNET_REQUIRE_RAY is set but the Ray venv is missing (make deps makes it): %v", err)
		}
		t.Skipf("SKIPPED: no Ray venv at %s (make deps, or scripts/venv.sh target/venv/ray worker/ray/requirements.txt); set GPUNET_REQUIRE_RAY to fail instead", venv)
	}
	return venv
}

// portBlock is the base of ray.PortCount consecutive ports free now, below the ephemeral range.
func portBlock(t *testing.T, taken ...int) int {
	for range 100 {
		base := 20000 + mrand.IntN(12000-ray.PortCount)
		if free(base, taken) {
			return base
		}
	}
	t.Fatal("no free block of Ray ports in 20000..32000")
	return 0
}

func free(base int, taken []int) bool {
	for _, other := range taken {
		if base < other+ray.PortCount && other < base+ray.PortCount {
			return false
		}
	}
	for p := base; p < base+ray.PortCount; p++ {
		l, err := net.Listen("tcp", fmt.Sprintf(":%d", p))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}

// stateDir is a worker's state dir, short (Ray's unix socket paths live under it).
func stateDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "gr")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// alive says whether pid runs (a zombie does not).
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return err == nil && !strings.Contains(string(stat), ") Z ")
}

// grepTree lists the files under dir that contain s.
func grepTree(t *testing.T, dir, s string) []string {
	var hits []string
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil // sockets and files that vanished
		}
		b, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(b), s) {
			hits = append(hits, path)
		}
		return nil
	}))
	return hits
}

// TestCluster runs a job's head (127.0.0.2) and a member (127.0.0.3), each as its own worker,
// started in parallel with a fresh token, and checks who can use the cluster, that stopping the
// member stops only its processes, and that the token shows nowhere but in the token files.
// (Ray advertises the host's outward address for exactly 127.0.0.1, so the head takes .2.)
func TestCluster(t *testing.T) {
	venv := rayVenv(t)
	ctx := context.Background()
	var logs harness.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	token, err := jobsecret.NewToken(rand.Reader)
	require.NoError(t, err)

	// An unrelated process named like a Ray worker (what `ray stop --force` kills), in a
	// session of its own.
	unrelated := exec.Command("bash", "-c", "exec -a ray::IDLE sleep 600")
	unrelated.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	require.NoError(t, unrelated.Start())
	t.Cleanup(func() { unrelated.Process.Kill(); unrelated.Wait() })

	headBase := portBlock(t)
	head := ray.Spec{Job: "JobA11111111111111111111111111111111111111", Head: true, IP: "127.0.0.2", PortBase: headBase, CPUs: 1,
		MemoryBytes: 1 << 30, ObjectStore: 100 << 20}
	member := ray.Spec{Job: head.Job, IP: "127.0.0.3", HeadAddress: head.GCSAddress(), PortBase: portBlock(t, headBase), CPUs: 1,
		MemoryBytes: 1 << 30, ObjectStore: 100 << 20}
	headRunner := &ray.Runner{Ray: filepath.Join(venv, "bin/ray"), StateDir: stateDir(t), Log: log}
	memberRunner := &ray.Runner{Ray: headRunner.Ray, StateDir: stateDir(t), Log: log}

	// The member's worker crashed before, leaving a node whose process group id now names the
	// unrelated process: the restarted worker cleans the leftover without killing that process.
	leftover, err := memberRunner.Dir(member.Job)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(leftover, "t"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(leftover, "t/stale"), nil, 0o600))
	state, err := json.Marshal(map[string]any{"spec": member, "sandbox": map[string]any{"init_pid": unrelated.Process.Pid}})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(leftover, "state.json"), state, 0o600))

	_, err = memberRunner.Start(ctx, ray.Spec{Job: member.Job, Head: true, IP: "127.0.0.1", PortBase: headBase, CPUs: 1}, token)
	require.EqualError(t, err, "ray: invalid node spec: ip 127.0.0.1: Ray advertises the host's outward address instead; use another loopback address such as 127.0.0.2")

	var wg sync.WaitGroup
	var headNode, memberNode *ray.Node
	var headErr, memberErr error
	var headTook, memberTook time.Duration
	start := time.Now()
	wg.Go(func() { headNode, headErr = headRunner.Start(ctx, head, token); headTook = time.Since(start) })
	wg.Go(func() { memberNode, memberErr = memberRunner.Start(ctx, member, token); memberTook = time.Since(start) })
	wg.Wait()
	t.Logf("started in parallel: head %v, member %v, both %v", headTook.Round(time.Millisecond), memberTook.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	for _, n := range []*ray.Node{headNode, memberNode} {
		if n != nil {
			t.Cleanup(func() { n.Stop() })
		}
	}
	require.NoError(t, headErr)
	require.NoError(t, memberErr)
	require.NoFileExists(t, filepath.Join(leftover, "t/stale"))
	require.True(t, alive(unrelated.Process.Pid))

	// The head sees the member alive.
	members, err := headNode.Members(ctx)
	require.NoError(t, err)
	require.Len(t, members, 1)
	require.Equal(t, "127.0.0.3", members[0].IP)
	_, err = memberNode.Members(ctx)
	require.ErrorIs(t, err, ray.ErrNotHead)

	// A job submitted with the token runs tasks on both nodes.
	out, err := harness.RayClient(t.TempDir(), venv, token.String(), "ray", "job", "submit", "--address", head.DashboardURL(), "--working-dir", "testdata/job",
		"--", filepath.Join(venv, "bin/python"), "fanout.py")
	require.NoError(t, err, out)
	require.Contains(t, out, "ran on: 127.0.0.2 127.0.0.3\n")

	// Without the token, or with another, the cluster refuses.
	// Without the token, or with another, the cluster refuses: its job API (the dashboard) and
	// its GCS (a driver).
	wrong, err := jobsecret.NewToken(rand.Reader)
	require.NoError(t, err)
	// A driver tries the GCS once (by default for 20 s).
	driver := fmt.Sprintf("import os; os.environ['RAY_gcs_server_port_wait_time_s'] = '1'; import ray; ray.init(address=%q)", head.GCSAddress())
	const gcsRefused = "AuthenticationError: RPC error: InvalidAuthToken: Authentication token is missing or incorrect"
	for _, c := range []struct {
		token, want, program string
		args                 []string
	}{
		{"", "AuthenticationError: Authentication required: Unauthorized: Missing authentication token", "ray", []string{"job", "list", "--address", head.DashboardURL()}},
		{wrong.String(), "AuthenticationError: Authentication failed: Forbidden: Invalid authentication token", "ray", []string{"job", "list", "--address", head.DashboardURL()}},
		{"", gcsRefused, "python", []string{"-c", driver}},
		{wrong.String(), gcsRefused, "python", []string{"-c", driver}},
	} {
		out, err := harness.RayClient(t.TempDir(), venv, c.token, c.program, c.args...)
		require.Error(t, err)
		require.Contains(t, out, c.want)
	}

	// The token is in no log of either node, no process's argv and no Go log line.
	require.Empty(t, grepTree(t, headNode.TempDir(), token.String()))
	require.Empty(t, grepTree(t, memberNode.TempDir(), token.String()))
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, c := range cmdlines {
		b, _ := os.ReadFile(c)
		require.NotContains(t, string(b), token.String(), c)
	}

	// A restarted head worker adopts its running node.
	again, err := (&ray.Runner{Ray: headRunner.Ray, StateDir: headRunner.StateDir, Log: log}).Start(ctx, head, token)
	require.NoError(t, err)
	require.Equal(t, headNode.Sandbox.InitPID, again.Sandbox.InitPID)

	// Stopping the member ends its processes only.
	require.NoError(t, memberNode.Stop())
	require.False(t, memberNode.Running())
	require.NoDirExists(t, memberNode.TempDir())
	require.True(t, headNode.Running())
	require.True(t, alive(unrelated.Process.Pid))
	require.Eventually(t, func() bool {
		m, err := headNode.Members(ctx)
		return err == nil && len(m) == 0
	}, 60*time.Second, 500*time.Millisecond)

	require.NoError(t, headNode.Stop())
	require.False(t, headNode.Running())
	require.True(t, alive(unrelated.Process.Pid))
	require.Contains(t, logs.String(), `"msg":"ray node started"`)
	require.NotContains(t, logs.String(), token.String())
}
