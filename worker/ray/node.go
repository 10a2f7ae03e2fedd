package ray

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gpunet/gpunet/internal/jobsecret"
)

// A node's ports are Spec.PortBase plus these offsets; the worker ports follow.
const (
	offGCS = iota // head only, like the dashboard and the client server
	offDashboard
	offClientServer
	offNodeManager
	offObjectManager
	offAgentListen
	offAgentGRPC
	offRuntimeEnvAgent
	offMetrics
	offWorkers
	// WorkerPorts is how many ports the node's worker processes may use (one each).
	WorkerPorts = 100
	// PortCount is the size of a node's port block: PortBase..PortBase+PortCount-1.
	PortCount = offWorkers + WorkerPorts
)

// maxTempDir keeps Ray's unix sockets (<temp>/session_<date>_<pid>/sockets/plasma_store)
// under the kernel's 107-byte limit.
const maxTempDir = 40

// stopGrace is how long a node's processes have to exit after SIGTERM before SIGKILL
// (Ray's raylet and GCS server often ignore SIGTERM while draining).
const stopGrace = 3 * time.Second

var (
	// ErrSpec is an invalid node spec.
	ErrSpec = errors.New("ray: invalid node spec")
	// ErrNotHead is a head-only call on a member.
	ErrNotHead = errors.New("ray: not the head")
)

// Spec is what a node runs with. The worker fills it from the job (resources per slot) and
// its own configuration (address, ports); a state file keeps it, so it carries no secret.
type Spec struct {
	Job         string `json:"job"`          // the job's address
	Head        bool   `json:"head"`         // the head (the job's first slot), else a member
	IP          string `json:"ip"`           // the address the node advertises (--node-ip-address)
	HeadAddress string `json:"head_address"` // a member's head: its IP:GCS port
	PortBase    int    `json:"port_base"`    // the first of the node's PortCount ports
	CPUs        int    `json:"cpus"`
	GPUs        int    `json:"gpus"`
	MemoryBytes int64  `json:"memory_bytes"` // for tasks and actors; 0: Ray's default
	ObjectStore int64  `json:"object_store"` // object store bytes; 0: Ray's default
}

// Validate checks the spec.
func (s Spec) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrSpec}, args...)...))
	}
	if s.Job == "" || strings.ContainsAny(s.Job, "/\\\x00") {
		bad("job %q", s.Job)
	}
	ip := net.ParseIP(s.IP)
	switch {
	case ip == nil:
		bad("ip %q is not an IP address", s.IP)
	case s.IP == "127.0.0.1" || s.IP == "::1":
		// Ray replaces exactly these with the host's outward address; 127.0.0.2 and up stay.
		bad("ip %s: Ray advertises the host's outward address instead; use another loopback address such as 127.0.0.2", s.IP)
	}
	if s.PortBase < 1024 || s.PortBase+PortCount-1 > 65535 {
		bad("port base %d: the node's %d ports must lie in 1024..65535", s.PortBase, PortCount)
	}
	if s.Head != (s.HeadAddress == "") {
		bad("a head has no head address, a member needs one (head %v, head address %q)", s.Head, s.HeadAddress)
	}
	if !s.Head {
		if _, _, err := net.SplitHostPort(s.HeadAddress); err != nil {
			bad("head address %q: %v", s.HeadAddress, err)
		}
	}
	if s.CPUs < 1 || s.GPUs < 0 || s.MemoryBytes < 0 || s.ObjectStore < 0 {
		bad("resources: %d CPUs, %d GPUs, %d memory bytes, %d object store bytes", s.CPUs, s.GPUs, s.MemoryBytes, s.ObjectStore)
	}
	return errors.Join(errs...)
}

// GCSPort, DashboardPort and ClientPort are where a head's GCS, dashboard (and job API) and
// Ray Client server listen.
func (s Spec) GCSPort() int       { return s.PortBase + offGCS }
func (s Spec) DashboardPort() int { return s.PortBase + offDashboard }
func (s Spec) ClientPort() int    { return s.PortBase + offClientServer }

// GCSAddress is where members join and drivers connect: IP:GCS port (a head's).
func (s Spec) GCSAddress() string { return net.JoinHostPort(s.IP, strconv.Itoa(s.GCSPort())) }

// DashboardURL is the head's dashboard and job API (`ray job submit --address`).
func (s Spec) DashboardURL() string {
	return "http://" + net.JoinHostPort(s.IP, strconv.Itoa(s.DashboardPort()))
}

// ClientAddress is the head's Ray Client server (ray.init("ray://...")).
func (s Spec) ClientAddress() string {
	return "ray://" + net.JoinHostPort(s.IP, strconv.Itoa(s.ClientPort()))
}

