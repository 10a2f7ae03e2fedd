package ray

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Inside the sandbox: the job's writable tmpfs (Ray's temp dir, HOME, /tmp), and the token.
const (
	jobDir      = "/job"
	sandboxTemp = jobDir + "/t"
	sandboxTok  = "/run/gpunet/token"
)

// Defaults of Limits.
const (
	DefaultPids    = 4096
	DefaultDisk    = 10 << 30
	memoryHeadroom = 2 << 30 // Ray's own processes (GCS, raylet, dashboard, agents) and the tmpfs
	uidBase        = 2_000_000_000
	uidRange       = 100_000_000
)

// Limits confine a node's processes. A zero field takes its default (Limits.For).
type Limits struct {
	MemoryBytes int64 `json:"memory_bytes"` // memory cgroup limit of every process of the node, its tmpfs pages included
	Pids        int64 `json:"pids"`         // pids cgroup limit: processes and threads
	DiskBytes   int64 `json:"disk_bytes"`   // size of the node's writable tmpfs (/job: Ray's temp dir, HOME, /tmp)
}

// For fills l's zero fields for spec on a host with hostMemory bytes: memory is the slot's task
// memory plus its object store plus 2 GiB of headroom when the spec sizes both, else 3/4 of
// the host's (Ray then sizes itself from the host); pids 4096; disk 10 GiB.
func (l Limits) For(spec Spec, hostMemory int64) Limits {
	if l.MemoryBytes == 0 {
		if spec.MemoryBytes > 0 && spec.ObjectStore > 0 {
			l.MemoryBytes = spec.MemoryBytes + spec.ObjectStore + memoryHeadroom
		} else {
			l.MemoryBytes = hostMemory / 4 * 3
		}
	}
	if l.Pids == 0 {
		l.Pids = DefaultPids
	}
	if l.DiskBytes == 0 {
		l.DiskBytes = DefaultDisk
	}
	return l
}

// Sandbox is how a node is confined; the state file keeps it, so a restarted worker adopts
// or cleans the node.
type Sandbox struct {
	UID      int     `json:"uid"` // the node's user and group: unprivileged, one per node
	Cgroups  Cgroups `json:"cgroups"`
	Limits   Limits  `json:"limits"`
	BwrapPID int     `json:"bwrap_pid"` // bwrap, in the worker's pid namespace
	InitPID  int     `json:"init_pid"`  // pid 1 of the node's pid namespace, as the worker sees it
}

// String is the mechanisms, for the log and status.
func (s Sandbox) String() string {
	return fmt.Sprintf("bwrap (mount, pid, ipc, uts namespaces; host network), uid %d, cgroup v%d %s, memory %d bytes, pids %d, tmpfs %s %d bytes",
		s.UID, s.Cgroups.Version, strings.Join(s.Cgroups.Dirs, " "), s.Limits.MemoryBytes, s.Limits.Pids, jobDir, s.Limits.DiskBytes)
}

// nodeUID is the node's unprivileged uid (and gid): 2000000000 plus the first bytes of its
// directory's hash modulo 10^8, so no two nodes of a host share it in practice, it matches no
// account of the host, and a restarted worker derives the same.
func nodeUID(hash []byte) int {
	var v uint64
	for _, b := range hash[:6] {
		v = v<<8 | uint64(b)
	}
	return uidBase + int(v%uidRange)
}

// sandboxSpec is what bwrapArgs needs, gathered from the host by the Runner.
type sandboxSpec struct {
	dir     string            // the node's directory on the host: token, passwd, group
	venv    string            // the Ray venv, bound read-only where it is
	python  string            // the venv's Python installation (pyvenv.cfg's home, less bin/); "" when under /usr
	rootFS  map[string]string // /bin, /lib, ...: the host's symlink target, or "" for a directory
	devices []string          // GPU device nodes to pass (/dev/nvidia*)
	bwrap   string
	setpriv string
	uid     int
	limits  Limits
}

