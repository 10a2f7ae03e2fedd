package ray_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/jobsecret"
	"github.com/gpunet/gpunet/worker/ray"
)

// result is what a probe of testdata/sandbox/driver.py reports.
type result struct {
	IP        string `json:"ip"`
	UID       int    `json:"uid"`
	GID       int    `json:"gid"`
	Read      *int   `json:"read"`
	Error     string `json:"error"`
	Errno     int    `json:"errno"`
	Written   int64  `json:"written"`
	Size      int64  `json:"size"`
	Free      int64  `json:"free"`
	Forked    int    `json:"forked"`
	TaskError string `json:"task_error"`
}

// prober drops commands into a node's sandbox for its driver, through the sandbox's root.
type prober struct {
	node *ray.Node
	n    int
}

func (p *prober) run(t *testing.T, kind, arg string) result {
	t.Helper()
	root := filepath.Join("/proc", strconv.Itoa(p.node.Sandbox.InitPID), "root", "job")
	b, err := json.Marshal(map[string]string{"kind": kind, "arg": arg})
	require.NoError(t, err)
	tmp := filepath.Join(root, fmt.Sprintf("cmd-%d.tmp", p.n))
	require.NoError(t, os.WriteFile(tmp, b, 0o644))
	require.NoError(t, os.Rename(tmp, filepath.Join(root, fmt.Sprintf("cmd-%d", p.n))))
	var out []byte
	require.Eventually(t, func() bool {
		out, err = os.ReadFile(filepath.Join(root, fmt.Sprintf("res-%d", p.n)))
		return err == nil
	}, 3*time.Minute, 50*time.Millisecond, "probe %s %s", kind, arg)
	p.n++
	var r result
	require.NoError(t, json.Unmarshal(out, &r))
	t.Logf("%s %s: %s", kind, arg, out)
	return r
}

func cgroupFile(t *testing.T, path, key string) int64 {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+" "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			require.NoError(t, err)
			return n
		}
	}
	t.Fatalf("no %s in %s: %s", key, path, b)
	return 0
}

