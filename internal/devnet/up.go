package devnet

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gpunet/gpunet/internal/localdev"
	"github.com/gpunet/gpunet/internal/localnet"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/internal/pg"
)

// Up is make dev. It takes the lock, or returns a *RunningError before touching anything
// else; runs the phases; writes network.json and prints the table; then serves until ctx
// ends (SIGINT, SIGTERM: a clean stop, nil) or a service exits (an error), and stops
// everything it started.
func Up(ctx context.Context, cfg Config) error {
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", cfg.Dir, err)
	}
	started := time.Now()
	l, err := acquire(cfg.lockPath(), started)
	if err != nil {
		return err
	}
	defer l.release()
	logs, err := newLogDir(cfg.logsDir(), started)
	if err != nil {
		return err
	}
	s := &supervisor{cfg: cfg, logs: logs, ctx: ctx}
	defer s.stop()
	if err := s.startAll(); err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(cfg.Out, "interrupted: everything started is stopped")
			return nil
		}
		return err
	}
	n, err := s.network(started)
	if err != nil {
		return err
	}
	if err := n.write(cfg.networkPath()); err != nil {
		return err
	}
	defer os.Remove(cfg.networkPath())
	fmt.Fprintf(cfg.Out, "\ngpunet is up (%s)\n\n", time.Since(started).Round(100*time.Millisecond))
	n.PrintTable(cfg.Out, cfg)
	// A service that exits on its own stops make dev with its log's end: in development a
	// crash is a bug to see at once (a restart loop would scroll it away), and the chain and
	// PostgreSQL keep their state for the next make dev.
	select {
	case <-ctx.Done():
		return nil
	case <-s.node.Exited():
		return fmt.Errorf("the localnet exited on its own; its log: %s\n%s", cfg.rel(s.localnetLog), s.node.Output())
	case p := <-s.exited:
		return p.exitError(cfg.rel)
	}
}

// supervisor runs the phases and stops what they started.
type supervisor struct {
	cfg         Config
	ctx         context.Context
	logs        string
	node        *localnet.Node
	localnetLog string
	logFile     *os.File
	pg          *pg.Server
	net         *network.Network
	renter      *Renter
	daemons     []Daemon  // the entries of cfg.Daemons, known once PostgreSQL is up
	built       []Daemon  // the entries whose binary is built
	skipped     []Skipped // the others
	procs       []*process
	exited      chan *process
}

// startAll runs the phases in order, each with its progress line.
func (s *supervisor) startAll() error {
	type phase struct {
		name string
		run  func() (string, error)
	}
	phases := []phase{
		{"starting the localnet", s.startLocalnet},
		{"configuring the programs", s.configure},
		{"starting PostgreSQL", s.startPostgres},
		{"preparing the daemons", s.prepareDaemons},
		{"starting the daemons", s.startDaemons},
	}
	if len(s.cfg.Build) > 0 {
		phases = append([]phase{{"building", s.build}}, phases...)
	}
	for i, p := range phases {
		fmt.Fprintf(s.cfg.Out, "[%d/%d] %s … ", i+1, len(phases), p.name)
		begin := time.Now()
		result, err := p.run()
		took := time.Since(begin).Seconds()
		if err != nil {
			fmt.Fprintf(s.cfg.Out, "failed %.1fs\n", took)
			return err
		}
		fmt.Fprintf(s.cfg.Out, "%s %.1fs\n", result, took)
	}
	return nil
}

// build runs cfg.Build in its own process group (a Ctrl-C reaches only the supervisor,
// which stops the whole build with SIGTERM), its output in build.log.
func (s *supervisor) build() (string, error) {
	path := filepath.Join(s.logs, "build.log")
	f, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("create build log: %w", err)
	}
	defer f.Close()
	cmd := exec.CommandContext(s.ctx, s.cfg.Build[0], s.cfg.Build[1:]...)
	cmd.Dir = s.cfg.Root
	cmd.Stdout, cmd.Stderr = io.Writer(f), io.Writer(f)
	if s.cfg.Verbose {
		fmt.Fprintln(s.cfg.Out)
		cmd.Stdout = io.MultiWriter(f, s.cfg.Out)
		cmd.Stderr = cmd.Stdout
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		if s.ctx.Err() != nil {
			return "", s.ctx.Err()
		}
		return "", fmt.Errorf("%s: %w; the end of %s:\n%s", strings.Join(s.cfg.Build, " "), err, s.cfg.rel(path), lastLines(path, 30))
	}
	return "done", nil
}

// startLocalnet starts the chain on the configured ports with its state and keys kept in
// the checkout, its output in localnet.log.
func (s *supervisor) startLocalnet() (string, error) {
	s.localnetLog = filepath.Join(s.logs, "localnet.log")
	f, err := os.Create(s.localnetLog)
	if err != nil {
		return "", fmt.Errorf("create localnet log: %w", err)
	}
	s.logFile = f
	node, err := localnet.Launch(s.ctx,
		localnet.WithRepoRoot(s.cfg.Root),
		localnet.WithStateDir(s.cfg.StateDir),
		localnet.WithKeysDir(s.cfg.KeysDir),
		localnet.WithPorts(s.cfg.RPCPort, s.cfg.WSPort),
		localnet.WithLogs(f))
	if err != nil {
		return "", err
	}
	s.node = node
	if strings.Contains(node.Output(), "state restored from") {
		return "ready, chain restored from " + s.cfg.rel(s.cfg.StateDir), nil
	}
	return "ready, new chain in " + s.cfg.rel(s.cfg.StateDir), nil
}

