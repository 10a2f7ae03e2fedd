package localnet

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/gpunet/gpunet/internal/anchorcfg"
	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/keyfile"
)

// MainJS is the localnet entry point, relative to the repository root.
const MainJS = "localnet/dist/main.js"

// ReadyLine is what the localnet prints once it serves requests.
const ReadyLine = "localnet ready"

// ErrNotBuilt is returned when localnet/dist/main.js does not exist.
var ErrNotBuilt = errors.New("localnet is not built: run `make localnet-build` (or `npm --prefix localnet ci && npm --prefix localnet run build`)")

// ErrExited is returned when the localnet process ends before it is ready.
var ErrExited = errors.New("localnet exited before it was ready")

// Node is a running localnet.
type Node struct {
	// RPCURL is the JSON-RPC endpoint (http://HOST:PORT, HOST 127.0.0.1 unless WithHost).
	RPCURL string
	// WSURL is the PubSub endpoint (ws://HOST:PORT).
	WSURL string
	// KeysDir holds the DEV-ONLY keypairs (NAME.json, Solana CLI format).
	KeysDir string
	// StateDir is where the chain persists (passed as --state).
	StateDir string
	// RPC is a solana-go client for RPCURL.
	RPC *rpc.Client
	// Programs are the program ids of Anchor.toml's [programs.localnet], by name.
	Programs map[string]solana.PublicKey

	cmd      *exec.Cmd
	done     chan struct{}
	waitErr  error
	output   *tail
	tempDirs []string
	closeOne sync.Once
	closeErr error
}

type options struct {
	root       string
	anchorToml string
	deployDir  string
	stateDir   string
	keysDir    string
	host       string
	rpcPort    int
	wsPort     int
	slotMs     int
	programs   []string
	node       string
	logs       io.Writer
	timeout    time.Duration
}

// Option configures Launch and Start.
type Option func(*options)

// WithRepoRoot sets the repository root (default: found by walking up to go.mod).
func WithRepoRoot(dir string) Option { return func(o *options) { o.root = dir } }

// WithAnchorToml sets the Anchor.toml whose [programs.localnet] is deployed
// (default: Anchor.toml at the repository root).
func WithAnchorToml(path string) Option { return func(o *options) { o.anchorToml = path } }

// WithDeployDir sets the directory with NAME.so files (default: target/deploy at the root).
func WithDeployDir(dir string) Option { return func(o *options) { o.deployDir = dir } }

// WithProgram deploys an extra program at the dev key of NAME-program.
func WithProgram(name, soPath string) Option {
	return func(o *options) { o.programs = append(o.programs, name+"="+soPath) }
}

// WithHost serves JSON-RPC and PubSub on the address addr instead of 127.0.0.1, and RPCURL
// and WSURL name it. A process in a network namespace cannot reach the host's 127.0.0.1:
// give the host's address on a harness.LAN (LAN.Addr), which the host reaches as well, so
// one URL serves the host and every namespace.
func WithHost(addr string) Option { return func(o *options) { o.host = addr } }

// WithPorts serves JSON-RPC on rpc and PubSub on ws on 127.0.0.1 (or WithHost's address) (default 0 for both: free ports
// the system picks, read back from the localnet's output), so a localnet restarted on the same
// state answers at the same URLs.
func WithPorts(rpc, ws int) Option { return func(o *options) { o.rpcPort, o.wsPort = rpc, ws } }

// WithStateDir persists the chain in dir (kept after Close; default: a temporary dir
// removed at Close). Launching again with the same dir resumes the chain.
func WithStateDir(dir string) Option { return func(o *options) { o.stateDir = dir } }

// WithKeysDir sets where the dev keys are written (default: a temporary dir).
func WithKeysDir(dir string) Option { return func(o *options) { o.keysDir = dir } }

// WithSlotMs sets the slot duration in milliseconds (default 400, as on mainnet).
func WithSlotMs(ms int) Option { return func(o *options) { o.slotMs = ms } }

// WithNodeBinary sets the node executable (default "node" from PATH).
func WithNodeBinary(path string) Option { return func(o *options) { o.node = path } }

// WithLogs copies the localnet's stdout and stderr to w.
func WithLogs(w io.Writer) Option { return func(o *options) { o.logs = w } }

// WithStartTimeout bounds how long Launch waits for the ready line (default 60 s).
func WithStartTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// RepoRoot finds the repository root by walking up from the working directory to go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repo root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find repo root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Start launches a localnet for a test and stops it at t.Cleanup. It fails the test
// (t.Fatalf) when the localnet cannot start.
func Start(t harness.TB, opts ...Option) *Node {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, err := Launch(ctx, opts...)
	if err != nil {
		t.Fatalf("start localnet: %v", err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("stop localnet: %v", err)
		}
	})
	return n
}

