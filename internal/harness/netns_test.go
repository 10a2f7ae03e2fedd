//go:build linux

package harness_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/ws"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/localnet"
)

// childEnv makes the test binary, started in a namespace by a test, do one thing there
// (see child) instead of running the tests.
const childEnv = "GPUNET_LAN_CHILD"

func TestMain(m *testing.M) {
	if what := os.Getenv(childEnv); what != "" {
		if err := child(what, os.Getenv("GPUNET_LAN_URL"), os.Getenv("GPUNET_LAN_WS")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child is what the test binary does in a namespace: "get" prints the body at url; "solana"
// prints the localnet's version (JSON-RPC at url) and the first slot a PubSub slotSubscribe
// (at wsURL) notifies, with solana-go's clients.
func child(what, url, wsURL string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	switch what {
	case "get":
		res, err := http.Get(url)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		_, err = io.Copy(os.Stdout, res.Body)
		return err
	case "solana":
		v, err := rpc.New(url).GetVersion(ctx)
		if err != nil {
			return err
		}
		c, err := ws.Connect(ctx, wsURL)
		if err != nil {
			return err
		}
		defer c.Close()
		sub, err := c.SlotSubscribe()
		if err != nil {
			return err
		}
		defer sub.Unsubscribe()
		got, err := sub.Recv(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("version %s\nslot %d\n", v.SolanaCore, got.Slot)
		return nil
	}
	return fmt.Errorf("unknown child %q", what)
}

// runChild runs the test binary as child what in host h and returns its output.
func runChild(t *testing.T, h *harness.Host, what, url, wsURL string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := h.Command(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+what, "GPUNET_LAN_URL="+url, "GPUNET_LAN_WS="+wsURL)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "child %s in %s: %s", what, h.Name, out)
	return string(out)
}

// echo serves each connection of l by writing back every line it reads.
func echo(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			_, _ = io.Copy(c, c)
		}()
	}
}

// roundTrip writes a line on c and reads it back.
func roundTrip(t *testing.T, c net.Conn, line string) {
	t.Helper()
	require.NoError(t, c.SetDeadline(time.Now().Add(time.Minute)))
	_, err := io.WriteString(c, line+"\n")
	require.NoError(t, err)
	got, err := bufio.NewReader(c).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, line+"\n", got)
}

func get(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	res, err := c.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(body)
}

func TestLANConnectsPartitionsAndHeals(t *testing.T) {
	lan := harness.NewLAN(t, 2)
	h1, h2 := lan.Hosts[0], lan.Hosts[1]
	require.NotEqual(t, h1.IP(), h2.IP())

	// A program run in a host sees only its own link and address.
	out, err := h1.Command(context.Background(), "ip", "-4", "-o", "addr", "show").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), " eth0    inet "+h1.IP()+"/24 ")
	require.Contains(t, string(out), " lo    inet 127.0.0.1/8 ")
	require.Equal(t, 2, strings.Count(string(out), "\n"), "%s", out)

	// A TCP server in host 1, reached from host 2 and from the machine.
	l1, err := h1.Listen("tcp", h1.IP()+":0")
	require.NoError(t, err)
	defer l1.Close()
	go echo(l1)
	held, err := h2.DialContext(context.Background(), "tcp", l1.Addr().String())
	require.NoError(t, err)
	defer held.Close()
	roundTrip(t, held, "from host 2")
	fromMachine, err := net.Dial("tcp", l1.Addr().String())
	require.NoError(t, err)
	roundTrip(t, fromMachine, "from the machine")
	require.NoError(t, fromMachine.Close())

	// An HTTP server on the machine's LAN address, reached from both hosts, in process and
	// from a program run there.
	lm, err := net.Listen("tcp", lan.Addr()+":0")
	require.NoError(t, err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		fmt.Fprintf(w, "hello %s", host)
	})}
	go func() { _ = srv.Serve(lm) }()
	defer srv.Close()
	url := "http://" + lm.Addr().String() + "/"
	require.Equal(t, "hello "+h1.IP(), get(t, h1.HTTPClient(), url))
	require.Equal(t, "hello "+h2.IP(), get(t, h2.HTTPClient(), url))
	require.Equal(t, "hello "+h2.IP(), runChild(t, h2, "get", url, ""))

	// Host 2 cut off: its new connections find no route, to the machine and to host 1; host
	// 1 and the machine still reach each other.
	require.NoError(t, h2.Partition())
	_, err = h2.HTTPClient().Get(url)
	require.ErrorIs(t, err, syscall.EHOSTUNREACH)
	_, err = h2.DialContext(context.Background(), "tcp", l1.Addr().String())
	require.ErrorIs(t, err, syscall.EHOSTUNREACH)
	require.Equal(t, "hello "+h1.IP(), get(t, h1.HTTPClient(), url))
	fromMachine, err = net.Dial("tcp", l1.Addr().String())
	require.NoError(t, err)
	roundTrip(t, fromMachine, "host 1 unaffected")
	require.NoError(t, fromMachine.Close())

	// Healed: host 2 connects again, and the connection it held through the partition
	// was never closed.
	require.NoError(t, h2.Heal())
	require.Equal(t, "hello "+h2.IP(), get(t, h2.HTTPClient(), url))
	roundTrip(t, held, "still open")

	// Closed: nothing of the LAN is left on the machine.
	require.NoError(t, lan.Close())
	require.NoError(t, lan.Close())
	netns, err := exec.Command("ip", "netns", "list").CombinedOutput()
	require.NoError(t, err)
	for _, h := range lan.Hosts {
		require.NotContains(t, string(netns), h.Name)
	}
	links, err := exec.Command("ip", "-o", "link").CombinedOutput()
	require.NoError(t, err)
	require.NotContains(t, string(links), ": gn"+strconv.FormatInt(int64(os.Getpid()), 36)+"-")
	addrs, err := exec.Command("ip", "-o", "-4", "addr").CombinedOutput()
	require.NoError(t, err)
	require.NotContains(t, string(addrs), " "+lan.Addr()+"/")
}