// configure is gpunet localnet-init, in process: the Configs of the registry, the economy
// and the escrow, created where missing, through the composition root; then the dev renter
// wallet is funded (fundRenter).
func (s *supervisor) configure() (string, error) {
	keys := localdev.OpenKeys(s.cfg.KeysDir)
	mints, err := keys.Mints()
	if err != nil {
		return "", err
	}
	net, err := network.Open(s.ctx, network.Options{
		Cluster: "localnet", URL: s.node.RPCURL, AnchorToml: filepath.Join(s.cfg.Root, "Anchor.toml"), Mints: mints,
	})
	if err != nil {
		return "", err
	}
	s.net = net
	changed, err := localdev.Init(s.ctx, net, keys)
	if err != nil {
		return "", fmt.Errorf("configure the programs: %w", err)
	}
	result := "done, already configured"
	if len(changed) > 0 {
		result = "done: " + strings.Join(changed, ", ")
	}
	renter, funded, err := fundRenter(s.ctx, net, keys, s.cfg.renterPath())
	if err != nil {
		return "", err
	}
	s.renter = renter
	return result + "; " + funded, nil
}

// network describes what runs, for network.json and the table.
func (s *supervisor) network(started time.Time) (*Network, error) {
	keys, err := keyFiles(s.cfg.KeysDir)
	if err != nil {
		return nil, err
	}
	n := &Network{PID: os.Getpid(), StartedAt: started.UTC().Truncate(time.Second), Keys: keys, Logs: s.logs, Programs: map[string]string{}}
	for name, id := range s.node.Programs {
		n.Programs[name] = id.String()
	}
	for _, ep := range []struct{ name, url string }{{"localnet-rpc", s.node.RPCURL}, {"localnet-ws", s.node.WSURL}} {
		port, err := portOf(ep.url)
		if err != nil {
			return nil, err
		}
		n.Services = append(n.Services, Service{Name: ep.name, URL: ep.url, Port: port, PID: s.node.PID(), Log: s.localnetLog})
	}
	pid, err := s.pg.PID()
	if err != nil {
		return nil, err
	}
	n.Services = append(n.Services, Service{Name: "postgres", URL: fmt.Sprintf("postgres://postgres@%s", listenAddr(s.pg.Port())),
		Port: s.pg.Port(), PID: pid, Log: s.pg.LogFile()})
	n.Databases = map[string]string{}
	for _, d := range s.daemons {
		if d.Database != "" {
			n.Databases[d.Database] = s.pg.URL(d.Database)
		}
	}
	for _, p := range s.procs {
		svc := Service{Name: p.Name, URL: "http://" + listenAddr(p.Port), Port: p.Port, PID: p.cmd.Process.Pid,
			Log: p.log, Keys: append(slices.Clone(p.Keys), p.NewKeys...)}
		if p.API != 0 {
			svc.API = "http://" + listenAddr(p.API)
		}
		n.Services = append(n.Services, svc)
	}
	n.Skipped = s.skipped
	n.Renter = s.renter
	return n, nil
}

func portOf(rawURL string) (int, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return 0, fmt.Errorf("parse %q: %w", rawURL, err)
	}
	return strconv.Atoi(u.Port())
}

// stop stops what startAll started in reverse order: the daemons, PostgreSQL, the localnet
// with SIGTERM so that it saves its state.
func (s *supervisor) stop() {
	if len(s.procs) > 0 {
		fmt.Fprintf(s.cfg.Out, "stopping the daemons … ")
		var stopped []string
		for _, p := range slices.Backward(s.procs) {
			if p.stop() {
				stopped = append(stopped, p.Name+" (killed after "+p.stopTimeout().String()+")")
			} else {
				stopped = append(stopped, p.Name)
			}
		}
		fmt.Fprintf(s.cfg.Out, "stopped %s\n", strings.Join(stopped, ", "))
	}
	if s.pg != nil {
		fmt.Fprintf(s.cfg.Out, "stopping PostgreSQL … ")
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := s.pg.Stop(ctx); err != nil {
			fmt.Fprintf(s.cfg.Out, "%v\n", err)
		} else {
			fmt.Fprintf(s.cfg.Out, "stopped, data kept in %s\n", s.cfg.rel(s.cfg.PGDir))
		}
		cancel()
	}
	if s.node != nil {
		fmt.Fprintf(s.cfg.Out, "stopping the localnet … ")
		if err := s.node.Close(); err != nil {
			fmt.Fprintf(s.cfg.Out, "%v\n", err)
		} else {
			fmt.Fprintf(s.cfg.Out, "stopped, chain saved in %s\n", s.cfg.rel(s.cfg.StateDir))
		}
	}
	if s.logFile != nil {
		s.logFile.Close()
	}
}

// lastLines is the end of a log, for an error message.
func lastLines(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
