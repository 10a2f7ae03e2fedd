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

// Runner starts a worker's Ray nodes, each in its sandbox (sandbox.go): the only way the
// worker runs Ray.
type Runner struct {
	Ray      string // the venv's ray executable (target/venv/ray/bin/ray)
	StateDir string // the worker's state dir: with the job, it names the node's directory
	Limits   Limits // per node; zero fields take their defaults from the spec (Limits.For)
	Log      *slog.Logger
}

// Node is a running Ray node.
type Node struct {
	Spec    Spec
	Sandbox Sandbox // how the node is confined
	dir     string
	token   jobsecret.Token
	log     *slog.Logger
}

// state is a node's state file: enough for a restarted worker to find and adopt or clean it.
type state struct {
	Spec    Spec    `json:"spec"`
	Sandbox Sandbox `json:"sandbox"`
}

// dir is the node's directory on the host (token, state, the node's passwd and group, the
// output of `ray start`), in this user's private directory of the system's temp dir, named by
// the state dir and the job, so that a restarted worker finds its node and two workers never
// share one; the hash also names the node's cgroups and uid.
func (r *Runner) dir(job string) (string, []byte, error) {
	base := filepath.Join(os.TempDir(), "gpunet-ray-"+strconv.Itoa(os.Getuid()))
	if err := os.Mkdir(base, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", nil, fmt.Errorf("ray nodes dir: %w", err)
	}
	info, err := os.Lstat(base)
	if err != nil {
		return "", nil, fmt.Errorf("ray nodes dir: %w", err)
	}
	if st, ok := info.Sys().(*syscall.Stat_t); !info.IsDir() || !ok || int(st.Uid) != os.Getuid() || info.Mode().Perm() != 0o700 {
		return "", nil, fmt.Errorf("ray nodes dir %s is not a directory of this user only (mode 0700): remove it", base)
	}
	h := sha256.Sum256([]byte(r.StateDir + "\x00" + job))
	return filepath.Join(base, hex.EncodeToString(h[:6])), h[:], nil
}