func TestLANRemovesWhatADeadProcessLeft(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root")
	}
	gone := exec.Command("true")
	require.NoError(t, gone.Run())
	pid := gone.Process.Pid
	ns := fmt.Sprintf("gpunet-%d-1-0", pid)
	bridge := "gn" + strconv.FormatInt(int64(pid), 36) + "-1b"
	for _, args := range [][]string{{"netns", "add", ns}, {"link", "add", bridge, "type", "bridge"}} {
		out, err := exec.Command("ip", args...).CombinedOutput()
		require.NoError(t, err, "%s", out)
	}

	harness.NewLAN(t, 1)
	_, err := os.Stat(filepath.Join("/run/netns", ns))
	require.ErrorIs(t, err, os.ErrNotExist)
	_, err = net.InterfaceByName(bridge)
	require.Error(t, err)
	require.Contains(t, err.Error(), "no such network interface")
}

func TestLocalnetFromANamespace(t *testing.T) {
	lan := harness.NewLAN(t, 1)
	node := localnet.Start(t, localnet.WithHost(lan.Addr()), localnet.WithSlotMs(50),
		localnet.WithAnchorToml(filepath.Join(t.TempDir(), "no-programs.toml")))
	require.True(t, strings.HasPrefix(node.RPCURL, "http://"+lan.Addr()+":"), node.RPCURL)
	require.True(t, strings.HasPrefix(node.WSURL, "ws://"+lan.Addr()+":"), node.WSURL)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v, err := node.RPC.GetVersion(ctx)
	require.NoError(t, err)
	slot, err := node.RPC.GetSlot(ctx, rpc.CommitmentConfirmed)
	require.NoError(t, err)

	out := runChild(t, lan.Hosts[0], "solana", node.RPCURL, node.WSURL)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2, out)
	require.Equal(t, "version "+v.SolanaCore, lines[0])
	got, err := strconv.ParseUint(strings.TrimPrefix(lines[1], "slot "), 10, 64)
	require.NoError(t, err, out)
	require.GreaterOrEqual(t, got, slot)
}

// BenchmarkLAN measures making a LAN of 3 hosts (the end-to-end test's workers) and removing it.
func BenchmarkLAN(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("network namespaces need root")
	}
	var up, down time.Duration
	for b.Loop() {
		start := time.Now()
		lan, err := harness.OpenLAN(3)
		require.NoError(b, err)
		up += time.Since(start)
		start = time.Now()
		require.NoError(b, lan.Close())
		down += time.Since(start)
	}
	b.ReportMetric(float64(up)/1e6/float64(b.N), "ms-setup/op")
	b.ReportMetric(float64(down)/1e6/float64(b.N), "ms-teardown/op")
}