// TestSandbox runs two jobs' heads (A on 127.0.0.2, B on 127.0.0.4), each sandboxed by its own
// worker, and from Ray tasks on A tries to read the worker's device key and config and B's
// files, fills A's disk, forks and allocates without bound; after each, B still runs tasks.
func TestSandbox(t *testing.T) {
	venv := rayVenv(t)
	ctx := context.Background()
	var logs harness.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	limits := ray.Limits{MemoryBytes: 2 << 30, Pids: 1024, DiskBytes: 64 << 20}
	runA := &ray.Runner{Ray: filepath.Join(venv, "bin/ray"), StateDir: stateDir(t), Limits: limits, Log: log}
	runB := &ray.Runner{Ray: runA.Ray, StateDir: stateDir(t), Limits: limits, Log: log}
	// A's worker's secrets, as the worker keeps them: mode 0600 in its state dir.
	key, config := filepath.Join(runA.StateDir, "device.json"), filepath.Join(runA.StateDir, "config.json")
	require.NoError(t, os.WriteFile(key, []byte("[1,2,3]"), 0o600))
	require.NoError(t, os.WriteFile(config, []byte(`{"device-keypair":"device.json"}`), 0o600))

	baseA := portBlock(t)
	specA := ray.Spec{Job: "JobA22222222222222222222222222222222222222", Head: true, IP: "127.0.0.2", PortBase: baseA, CPUs: 1, MemoryBytes: 512 << 20, ObjectStore: 100 << 20}
	specB := ray.Spec{Job: "JobB33333333333333333333333333333333333333", Head: true, IP: "127.0.0.4", PortBase: portBlock(t, baseA), CPUs: 1, MemoryBytes: 512 << 20, ObjectStore: 100 << 20}
	tokA, err := jobsecret.NewToken(rand.Reader)
	require.NoError(t, err)
	tokB, err := jobsecret.NewToken(rand.Reader)
	require.NoError(t, err)
	var wg sync.WaitGroup
	var a, b *ray.Node
	var errA, errB error
	start := time.Now()
	wg.Go(func() { a, errA = runA.Start(ctx, specA, tokA) })
	wg.Go(func() { b, errB = runB.Start(ctx, specB, tokB) })
	wg.Wait()
	t.Logf("two sandboxed heads started in parallel in %v; A: %s", time.Since(start).Round(time.Millisecond), a.Sandbox)
	for _, n := range []*ray.Node{a, b} {
		if n != nil {
			t.Cleanup(func() { n.Stop() })
		}
	}
	require.NoError(t, errA)
	require.NoError(t, errB)
	require.NotEqual(t, a.Sandbox.UID, b.Sandbox.UID)
	require.Equal(t, ray.Cgroups{Version: 1, Dirs: a.Sandbox.Cgroups.Dirs}, a.Sandbox.Cgroups) // this machine: v1
	for path, want := range map[string]string{
		filepath.Join(a.Sandbox.Cgroups.Dirs[0], "pids.max"):              "1024",
		filepath.Join(a.Sandbox.Cgroups.Dirs[1], "memory.limit_in_bytes"): strconv.Itoa(2 << 30),
	} {
		got, err := os.ReadFile(path)
		require.NoError(t, err)
		require.Equal(t, want, strings.TrimSpace(string(got)), path)
	}
	dirB, err := runB.Dir(specB.Job)
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(dirB, "token"))

	for _, c := range []struct {
		n     *ray.Node
		token jobsecret.Token
	}{{a, tokA}, {b, tokB}} {
		out, err := harness.RayClient(t.TempDir(), venv, c.token.String(), "ray", "job", "submit", "--no-wait", "--address", c.n.Spec.DashboardURL(),
			"--working-dir", "testdata/sandbox", "--", filepath.Join(venv, "bin/python"), "driver.py")
		require.NoError(t, err, out)
	}
	pa, pb := &prober{node: a}, &prober{node: b}
	bRuns := func() {
		t.Helper()
		require.Equal(t, result{IP: "127.0.0.4", UID: b.Sandbox.UID, GID: b.Sandbox.UID}, pb.run(t, "ping", ""))
		require.True(t, b.Running())
	}
	require.Equal(t, result{IP: "127.0.0.2", UID: a.Sandbox.UID, GID: a.Sandbox.UID}, pa.run(t, "ping", ""))
	bRuns()

	// Reads: the worker's key and config, B's node dir and B's sandbox (by its pid 1), the host's
	// /etc: nothing there; the sandbox's pid 1 (root's): refused.
	notFound := result{Error: "FileNotFoundError", Errno: 2}
	for _, path := range []string{key, config, filepath.Join(dirB, "token"), filepath.Join(dirB, "state.json"),
		fmt.Sprintf("/proc/%d/root/run/gpunet/token", b.Sandbox.InitPID), "/etc/shadow", "/etc/gpunet-worker/config.json"} {
		require.Equal(t, notFound, pa.run(t, "read", path), path)
	}
	require.Equal(t, result{Error: "PermissionError", Errno: 13}, pa.run(t, "read", "/proc/1/root/etc/hosts"))
	one := 64
	require.Equal(t, result{Read: &one}, pa.run(t, "read", "/run/gpunet/token")) // its own job's token
	bRuns()

	// Disk: ENOSPC once the 64 MiB tmpfs is full.
	disk := pa.run(t, "disk", "")
	require.Equal(t, "OSError", disk.Error)
	require.Equal(t, 28, disk.Errno) // ENOSPC
	require.Equal(t, limits.DiskBytes, disk.Size)
	require.Equal(t, int64(0), disk.Free)
	require.Greater(t, disk.Written, limits.DiskBytes/2)
	bRuns()

	// Processes: EAGAIN at the pids limit.
	fork := pa.run(t, "fork", "")
	require.Equal(t, "BlockingIOError", fork.Error)
	require.Equal(t, 11, fork.Errno) // EAGAIN
	require.Less(t, fork.Forked, int(limits.Pids))
	require.Positive(t, fork.Forked)
	require.Positive(t, cgroupFile(t, filepath.Join(a.Sandbox.Cgroups.Dirs[0], "pids.events"), "max"))
	bRuns()
	require.Equal(t, "127.0.0.2", pa.run(t, "ping", "").IP)

	// Memory: the kernel's OOM killer, in the node's memory cgroup, ends the task at the limit.
	mem := pa.run(t, "memory", "")
	require.Equal(t, result{TaskError: "WorkerCrashedError"}, mem) // the kernel killed its worker process
	require.Positive(t, cgroupFile(t, filepath.Join(a.Sandbox.Cgroups.Dirs[1], "memory.oom_control"), "oom_kill"))
	bRuns()
	require.True(t, a.Running())
	require.Equal(t, "127.0.0.2", pa.run(t, "ping", "").IP) // A's node survived too

	// Stopping A ends its namespace and removes its cgroups and directory; B runs on.
	dirA, err := runA.Dir(specA.Job)
	require.NoError(t, err)
	require.NoError(t, a.Stop())
	require.False(t, a.Running())
	for _, d := range append(a.Sandbox.Cgroups.Dirs, dirA) {
		require.NoDirExists(t, d)
	}
	bRuns()
	require.NoError(t, b.Stop())
	require.NotContains(t, logs.String(), tokA.String())
}