// Start starts the node of spec with token in its sandbox, or adopts the one a previous run
// of the worker started for the same spec and token; a leftover node that differs is stopped
// and cleaned first. It returns once `ray start` says the node runs (a member: joined its
// head). Without bubblewrap, setpriv or cgroups it fails, saying what to install or enable.
func (r *Runner) Start(ctx context.Context, spec Spec, token jobsecret.Token) (*Node, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	sb, err := r.hostSandbox()
	if err != nil {
		return nil, err
	}
	dir, hash, err := r.dir(spec.Job)
	if err != nil {
		return nil, err
	}
	cg, err := hostCgroups("gpunet-ray-" + filepath.Base(dir))
	if err != nil {
		return nil, err
	}
	log := r.Log.With("job", spec.Job, "head", spec.Head, "ip", spec.IP)
	if n, err := r.adopt(dir, cg, spec, token, log); n != nil || err != nil {
		return n, err
	}
	sb.dir, sb.uid, sb.limits = dir, nodeUID(hash), r.Limits.For(spec, hostMemory())
	if spec.GPUs > 0 {
		sb.devices, _ = filepath.Glob("/dev/nvidia*")
	}
	n := &Node{Spec: spec, Sandbox: Sandbox{UID: sb.uid, Cgroups: cg, Limits: sb.limits}, dir: dir, token: token, log: log}
	if err := n.prepare(); err != nil {
		n.discard()
		return nil, err
	}
	out, err := os.OpenFile(filepath.Join(dir, "out.log"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		n.discard()
		return nil, fmt.Errorf("ray node output: %w", err)
	}
	defer out.Close()
	infoR, infoW, err := os.Pipe()
	if err != nil {
		n.discard()
		return nil, err
	}
	defer infoR.Close()
	// The shell puts itself into the node's cgroups, then becomes bwrap: nothing of the node
	// runs outside them. bwrap has no --die-with-parent: the node outlives a crashed worker.
	script := `while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"`
	args := []string{"-c", script, "sh"}
	for _, d := range cg.Dirs {
		args = append(args, filepath.Join(d, "cgroup.procs"))
	}
	args = append(append(args, "--", sb.bwrap), sb.bwrapArgs(spec, 3)...)
	cmd := exec.Command("/bin/sh", args...)
	cmd.Env = sb.env()
	cmd.Stdout, cmd.Stderr = out, out
	cmd.ExtraFiles = []*os.File{infoW}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	start := time.Now()
	err = cmd.Start()
	infoW.Close()
	if err != nil {
		n.discard()
		return nil, fmt.Errorf("ray sandbox: %w", err)
	}
	n.Sandbox.BwrapPID = cmd.Process.Pid
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }() // reaps bwrap whenever it exits
	var info struct {
		ChildPID int `json:"child-pid"`
	}
	if err := json.NewDecoder(infoR).Decode(&info); err != nil || info.ChildPID <= 0 {
		<-exited
		stopErr := n.Stop()
		return nil, errors.Join(fmt.Errorf("ray sandbox: bwrap did not start (%v): %s", err, n.output(5)), stopErr)
	}
	n.Sandbox.InitPID = info.ChildPID
	if err := n.writeState(); err != nil {
		return nil, errors.Join(err, n.Stop())
	}
	for tick := time.NewTicker(100 * time.Millisecond); ; {
		select {
		case <-ctx.Done():
			tick.Stop()
			return nil, errors.Join(ctx.Err(), n.Stop())
		case err := <-exited:
			tick.Stop()
			return nil, errors.Join(fmt.Errorf("ray start: %v: %s", err, n.output(5)), n.Stop())
		case <-tick.C:
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "out.log")); bytes.Contains(b, []byte("Ray runtime started.")) {
			tick.Stop()
			break
		}
	}
	log.Info("ray node started", "took", time.Since(start).Round(time.Millisecond), "gcs", spec.GCSAddress(), "sandbox", n.Sandbox.String())
	return n, nil
}

// prepare makes the node's directory and cgroups: the token file (the node's user's, 0400;
// the directory is root's, 0700), the node's passwd and group.
func (n *Node) prepare() error {
	if err := os.MkdirAll(n.dir, 0o700); err != nil {
		return fmt.Errorf("ray node dir: %w", err)
	}
	if err := os.WriteFile(n.tokenPath(), []byte(n.token.String()), 0o600); err != nil {
		return fmt.Errorf("ray token file: %w", err)
	}
	if err := os.Chown(n.tokenPath(), n.Sandbox.UID, n.Sandbox.UID); err != nil {
		return fmt.Errorf("ray token file: %w", err)
	}
	if err := os.Chmod(n.tokenPath(), 0o400); err != nil {
		return fmt.Errorf("ray token file: %w", err)
	}
	passwd, group := accounts(n.Sandbox.UID)
	if err := os.WriteFile(filepath.Join(n.dir, "passwd"), []byte(passwd), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(n.dir, "group"), []byte(group), 0o644); err != nil {
		return err
	}
	return n.Sandbox.Cgroups.create(n.Sandbox.Limits)
}

func (n *Node) output(k int) string {
	b, _ := os.ReadFile(filepath.Join(n.dir, "out.log"))
	return lastLines(string(b), k)
}