// Launch starts a localnet and waits until it is ready. Close stops it.
func Launch(ctx context.Context, opts ...Option) (*Node, error) {
	o, err := resolve(opts)
	if err != nil {
		return nil, err
	}
	programs, err := programIDs(o.anchorToml)
	if err != nil {
		return nil, err
	}
	n := &Node{done: make(chan struct{}), output: &tail{max: 200}, Programs: programs}
	if err := n.prepareDirs(&o); err != nil {
		n.removeTemp()
		return nil, err
	}
	ready, err := n.start(o)
	if err != nil {
		n.removeTemp()
		return nil, err
	}
	if err := n.waitReady(ctx, ready, o.timeout); err != nil {
		return nil, err
	}
	n.RPC = rpc.New(n.RPCURL)
	return n, nil
}

// resolve applies opts over the defaults and checks that the localnet is built.
func resolve(opts []Option) (options, error) {
	o := options{node: "node", host: "127.0.0.1", slotMs: 400, timeout: 60 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	if o.root == "" {
		root, err := RepoRoot()
		if err != nil {
			return o, err
		}
		o.root = root
	}
	if mainJS := filepath.Join(o.root, MainJS); !fileExists(mainJS) {
		return o, fmt.Errorf("%w (%s missing)", ErrNotBuilt, mainJS)
	}
	if o.anchorToml == "" {
		o.anchorToml = filepath.Join(o.root, "Anchor.toml")
	}
	if o.deployDir == "" {
		o.deployDir = filepath.Join(o.root, "target", "deploy")
	}
	return o, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// programIDs reads Anchor.toml's [programs.localnet]; no Anchor.toml means no programs.
func programIDs(anchorToml string) (map[string]solana.PublicKey, error) {
	cfg, err := anchorcfg.Load(anchorToml)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]solana.PublicKey{}, nil
	}
	if err != nil {
		return nil, err
	}
	return cfg.ProgramIDs("localnet")
}

// prepareDirs creates temporary keys and state directories where none was given (removed
// at Close) and records the directories on n.
func (n *Node) prepareDirs(o *options) error {
	for _, d := range []struct {
		dir  *string
		what string
	}{{&o.keysDir, "keys"}, {&o.stateDir, "state"}} {
		if *d.dir != "" {
			continue
		}
		tmp, err := os.MkdirTemp("", "gpunet-localnet-"+d.what+"-")
		if err != nil {
			return fmt.Errorf("create %s dir: %w", d.what, err)
		}
		*d.dir = tmp
		n.tempDirs = append(n.tempDirs, tmp)
	}
	n.KeysDir, n.StateDir = o.keysDir, o.stateDir
	return nil
}

// args is the localnet's command line.
func (o options) args() []string {
	args := []string{filepath.Join(o.root, MainJS),
		"--rpc-port", fmt.Sprint(o.rpcPort), "--ws-port", fmt.Sprint(o.wsPort), "--host", o.host,
		"--anchor-toml", o.anchorToml, "--deploy-dir", o.deployDir,
		"--state", o.stateDir, "--keys-dir", o.keysDir,
		"--slot-ms", fmt.Sprint(o.slotMs),
	}
	for _, p := range o.programs {
		args = append(args, "--program", p)
	}
	return args
}

// start runs the localnet process and follows its output; the returned channel closes at
// the ready line.
func (n *Node) start(o options) (<-chan struct{}, error) {
	cmd := exec.Command(o.node, o.args()...)
	cmd.Dir = o.root
	cmd.SysProcAttr = sysProcAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start localnet: %w", err)
	}
	cmd.Stderr = n.output.writer(o.logs)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start localnet (%s): %w", o.node, err)
	}
	n.cmd = cmd
	ready := make(chan struct{})
	go n.follow(stdout, n.output.writer(o.logs), ready)
	return ready, nil
}

// follow reads the localnet's stdout until it ends: it keeps the lines, takes the endpoints
// from "localnet: rpc|ws URL", closes ready at the ready line, then reaps the process.
func (n *Node) follow(stdout io.Reader, w io.Writer, ready chan struct{}) {
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	signalled := false
	for sc.Scan() {
		line := sc.Text()
		_, _ = w.Write([]byte(line + "\n"))
		if v, ok := strings.CutPrefix(line, "localnet: rpc "); ok && n.RPCURL == "" {
			n.RPCURL = v
		}
		if v, ok := strings.CutPrefix(line, "localnet: ws "); ok && n.WSURL == "" {
			n.WSURL = v
		}
		if line == ReadyLine && !signalled {
			signalled = true
			close(ready)
		}
	}
	_, _ = io.Copy(io.Discard, stdout)
	n.waitErr = n.cmd.Wait()
	close(n.done)
}