// etcFiles are the host's /etc entries the node sees (read-only, when present): name
// resolution, TLS roots, the dynamic linker's cache, the time zone. passwd and group are the
// node's own; nothing else of /etc (a provider may keep config and keys there).
var etcFiles = []string{"resolv.conf", "hosts", "host.conf", "nsswitch.conf", "gai.conf", "ssl", "ca-certificates",
	"ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "alternatives"}

// rootDirs are the system's read-only runtime outside /usr (on merged-/usr hosts, symlinks into it).
var rootDirs = []string{"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}

// bwrapArgs is bwrap's command line for spec's node: a fresh root holding /usr and the
// runtime read-only, a minimal /etc, the venv and its Python read-only, /proc of a pid
// namespace of its own, a minimal /dev with GPU devices, size-limited tmpfs for /job (with
// /tmp in it) and /dev/shm (Ray's object store), the token read-only, the host's network; then
// setpriv drops to the node's uid with no capabilities and `ray start --block` runs, so the
// node is one process tree under the namespace's pid 1.
func (s sandboxSpec) bwrapArgs(spec Spec, infoFD int) []string {
	a := []string{"--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--new-session",
		"--info-fd", strconv.Itoa(infoFD), "--ro-bind", "/usr", "/usr"}
	for _, d := range rootDirs {
		target, ok := s.rootFS[d]
		switch {
		case !ok:
		case target != "":
			a = append(a, "--symlink", target, d)
		default:
			a = append(a, "--ro-bind", d, d)
		}
	}
	made := map[string]bool{"/": true}
	mkdirs := func(path string) { // bwrap makes missing parents 0700: the node could not pass them
		var todo []string
		for p := filepath.Dir(path); !made[p] && !strings.HasPrefix(p+"/", "/usr/"); p = filepath.Dir(p) {
			todo = append(todo, p)
			made[p] = true
		}
		for i := len(todo) - 1; i >= 0; i-- {
			a = append(a, "--perms", "0755", "--dir", todo[i])
		}
	}
	mkdirs("/etc/x")
	for _, f := range etcFiles {
		a = append(a, "--ro-bind-try", "/etc/"+f, "/etc/"+f)
	}
	a = append(a, "--ro-bind", filepath.Join(s.dir, "passwd"), "/etc/passwd", "--ro-bind", filepath.Join(s.dir, "group"), "/etc/group")
	for _, p := range []string{s.python, s.venv} {
		if p != "" && p != "/usr" && !strings.HasPrefix(p, "/usr/") {
			mkdirs(p)
			a = append(a, "--ro-bind", p, p)
		}
	}
	a = append(a, "--proc", "/proc", "--dev", "/dev")
	for _, d := range s.devices {
		a = append(a, "--dev-bind", d, d)
	}
	size := func(n int64) string { return strconv.FormatInt(n, 10) }
	a = append(a, "--perms", "1777", "--size", size(s.limits.MemoryBytes), "--tmpfs", "/dev/shm",
		"--perms", "1777", "--size", size(s.limits.DiskBytes), "--tmpfs", jobDir,
		"--perms", "1777", "--dir", jobDir+"/tmp", "--symlink", jobDir+"/tmp", "/tmp")
	mkdirs(sandboxTok)
	a = append(a, "--ro-bind", filepath.Join(s.dir, "token"), sandboxTok, "--chdir", jobDir, "--",
		s.setpriv, "--reuid", strconv.Itoa(s.uid), "--regid", strconv.Itoa(s.uid), "--clear-groups",
		"--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--",
		filepath.Join(s.venv, "bin/python"), filepath.Join(s.venv, "bin/ray"))
	ray := spec.args(sandboxTemp) // "start", flags
	return append(append(a, ray[0], "--block"), ray[1:]...)
}

// sandboxEnv is the node's whole environment: nothing of the worker's (its config may be in
// GPUNET_WORKER_* variables).
func (s sandboxSpec) env() []string {
	return []string{"PATH=" + filepath.Join(s.venv, "bin") + ":/usr/local/bin:/usr/bin:/bin", "HOME=" + jobDir, "TMPDIR=/tmp",
		"LANG=C.UTF-8", "RAY_AUTH_MODE=token", "RAY_AUTH_TOKEN_PATH=" + sandboxTok, "RAY_USAGE_STATS_ENABLED=0"}
}

// accounts are the node's /etc/passwd and /etc/group: root, the node's user (ray), nobody.
func accounts(uid int) (passwd, group string) {
	u := strconv.Itoa(uid)
	return "root:x:0:0:root:/root:/usr/sbin/nologin\nray:x:" + u + ":" + u + ":ray:" + jobDir + ":/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
		"root:x:0:\nray:x:" + u + ":\nnogroup:x:65534:\n"
}

// Cgroups are a node's cgroups: every process of the node is in each of Dirs.
type Cgroups struct {
	Version int      `json:"version"` // 1 or 2
	Dirs    []string `json:"dirs"`    // v1: the pids then the memory cgroup; v2: the one cgroup
}

const cgroup2Magic = 0x63677270

// cgroupPlan names the node's cgroups under root (/sys/fs/cgroup): with v1, in the worker's
// own pids and memory cgroups (self is /proc/self/cgroup), so the limits the host puts on the
// worker hold for its jobs too; with v2, in root/gpunet-ray (a cgroup with processes cannot
// delegate controllers to children, and the worker's own has the worker).
func cgroupPlan(root string, v2 bool, self, name string) (Cgroups, error) {
	if v2 {
		return Cgroups{Version: 2, Dirs: []string{filepath.Join(root, "gpunet-ray", name)}}, nil
	}
	own := map[string]string{}
	for line := range strings.SplitSeq(strings.TrimSpace(self), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		for c := range strings.SplitSeq(f[1], ",") {
			own[c] = f[2]
		}
	}
	cg := Cgroups{Version: 1}
	for _, c := range []string{"pids", "memory"} {
		path, ok := own[c]
		if !ok {
			return Cgroups{}, fmt.Errorf("ray sandbox: the worker is in no %s cgroup (/proc/self/cgroup): enable the cgroup v1 %s controller", c, c)
		}
		cg.Dirs = append(cg.Dirs, filepath.Join(root, c, path, name))
	}
	return cg, nil
}

// files are the limit files and values written into cg's directories, in order (v1's
// memory.memsw.limit_in_bytes may not be below memory.limit_in_bytes).
func (cg Cgroups) files(l Limits) [][2]string {
	mem, pids := strconv.FormatInt(l.MemoryBytes, 10), strconv.FormatInt(l.Pids, 10)
	if cg.Version == 2 {
		d := cg.Dirs[0]
		return [][2]string{{filepath.Join(d, "pids.max"), pids}, {filepath.Join(d, "memory.max"), mem}, {filepath.Join(d, "memory.swap.max"), "0"}}
	}
	return [][2]string{{filepath.Join(cg.Dirs[0], "pids.max"), pids}, {filepath.Join(cg.Dirs[1], "memory.limit_in_bytes"), mem},
		{filepath.Join(cg.Dirs[1], "memory.memsw.limit_in_bytes"), mem}}
}

// hostCgroups finds the node's cgroups on this host, or says what to enable.
func hostCgroups(name string) (Cgroups, error) {
	const root = "/sys/fs/cgroup"
	var st syscall.Statfs_t
	if err := syscall.Statfs(root, &st); err != nil {
		return Cgroups{}, fmt.Errorf("ray sandbox: no cgroup filesystem at %s (%v): mount cgroup2 there, or cgroup v1 with the pids and memory controllers", root, err)
	}
	if st.Type == cgroup2Magic {
		return cgroupPlan(root, true, "", name)
	}
	for _, c := range []string{"pids", "memory"} {
		if _, err := os.Stat(filepath.Join(root, c, "cgroup.procs")); err != nil {
			return Cgroups{}, fmt.Errorf("ray sandbox: %s is cgroup v1 without the %s controller mounted at %s/%s: enable it (kernel: cgroup_enable=memory; mount -t cgroup -o %s cgroup %s/%s)", root, c, root, c, c, root, c)
		}
	}
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return Cgroups{}, fmt.Errorf("ray sandbox: %w", err)
	}
	return cgroupPlan(root, false, string(self), name)
}

// create makes cg's cgroups with l's limits.
func (cg Cgroups) create(l Limits) error {
	if cg.Version == 2 {
		parent := filepath.Dir(cg.Dirs[0])
		if err := os.Mkdir(parent, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("ray sandbox cgroup: %w", err)
		}
		for _, d := range []string{filepath.Dir(parent), parent} {
			if err := os.WriteFile(filepath.Join(d, "cgroup.subtree_control"), []byte("+pids +memory"), 0); err != nil {
				return fmt.Errorf("ray sandbox: cgroup v2 %s cannot delegate the pids and memory controllers: %w", d, err)
			}
		}
	}
	for _, d := range cg.Dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("ray sandbox cgroup: %w", err)
		}
	}
	for _, f := range cg.files(l) {
		path := f[0]
		if err := os.WriteFile(path, []byte(f[1]), 0); err != nil {
			if strings.Contains(path, "swap") || strings.Contains(path, "memsw") {
				if errors.Is(err, fs.ErrNotExist) {
					continue // no swap accounting: nothing to limit
				}
			}
			return fmt.Errorf("ray sandbox cgroup limit %s: %w", path, err)
		}
	}
	return nil
}