func (s Spec) args(tempDir string) []string {
	port := func(off int) string { return strconv.Itoa(s.PortBase + off) }
	a := []string{"start", "--node-ip-address", s.IP, "--temp-dir", tempDir, "--disable-usage-stats", "--log-style", "record",
		"--node-manager-port", port(offNodeManager), "--object-manager-port", port(offObjectManager),
		"--dashboard-agent-listen-port", port(offAgentListen), "--dashboard-agent-grpc-port", port(offAgentGRPC),
		"--runtime-env-agent-port", port(offRuntimeEnvAgent), "--metrics-export-port", port(offMetrics),
		"--min-worker-port", port(offWorkers), "--max-worker-port", port(offWorkers + WorkerPorts - 1),
		"--num-cpus", strconv.Itoa(s.CPUs), "--num-gpus", strconv.Itoa(s.GPUs)}
	if s.MemoryBytes > 0 {
		a = append(a, "--memory", strconv.FormatInt(s.MemoryBytes, 10))
	}
	if s.ObjectStore > 0 {
		a = append(a, "--object-store-memory", strconv.FormatInt(s.ObjectStore, 10))
	}
	if s.Head {
		return append(a, "--head", "--port", port(offGCS), "--dashboard-host", s.IP, "--dashboard-port", port(offDashboard),
			"--ray-client-server-port", port(offClientServer))
	}
	return append(a, "--address", s.HeadAddress)
}

// Runner starts a worker's Ray nodes.
type Runner struct {
	Ray      string // the venv's ray executable (target/venv/ray/bin/ray)
	StateDir string // the worker's state dir: with the job, it names the node's directory
	Log      *slog.Logger
}

// Node is a running Ray node.
type Node struct {
	Spec  Spec
	dir   string
	pgid  int
	token jobsecret.Token
	log   *slog.Logger
}

// state is a node's state file: enough for a restarted worker to find and adopt or clean it.
type state struct {
	Spec Spec `json:"spec"`
	PGID int  `json:"pgid"` // the process group of every process of the node
}

// dir is the node's directory, in this user's private directory of the system's temp dir,
// because Ray's unix socket paths live under it and a state dir may be too long for them;
// named by the state dir and the job, so that a restarted worker finds its node and two
// workers of one user never share one.
func (r *Runner) dir(job string) (string, error) {
	base := filepath.Join(os.TempDir(), "gpunet-ray-"+strconv.Itoa(os.Getuid()))
	if err := os.Mkdir(base, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("ray nodes dir: %w", err)
	}
	info, err := os.Lstat(base)
	if err != nil {
		return "", fmt.Errorf("ray nodes dir: %w", err)
	}
	if st, ok := info.Sys().(*syscall.Stat_t); !info.IsDir() || !ok || int(st.Uid) != os.Getuid() || info.Mode().Perm() != 0o700 {
		return "", fmt.Errorf("ray nodes dir %s is not a directory of this user only (mode 0700): remove it", base)
	}
	h := sha256.Sum256([]byte(r.StateDir + "\x00" + job))
	return filepath.Join(base, hex.EncodeToString(h[:6])), nil
}

// Start starts the node of spec with token, or adopts the one a previous run of the worker
// started for the same spec and token; a leftover node that differs is stopped and cleaned
// first. It returns once `ray start` says the node runs (a member: joined its head).
func (r *Runner) Start(ctx context.Context, spec Spec, token jobsecret.Token) (*Node, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	dir, err := r.dir(spec.Job)
	if err != nil {
		return nil, err
	}
	if len(filepath.Join(dir, "t")) > maxTempDir {
		return nil, fmt.Errorf("%w: Ray's temp dir %s is longer than %d bytes (unix socket paths): set TMPDIR shorter",
			ErrSpec, filepath.Join(dir, "t"), maxTempDir)
	}
	log := r.Log.With("job", spec.Job, "head", spec.Head, "ip", spec.IP)
	if n, err := r.adopt(dir, spec, token, log); n != nil || err != nil {
		return n, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("ray node dir: %w", err)
	}
	n := &Node{Spec: spec, dir: dir, token: token, log: log}
	if err := os.WriteFile(n.tokenPath(), []byte(token.String()), 0o600); err != nil {
		return nil, fmt.Errorf("ray token file: %w", err)
	}
	cmd := exec.CommandContext(ctx, r.Ray, spec.args(n.tempDir())...)
	cmd.Env = n.env(filepath.Dir(r.Ray))
	// A session of its own: every process of the node shares this process group, and only this one.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	start := time.Now()
	if err := cmd.Start(); err != nil {
		n.clean()
		return nil, fmt.Errorf("ray start: %w", err)
	}
	n.pgid = cmd.Process.Pid
	if err := n.writeState(); err != nil {
		n.Stop()
		return nil, err
	}
	if err := cmd.Wait(); err != nil {
		stopErr := n.Stop()
		return nil, errors.Join(fmt.Errorf("ray start: %w: %s", err, lastLines(out.String(), 5)), stopErr)
	}
	log.Info("ray node started", "took", time.Since(start).Round(time.Millisecond), "gcs", spec.GCSAddress())
	return n, nil
}

