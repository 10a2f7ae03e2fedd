//go:build linux

package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// A LAN is n hosts, each a Linux network namespace of its own, on one Ethernet segment with
// the machine running the test: a bridge on the machine with address Addr (.1 of a /24 of
// 10.213.0.0/16 that no route of the machine overlaps), and per host a veth pair, one end on
// the bridge, the other the host's eth0 with address .(10+i), lo up, and the default route
// via Addr.
//
// Why namespaces: the end-to-end test runs several workers that must be separate machines to
// the network (their own addresses, their own 127.0.0.1, their own ports), and it must cut one
// off and reconnect it, which only works on a real link. The hosts reach each other and
// Addr; the machine reaches them. They cannot reach the machine's 127.0.0.1: a service they
// use must listen on Addr (localnet.WithHost, gpunet-oracle -api-listen) or 0.0.0.0.
//
// Partition sets the bridge's end of the host's veth down, as if its cable were pulled: every
// packet from and to the host is dropped, nothing is refused or reset. A new connection from
// or to it fails with EHOSTUNREACH ("no route to host") once ARP gives up (about 3 s), or
// with the caller's timeout if that is shorter. An open TCP connection is not closed: both
// ends keep it, what either writes is retransmitted, and it carries on after Heal unless an
// end gave up first (a read deadline, TCP keepalive: about 2.5 min with Go's defaults, or
// the retransmission limit: about 15 min). The host's own lo keeps working.
//
// Names carry the process id, so that two test processes never collide and a later run
// removes what a killed one left (namespaces /run/netns/gpunet-PID-SET-I, links gnPID-SET*
// with PID and SET in base 36). Creating a LAN needs root and iproute2's ip.
type LAN struct {
	// Hosts are the namespaces, Hosts[i] at .(10+i).
	Hosts []*Host

	addr   netip.Addr
	bridge string
	once   sync.Once
	err    error
}

// Host is one namespace of a LAN.
type Host struct {
	// Name is the namespace's name (ip netns exec NAME ...).
	Name string

	ip   netip.Addr
	veth string // the bridge's end of the pair, in the machine's namespace
}

// SkipTB is a TB that can skip, as *testing.T and *testing.B do.
type SkipTB interface {
	TB
	Skipf(format string, args ...any)
}

// lanSets numbers the LANs of this process.
var lanSets atomic.Uint64

// lanLock is where concurrent processes serialize the choice of a subnet and the removal of
// stale namespaces.
const lanLock = "/run/gpunet-lan.lock"

// NewLAN makes a LAN of n hosts for a test and removes it at t.Cleanup. It skips the test
// when not run as root; as root, a missing ip or any failure fails it.
func NewLAN(t SkipTB, n int) *LAN {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skipf("network namespaces need root (this test makes a bridge, veth pairs and %d namespaces)", n)
	}
	lan, err := OpenLAN(n)
	if err != nil {
		t.Fatalf("make LAN: %v", err)
	}
	t.Cleanup(func() {
		if err := lan.Close(); err != nil {
			t.Errorf("remove LAN: %v", err)
		}
	})
	return lan
}

// OpenLAN makes a LAN of n hosts (1 to 200); Close removes it.
func OpenLAN(n int) (*LAN, error) {
	if n < 1 || n > 200 {
		return nil, fmt.Errorf("a LAN has 1 to 200 hosts, not %d", n)
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return nil, fmt.Errorf("network namespaces need iproute2's ip (apt-get install iproute2): %w", err)
	}
	if _, err := exec.LookPath("nsenter"); err != nil {
		return nil, fmt.Errorf("running programs on a host needs util-linux's nsenter (apt-get install util-linux): %w", err)
	}
	unlock, err := lockFile(lanLock)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := removeStale(); err != nil {
		return nil, err
	}
	subnet, err := freeSubnet()
	if err != nil {
		return nil, err
	}
	pid, set := os.Getpid(), lanSets.Add(1)
	prefix := "gn" + strconv.FormatInt(int64(pid), 36) + "-" + strconv.FormatUint(set, 36)
	lan := &LAN{addr: subnet.Addr().Next(), bridge: prefix + "b"}
	// The bridge does not pass its frames to iptables: a FORWARD policy of the machine
	// (Docker's DROP) must not cut the hosts off each other.
	cmds := []string{
		"link add " + lan.bridge + " type bridge nf_call_iptables 0",
		"addr add " + lan.addr.String() + "/24 dev " + lan.bridge,
		"link set " + lan.bridge + " up",
	}
	for i := range n {
		a := subnet.Addr().As4()
		a[3] = byte(10 + i)
		ip := netip.AddrFrom4(a)
		h := &Host{Name: fmt.Sprintf("gpunet-%d-%d-%d", pid, set, i), ip: ip, veth: prefix + "v" + strconv.Itoa(i)}
		lan.Hosts = append(lan.Hosts, h)
		cmds = append(cmds,
			"netns add "+h.Name,
			"link add "+h.veth+" type veth peer name eth0 netns "+h.Name,
			"link set "+h.veth+" master "+lan.bridge+" up",
		)
	}
	if err := ipBatch("", cmds); err != nil {
		_ = lan.Close()
		return nil, err
	}
	for _, h := range lan.Hosts {
		if err := ipBatch(h.Name, []string{
			"addr add " + h.ip.String() + "/24 dev eth0",
			"link set lo up",
			"link set eth0 up",
			"route add default via " + lan.addr.String(),
		}); err != nil {
			_ = lan.Close()
			return nil, err
		}
	}
	for _, h := range lan.Hosts {
		if err := h.waitLink(true); err != nil {
			_ = lan.Close()
			return nil, err
		}
	}
	return lan, nil
}