// adopt returns the node a previous run left in dir when it still runs with the same spec
// and token; otherwise it stops and cleans whatever is left (processes in the node's cgroups,
// the cgroups, the directory), and returns nil.
func (r *Runner) adopt(dir string, cg Cgroups, spec Spec, token jobsecret.Token, log *slog.Logger) (*Node, error) {
	n := &Node{Spec: spec, Sandbox: Sandbox{Cgroups: cg}, dir: dir, token: token, log: log}
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if errors.Is(err, os.ErrNotExist) {
		if len(cg.procs()) > 0 {
			log.Info("ray node cgroups left by a previous run: stopping their processes")
		}
		return nil, n.Stop()
	}
	var st state
	if err == nil {
		err = json.Unmarshal(b, &st)
	}
	if err != nil {
		log.Warn("ray node state unreadable: cleaning the node", "err", err)
		return nil, n.Stop()
	}
	n.Spec, n.Sandbox = st.Spec, st.Sandbox
	if len(n.Sandbox.Cgroups.Dirs) == 0 {
		n.Sandbox.Cgroups = cg
	}
	saved, _ := os.ReadFile(n.tokenPath())
	if st.Spec == spec && string(saved) == token.String() && n.owned() {
		log.Info("ray node adopted", "init_pid", st.Sandbox.InitPID, "sandbox", n.Sandbox.String())
		return n, nil
	}
	log.Info("ray node left by a previous run: stopping and cleaning it", "init_pid", st.Sandbox.InitPID)
	return nil, n.Stop()
}

func (n *Node) tokenPath() string { return filepath.Join(n.dir, "token") }

// TempDir is Ray's temp dir of the node (its session, sockets and logs), as the worker sees it
// while the node runs: on the sandbox's tmpfs, through its pid 1's root.
func (n *Node) TempDir() string {
	return filepath.Join("/proc", strconv.Itoa(n.Sandbox.InitPID), "root", sandboxTemp)
}

func (n *Node) writeState() error {
	b, err := json.Marshal(state{Spec: n.Spec, Sandbox: n.Sandbox})
	if err != nil {
		return err
	}
	tmp := filepath.Join(n.dir, "state.json.tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("ray node state: %w", err)
	}
	return os.Rename(tmp, filepath.Join(n.dir, "state.json"))
}

// Running says whether the node runs: its pid namespace's pid 1 is alive in its cgroup.
func (n *Node) Running() bool { return n.owned() }

// owned says whether the node's pid 1 is still the node's: alive and in the node's cgroup, so
// a pid reused after the node died is never taken for it.
func (n *Node) owned() bool {
	if n.Sandbox.InitPID <= 0 || !live(n.Sandbox.InitPID) {
		return false
	}
	for _, pid := range n.Sandbox.Cgroups.procs() {
		if pid == n.Sandbox.InitPID {
			return true
		}
	}
	return false
}

// live says whether pid is a process that is not a zombie.
func live(pid int) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}

// group is the live processes of the node's cgroup.
func (n *Node) group() []int {
	var pids []int
	for _, pid := range n.Sandbox.Cgroups.procs() {
		if live(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Stop ends the node's processes (SIGTERM to Ray's, then after stopGrace SIGKILL to its pid
// namespace's pid 1, which ends the namespace, and to anything left in its cgroup), removes its
// cgroups and its directory; the tmpfs go with the namespace. Only the node's cgroup is
// signalled: other Ray processes of the machine, another job's or not, are untouched.
func (n *Node) Stop() error {
	sb := n.Sandbox
	if n.owned() {
		for _, pid := range n.group() {
			if pid != sb.InitPID && pid != sb.BwrapPID {
				_ = syscall.Kill(pid, syscall.SIGTERM)
			}
		}
		for deadline := time.Now().Add(stopGrace); time.Now().Before(deadline) && live(sb.InitPID); {
			time.Sleep(100 * time.Millisecond)
		}
		_ = syscall.Kill(sb.InitPID, syscall.SIGKILL)
	}
	for deadline := time.Now().Add(2 * stopGrace); len(n.group()) > 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			return fmt.Errorf("ray stop: processes %v of the node's cgroup survived SIGKILL", n.group())
		}
		for _, pid := range n.group() {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	err := sb.Cgroups.remove()
	n.clean()
	n.log.Info("ray node stopped")
	return err
}

// discard removes what prepare made, before anything ran in it.
func (n *Node) discard() {
	if err := n.Sandbox.Cgroups.remove(); err != nil {
		n.log.Warn("ray sandbox cgroups", "err", err)
	}
	n.clean()
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
