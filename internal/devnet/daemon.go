package devnet

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/internal/keyfile"
)

// Daemon is one long-running process of the dev network, started once the chain is
// configured and PostgreSQL is up.
type Daemon struct {
	// Name names its row in the table and its log, <start's log dir>/<Name>.log.
	Name string
	// Bin is the binary, relative to the root; when it is not built the daemon is skipped.
	Bin  string
	Args []string
	// Env is added to the supervisor's environment.
	Env []string
	// Dir is the working directory, relative to the root (empty: the root).
	Dir string
	// Port is its listener on 127.0.0.1: it is ready once GET /healthz answers 200.
	Port int
	// API is the port of the API it serves besides /healthz (an oracle's, for the workers), if any.
	API int
	// Keys are the key files it reads; NewKeys those it owns, created once when missing (a
	// new keypair, mode 0600) and kept: a worker's device key. network.json lists both.
	Keys, NewKeys []string
	// Database, when set, is created in the dev PostgreSQL if missing.
	Database string
	// StopTimeout is how long it gets to exit after SIGTERM before SIGKILL (0: 10 s).
	StopTimeout time.Duration
	// Prepare, when set, runs once its keys exist and before any daemon starts: a worker
	// writes its config and registers its device. run runs Bin with args to completion, its
	// output in the daemon's log, and returns its stdout. What it returns joins the progress line.
	Prepare func(ctx context.Context, run func(args ...string) ([]byte, error)) (string, error)
}

// Timeouts of a daemon: to answer /healthz after its start, to exit after SIGTERM by default.
const (
	readyTimeout = 30 * time.Second
	stopTimeout  = 10 * time.Second
)

// process is a started Daemon.
type process struct {
	Daemon
	cmd  *exec.Cmd
	log  string
	done chan struct{} // closed once it has exited; err is its exit
	err  error
}

// binPath is d.Bin as a path; absolute paths (tests) are kept.
func (d Daemon) binPath(root string) string {
	if filepath.IsAbs(d.Bin) {
		return d.Bin
	}
	return filepath.Join(root, d.Bin)
}

// createKeys writes each missing NewKeys file with a new keypair.
func (d Daemon) createKeys() error {
	for _, path := range d.NewKeys {
		if _, err := os.Stat(path); err == nil {
			continue
		}
		key, err := solana.NewRandomPrivateKey()
		if err == nil {
			err = keyfile.Save(path, key)
		}
		if err != nil {
			return fmt.Errorf("%s: create key %s: %w", d.Name, path, err)
		}
	}
	return nil
}

func (d Daemon) logPath(logs string) string { return filepath.Join(logs, d.Name+".log") }

// prepare creates its keys and runs its Prepare, if any.
func (d Daemon) prepare(ctx context.Context, root, logs string) (string, error) {
	if err := d.createKeys(); err != nil {
		return "", err
	}
	if d.Prepare == nil {
		return "", nil
	}
	f, err := os.OpenFile(d.logPath(logs), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return "", fmt.Errorf("%s: create log: %w", d.Name, err)
	}
	defer f.Close()
	run := func(args ...string) ([]byte, error) {
		fmt.Fprintf(f, "$ %s %s\n", d.Bin, strings.Join(args, " "))
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, d.binPath(root), args...)
		cmd.Dir = filepath.Join(root, d.Dir)
		cmd.Env = append(os.Environ(), d.Env...)
		cmd.Stdout, cmd.Stderr = io.MultiWriter(f, &out), f
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("%s %s: %w; the end of its log %s:\n%s", d.Bin, args[0], err, f.Name(), lastLines(f.Name(), 10))
		}
		return out.Bytes(), nil
	}
	result, err := d.Prepare(ctx, run)
	if err != nil {
		return "", fmt.Errorf("%s: %w", d.Name, err)
	}
	return result, nil
}

// start runs the daemon in its own process group (a Ctrl-C reaches only the supervisor, which
// stops the daemons in order), its output in logs/<name>.log; exited receives it when it ends.
func (d Daemon) start(root, logs string, exited chan<- *process) (*process, error) {
	if d.Port <= 0 {
		return nil, fmt.Errorf("%s: no port for its /healthz", d.Name)
	}
	p := &process{Daemon: d, log: d.logPath(logs), done: make(chan struct{})}
	f, err := os.OpenFile(p.log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644) // after what Prepare wrote
	if err != nil {
		return nil, fmt.Errorf("%s: create log: %w", d.Name, err)
	}
	defer f.Close() // the child has its own descriptor
	p.cmd = exec.Command(d.binPath(root), d.Args...)
	p.cmd.Dir = filepath.Join(root, d.Dir)
	p.cmd.Env = append(os.Environ(), d.Env...)
	p.cmd.Stdout, p.cmd.Stderr = f, f
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", d.Name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
		exited <- p
	}()
	return p, nil
}

// ready waits until GET /healthz answers 200; an exit or readyTimeout first is an error with
// the end of its log.
func (p *process) ready(ctx context.Context, rel func(string) string) error {
	url := fmt.Sprintf("http://%s/healthz", listenAddr(p.Port))
	client := &http.Client{Timeout: time.Second}
	timeout := time.After(readyTimeout)
	for {
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.done:
			return p.exitError(rel)
		case <-timeout:
			return fmt.Errorf("%s (pid %d) did not answer 200 on %s within %s; the end of its log %s:\n%s",
				p.Name, p.cmd.Process.Pid, url, readyTimeout, rel(p.log), lastLines(p.log, 20))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// exitError reports a daemon that exited on its own, with the end of its log.
func (p *process) exitError(rel func(string) string) error {
	return fmt.Errorf("%s (pid %d) exited on its own (%v); the end of its log %s:\n%s",
		p.Name, p.cmd.Process.Pid, p.err, rel(p.log), lastLines(p.log, 20))
}

// stopTimeout is StopTimeout or the default.
func (d Daemon) stopTimeout() time.Duration {
	if d.StopTimeout > 0 {
		return d.StopTimeout
	}
	return stopTimeout
}

// stop sends SIGTERM to its process group, SIGKILL after its stop timeout, and waits for its
// exit; it says whether it had to kill.
func (p *process) stop() (killed bool) {
	select {
	case <-p.done:
		return false
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
		return false
	case <-time.After(p.stopTimeout()):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		return true
	}
}