// Addr is the machine's address on the LAN (the bridge's), which every host reaches.
func (l *LAN) Addr() string { return l.addr.String() }

// Close kills what still runs in the hosts and removes the namespaces, the veth pairs and
// the bridge. It is safe to call more than once.
func (l *LAN) Close() error {
	l.once.Do(func() {
		var names []string
		for _, h := range l.Hosts {
			names = append(names, h.Name)
		}
		l.err = removeLinks(names, append(l.links(), l.bridge))
	})
	return l.err
}

func (l *LAN) links() []string {
	var out []string
	for _, h := range l.Hosts {
		out = append(out, h.veth)
	}
	return out
}

// IP is the host's address on the LAN.
func (h *Host) IP() string { return h.ip.String() }

// Command runs a program in the host's namespace (nsenter, which execs it: the process is the
// program itself, and ctx kills it). Everything but the network is the machine's: files,
// users, other processes, and /sys with its cgroup mounts (`ip netns exec` would remount /sys
// for the namespace, hiding the cgroups a worker's job sandbox needs).
func (h *Host) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "nsenter", append([]string{"--net=" + filepath.Join("/run/netns", h.Name), "--", name}, args...)...)
}

// Do runs f on an OS thread that has joined the host's namespace: a socket f creates
// (net.Dial, net.Listen) belongs to the host, and stays there when used elsewhere. Only f's
// own goroutine is in the namespace, not the goroutines it starts; the thread ends with it.
func (h *Host) Do(f func() error) error {
	errc := make(chan error, 1)
	go func() {
		// Never unlocked: the thread is in the namespace and must not run anything else.
		runtime.LockOSThread()
		ns, err := os.Open(filepath.Join("/run/netns", h.Name))
		if err != nil {
			errc <- fmt.Errorf("open namespace %s: %w", h.Name, err)
			return
		}
		defer ns.Close()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("join namespace %s: %w", h.Name, err)
			return
		}
		errc <- f()
	}()
	return <-errc
}

// DialContext dials from the host (address a literal IP:port: names would be resolved by
// other goroutines, outside the namespace).
func (h *Host) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	var c net.Conn
	err := h.Do(func() (err error) {
		var d net.Dialer
		c, err = d.DialContext(ctx, network, address)
		return err
	})
	return c, err
}

// Listen listens in the host's namespace ("tcp", ":0" or h.IP()+":0").
func (h *Host) Listen(network, address string) (net.Listener, error) {
	var l net.Listener
	err := h.Do(func() (err error) {
		l, err = net.Listen(network, address)
		return err
	})
	return l, err
}

// HTTPClient is an HTTP client whose connections the host makes.
func (h *Host) HTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: h.DialContext, DisableKeepAlives: true}}
}

// Partition cuts the host off the LAN (its bridge port down) and returns once its own link
// reports no carrier. See LAN for what it does to connections.
func (h *Host) Partition() error {
	if err := ipBatch("", []string{"link set " + h.veth + " down"}); err != nil {
		return err
	}
	return h.waitLink(false)
}

// Heal undoes Partition and returns once the host's link is up again, so that the next
// packet gets through.
func (h *Host) Heal() error {
	if err := ipBatch("", []string{"link set " + h.veth + " up"}); err != nil {
		return err
	}
	return h.waitLink(true)
}