// procs are the processes in the node's cgroup (its first: every process is in each).
func (cg Cgroups) procs() []int {
	if len(cg.Dirs) == 0 {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(cg.Dirs[0], "cgroup.procs"))
	if err != nil {
		return nil
	}
	var pids []int
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if pid, err := strconv.Atoi(strings.TrimSpace(sc.Text())); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// remove deletes cg's cgroups once their processes are gone (the kernel lets a few
// milliseconds pass after the last exits).
func (cg Cgroups) remove() error {
	var errs []error
	for _, d := range cg.Dirs {
		var err error
		for range 50 {
			if err = os.Remove(d); err == nil || errors.Is(err, fs.ErrNotExist) {
				err = nil
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("ray sandbox cgroup: %w", err))
		}
	}
	return errors.Join(errs...)
}

// hostSandbox gathers what the sandbox needs from the host, or says what to install.
func (r *Runner) hostSandbox() (sandboxSpec, error) {
	var s sandboxSpec
	if os.Geteuid() != 0 {
		return s, errors.New("ray sandbox: the worker must run as root to sandbox its Ray nodes (bwrap mounts, cgroups, a uid per node); Ray never runs unsandboxed")
	}
	var err error
	if s.bwrap, err = exec.LookPath("bwrap"); err != nil {
		return s, errors.New("ray sandbox: bubblewrap is not installed (apt install bubblewrap); Ray never runs unsandboxed")
	}
	if s.setpriv, err = exec.LookPath("setpriv"); err != nil {
		return s, errors.New("ray sandbox: setpriv is not installed (apt install util-linux); Ray never runs unsandboxed")
	}
	if s.venv, err = filepath.Abs(filepath.Dir(filepath.Dir(r.Ray))); err != nil {
		return s, err
	}
	cfg, err := os.ReadFile(filepath.Join(s.venv, "pyvenv.cfg"))
	if err != nil {
		return s, fmt.Errorf("ray sandbox: %s is not a venv's ray: %w", r.Ray, err)
	}
	for line := range strings.SplitSeq(string(cfg), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && strings.TrimSpace(k) == "home" {
			s.python = filepath.Dir(strings.TrimSpace(v))
		}
	}
	s.rootFS = map[string]string{}
	for _, d := range rootDirs {
		info, err := os.Lstat(d)
		switch {
		case err != nil:
		case info.Mode()&fs.ModeSymlink != 0:
			s.rootFS[d], _ = os.Readlink(d)
		case info.IsDir():
			s.rootFS[d] = ""
		}
	}
	return s, nil
}

// hostMemory is the host's memory in bytes (MemTotal).
func hostMemory() int64 {
	b, _ := os.ReadFile("/proc/meminfo")
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 8 << 30
}