// waitReady waits for the ready line and checks that both endpoints were reported; on any
// failure the localnet is stopped and its last output is in the error.
func (n *Node) waitReady(ctx context.Context, ready <-chan struct{}, timeout time.Duration) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-ready:
	case <-n.done:
		n.removeTemp()
		return fmt.Errorf("%w (%v):\n%s", ErrExited, n.waitErr, n.output.String())
	case <-timer.C:
		_ = n.Close()
		return fmt.Errorf("localnet not ready after %s:\n%s", timeout, n.output.String())
	case <-ctx.Done():
		_ = n.Close()
		return fmt.Errorf("start localnet: %w", ctx.Err())
	}
	if n.RPCURL == "" || n.WSURL == "" {
		_ = n.Close()
		return fmt.Errorf("localnet did not report its endpoints:\n%s", n.output.String())
	}
	return nil
}

// PID is the localnet process's id.
func (n *Node) PID() int { return n.cmd.Process.Pid }

// Exited is closed when the localnet process has ended (after Close, or on its own).
func (n *Node) Exited() <-chan struct{} { return n.done }

// Close stops the localnet (SIGTERM: it saves its state) and removes the temporary
// directories Launch created. It is safe to call more than once.
func (n *Node) Close() error {
	n.closeOne.Do(func() {
		if n.cmd != nil && n.cmd.Process != nil {
			_ = n.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-n.done:
			case <-time.After(15 * time.Second):
				_ = n.cmd.Process.Kill()
				<-n.done
				n.closeErr = fmt.Errorf("localnet did not stop on SIGTERM; killed:\n%s", n.output.String())
			}
		}
		if n.RPC != nil {
			_ = n.RPC.Close()
		}
		n.removeTemp()
	})
	return n.closeErr
}

// Output returns the last lines the localnet printed (for diagnostics).
func (n *Node) Output() string { return n.output.String() }

func (n *Node) removeTemp() {
	for _, d := range n.tempDirs {
		_ = os.RemoveAll(d)
	}
	n.tempDirs = nil
}

// LoadKey reads the DEV-ONLY keypair NAME from the keys directory ("wallet", "admin",
// "faucet", "oracle-1", "registry-program", ...).
func (n *Node) LoadKey(name string) (solana.PrivateKey, error) {
	return keyfile.Load(filepath.Join(n.KeysDir, name+".json"))
}

// Key is LoadKey for keys the localnet always writes; it panics when the file is
// missing or invalid, which means the name is wrong.
func (n *Node) Key(name string) solana.PrivateKey {
	k, err := n.LoadKey(name)
	if err != nil {
		panic(fmt.Sprintf("localnet key %q: %v", name, err))
	}
	return k
}

// Airdrop sends lamports from the faucet to an address and waits until the airdrop is
// confirmed.
func (n *Node) Airdrop(ctx context.Context, to solana.PublicKey, lamports uint64) error {
	sig, err := n.RPC.RequestAirdrop(ctx, to, lamports, rpc.CommitmentConfirmed)
	if err != nil {
		return fmt.Errorf("request airdrop: %w", err)
	}
	for {
		res, err := n.RPC.GetSignatureStatuses(ctx, false, sig)
		if err != nil {
			return fmt.Errorf("airdrop status: %w", err)
		}
		if st := res.Value[0]; st != nil && st.ConfirmationStatus != rpc.ConfirmationStatusProcessed {
			if st.Err != nil {
				return fmt.Errorf("airdrop failed: %v", st.Err)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("airdrop: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// tail keeps the last lines written to it.
type tail struct {
	mu    sync.Mutex
	max   int
	lines []string
	part  string
}

func (t *tail) writer(copyTo io.Writer) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		t.mu.Lock()
		s := t.part + string(p)
		parts := strings.Split(s, "\n")
		t.part = parts[len(parts)-1]
		t.lines = append(t.lines, parts[:len(parts)-1]...)
		if len(t.lines) > t.max {
			t.lines = t.lines[len(t.lines)-t.max:]
		}
		t.mu.Unlock()
		if copyTo != nil {
			_, _ = copyTo.Write(p)
		}
		return len(p), nil
	})
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(append(append([]string{}, t.lines...), t.part), "\n")
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