// waitLink waits until the host's eth0 is operationally up (or down): the kernel applies a
// carrier change to the link's queue up to a second after it (linkwatch).
func (h *Host) waitLink(up bool) error {
	want := "DOWN"
	if up {
		want = "UP"
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := exec.Command("ip", "-n", h.Name, "-o", "link", "show", "eth0").CombinedOutput()
		if err != nil {
			return fmt.Errorf("ip -n %s link show eth0: %w: %s", h.Name, err, out)
		}
		if bytes.Contains(out, []byte(" state "+want+" ")) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: eth0 not %s after 10 s: %s", h.Name, want, out)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ipBatch runs ip commands, one a line, in namespace ns ("" for the machine's).
func ipBatch(ns string, cmds []string) error {
	args := []string{"-batch", "-"}
	if ns != "" {
		args = append([]string{"-n", ns}, args...)
	}
	cmd := exec.Command("ip", args...)
	cmd.Stdin = strings.NewReader(strings.Join(cmds, "\n") + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("ip %s: %w: %s\n(commands: %s)", strings.Join(args, " "), err, bytes.TrimSpace(out), strings.Join(cmds, "; "))
	}
	return nil
}

// removeLinks kills the processes left in the namespaces, then deletes the links (a veth
// pair goes with either end) and the namespaces; it goes on past failures and reports them.
func removeLinks(namespaces, links []string) error {
	var errs []error
	for _, ns := range namespaces {
		out, err := exec.Command("ip", "netns", "pids", ns).Output()
		if err != nil {
			continue // gone already
		}
		for _, f := range strings.Fields(string(out)) {
			// Not this process: a Do thread may be its main thread (ip netns pids reads that).
			if pid, err := strconv.Atoi(f); err == nil && pid != os.Getpid() {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	var cmds []string
	for _, l := range links {
		if _, err := net.InterfaceByName(l); err == nil {
			cmds = append(cmds, "link del "+l)
		}
	}
	for _, ns := range namespaces {
		if _, err := os.Stat(filepath.Join("/run/netns", ns)); err == nil {
			cmds = append(cmds, "netns del "+ns)
		}
	}
	if len(cmds) > 0 {
		errs = append(errs, ipBatch("", cmds))
	}
	return errors.Join(errs...)
}

// removeStale removes the namespaces and links of LANs whose process is gone.
func removeStale() error {
	var namespaces, links []string
	entries, _ := os.ReadDir("/run/netns")
	for _, e := range entries {
		if m := staleNamespace.FindStringSubmatch(e.Name()); m != nil {
			if pid, err := strconv.ParseInt(m[1], 10, 64); err == nil && gone(pid) {
				namespaces = append(namespaces, e.Name())
			}
		}
	}
	ifaces, err := net.Interfaces()
	if err != nil {
		return fmt.Errorf("list links: %w", err)
	}
	for _, i := range ifaces {
		if m := staleLink.FindStringSubmatch(i.Name); m != nil {
			if pid, err := strconv.ParseInt(m[1], 36, 64); err == nil && gone(pid) {
				links = append(links, i.Name)
			}
		}
	}
	if err := removeLinks(namespaces, links); err != nil {
		return fmt.Errorf("remove a dead process's LAN: %w", err)
	}
	return nil
}

// gone reports whether process pid has ended (a zombie has: it holds no namespace).
func gone(pid int64) bool {
	if syscall.Kill(int(pid), 0) == syscall.ESRCH {
		return true
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return errors.Is(err, os.ErrNotExist)
	}
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && bytes.HasPrefix(stat[i+1:], []byte(" Z"))
}

// The names of a LAN's namespaces and links; the first group is the process id.
var (
	staleNamespace = regexp.MustCompile(`^gpunet-([0-9]+)-[0-9]+-[0-9]+$`)
	staleLink      = regexp.MustCompile(`^gn([0-9a-z]+)-[0-9a-z]+(b|v[0-9]+)$`)
)

// freeSubnet is the first 10.213.X.0/24 that no route of the machine overlaps (the default
// route aside).
func freeSubnet() (netip.Prefix, error) {
	out, err := exec.Command("ip", "-4", "-o", "route", "show", "table", "all").Output()
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("ip route show: %w", err)
	}
	var used []netip.Prefix
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) > 1 && routeTypes[f[0]] {
			f = f[1:]
		}
		if len(f) == 0 || f[0] == "default" {
			continue
		}
		if p, err := netip.ParsePrefix(f[0]); err == nil {
			used = append(used, p)
		} else if a, err := netip.ParseAddr(f[0]); err == nil {
			used = append(used, netip.PrefixFrom(a, a.BitLen()))
		}
	}
next:
	for x := range 256 {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 213, byte(x), 0}), 24)
		for _, u := range used {
			if u.Overlaps(p) {
				continue next
			}
		}
		return p, nil
	}
	return netip.Prefix{}, errors.New("no free /24 in 10.213.0.0/16 for a LAN")
}

// routeTypes are the words that can start a line of `ip route show` before the prefix.
var routeTypes = map[string]bool{"unicast": true, "local": true, "broadcast": true, "multicast": true,
	"anycast": true, "unreachable": true, "blackhole": true, "prohibit": true, "throw": true, "nat": true}

// lockFile takes an exclusive lock on path (created if missing) until unlock.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}