// adopt returns the node a previous run left in dir when it still runs with the same spec
// and token; otherwise it stops and cleans whatever is left, and returns nil.
func (r *Runner) adopt(dir string, spec Spec, token jobsecret.Token, log *slog.Logger) (*Node, error) {
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, os.RemoveAll(dir)
	}
	var st state
	if err == nil {
		err = json.Unmarshal(b, &st)
	}
	n := &Node{Spec: st.Spec, dir: dir, pgid: st.PGID, token: token, log: log}
	if err != nil {
		log.Warn("ray node state unreadable: cleaning the node dir", "err", err)
		return nil, os.RemoveAll(dir)
	}
	saved, _ := os.ReadFile(n.tokenPath())
	if st.Spec == spec && string(saved) == token.String() && n.owned() {
		log.Info("ray node adopted", "pgid", st.PGID)
		return n, nil
	}
	log.Info("ray node left by a previous run: stopping and cleaning it", "pgid", st.PGID)
	return nil, n.Stop()
}

// env is the worker's environment for Ray, with token auth on and the token read from its
// file; a token or mode inherited from the environment is dropped.
// env is the node's environment: the worker's, without Ray's auth and address variables, with
// the node's token file, and the venv's bin directory first on PATH, so that a renter's
// entrypoint `python script.py` runs the venv's Python, which has Ray.
func (n *Node) env(venvBin string) []string {
	env := []string{"RAY_AUTH_MODE=token", "RAY_AUTH_TOKEN_PATH=" + n.tokenPath(), "RAY_USAGE_STATS_ENABLED=0", "PATH=" + venvBin + ":" + os.Getenv("PATH")}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "RAY_AUTH_TOKEN" && k != "RAY_AUTH_TOKEN_PATH" && k != "RAY_AUTH_MODE" && k != "RAY_ADDRESS" && k != "PATH" {
			env = append(env, kv)
		}
	}
	return env
}

func (n *Node) tokenPath() string { return filepath.Join(n.dir, "token") }
func (n *Node) tempDir() string   { return filepath.Join(n.dir, "t") }

// TempDir is Ray's temp dir of the node (its session, sockets and logs).
func (n *Node) TempDir() string { return n.tempDir() }

func (n *Node) writeState() error {
	b, err := json.Marshal(state{Spec: n.Spec, PGID: n.pgid})
	if err != nil {
		return err
	}
	tmp := filepath.Join(n.dir, "state.json.tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("ray node state: %w", err)
	}
	return os.Rename(tmp, filepath.Join(n.dir, "state.json"))
}

// Running says whether the node's processes run.
func (n *Node) Running() bool { return n.owned() }

// group is the live (not zombie) processes of the node's process group.
func (n *Node) group() []int {
	pids, _ := n.scan()
	return pids
}

// owned says whether the process group is still the node's: one of its processes names the
// node's temp dir (its GCS server, raylet, agents), so a group id reused after the node died
// is never taken for it.
func (n *Node) owned() bool {
	_, ours := n.scan()
	return ours
}

func (n *Node) scan() (pids []int, ours bool) {
	if n.pgid <= 0 {
		return nil, false
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its ')'.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) < 3 || f[0] == "Z" || f[2] != strconv.Itoa(n.pgid) {
			continue
		}
		pids = append(pids, pid)
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		ours = ours || bytes.Contains(cmdline, []byte(n.tempDir()))
	}
	return pids, ours
}

// Stop ends the node's processes (SIGTERM to its process group, SIGKILL after stopGrace) and
// removes its directory: Ray's temp dir, the token file and the state file. Other Ray
// processes of the machine, another job's or not, are untouched.
func (n *Node) Stop() error {
	if n.owned() {
		_ = syscall.Kill(-n.pgid, syscall.SIGTERM)
		if !n.waitGone(stopGrace) {
			_ = syscall.Kill(-n.pgid, syscall.SIGKILL)
			if !n.waitGone(stopGrace) {
				return fmt.Errorf("ray stop: processes %v of group %d survived SIGKILL", n.group(), n.pgid)
			}
		}
	}
	n.clean()
	n.log.Info("ray node stopped")
	return nil
}

func (n *Node) waitGone(d time.Duration) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if len(n.group()) == 0 {
			return true
		}
	}
	return len(n.group()) == 0
}

func (n *Node) clean() {
	if err := os.RemoveAll(n.dir); err != nil {
		n.log.Warn("ray node dir", "err", err)
	}
}

func lastLines(s string, k int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-k):], "\n")
}
