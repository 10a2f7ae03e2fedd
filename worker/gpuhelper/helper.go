// Package gpuhelper multiplies proof-of-compute challenges in a helper process behind
// poc.Backend: gpunet_poc.py, with torch._int_mm on CUDA (--device cuda) or numpy on the CPU.
// One process serves every challenge; when it fails (exits, answers short or wrong), the
// multiply falls back to the CPU backend with a logged reason and the next one starts a new
// process. The Merkle commitment stays on the host's CPU (poc.Commit).
package gpuhelper

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/gpunet/gpunet/internal/poc"
)

// exitWait is how long a failed helper has to exit after its stdin closes before it is killed.
const exitWait = 5 * time.Second

// Backend runs Command (argv: the venv's python, gpunet_poc.py, its flags) and falls back
// to Fallback.
type Backend struct {
	Command  []string
	Fallback poc.Backend
	Log      *slog.Logger

	mu       sync.Mutex
	proc     *process
	answered string // the backend that answered the last multiply
}

var _ poc.Backend = (*Backend)(nil)

// New is a backend running command, falling back to poc.CPU.
func New(command []string, log *slog.Logger) *Backend {
	return &Backend{Command: command, Fallback: poc.CPU{}, Log: log}
}

// Start starts the helper unless it runs; its error says why the helper cannot serve (torch
// or CUDA missing, a bad path).
func (b *Backend) Start() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.start()
}

func (b *Backend) start() error {
	if b.proc != nil {
		return nil
	}
	if len(b.Command) == 0 {
		return errors.New("no helper command")
	}
	p, err := startProcess(b.Command)
	if err != nil {
		return err
	}
	b.proc, b.answered = p, p.name
	return nil
}

// Close ends the helper.
func (b *Backend) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.proc == nil {
		return nil
	}
	p := b.proc
	b.proc = nil
	if state := p.stop(); !p.cmd.ProcessState.Success() {
		return fmt.Errorf("helper %s", state)
	}
	return nil
}

// Name implements poc.Backend: the helper's ("numpy", "cuda NVIDIA H100 80GB HBM3"), or the
// fallback's after a multiply the helper failed.
func (b *Backend) Name() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.answered == "" {
		return "helper (not started)"
	}
	return b.answered
}

// Multiply implements poc.Backend.
func (b *Backend) Multiply(ctx context.Context, n int, a, bm []int8, c []int32) error {
	if err := errors.Join(ctx.Err(), (poc.Challenge{N: n}).Validate()); err != nil {
		return err
	}
	if len(a) != n*n || len(bm) != n*n || len(c) != n*n {
		return fmt.Errorf("multiply: want %d entries, have a %d, b %d, c %d", n*n, len(a), len(bm), len(c))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	err := b.start()
	if err == nil {
		stop := context.AfterFunc(ctx, b.proc.kill)
		err = b.proc.multiply(n, a, bm, c)
		stop()
		if err != nil {
			err = fmt.Errorf("%w (helper %s)", err, b.proc.stop())
			b.proc = nil
		}
	}
	if err == nil || ctx.Err() != nil {
		return ctx.Err()
	}
	b.Log.Warn("gpu helper failed: multiplying on the fallback", "fallback", b.Fallback.Name(), "n", n, "reason", err.Error())
	b.answered = b.Fallback.Name()
	return b.Fallback.Multiply(ctx, n, a, bm, c)
}

// ReadyTimeout bounds a helper's start (importing torch and initializing CUDA take seconds): one
// that has not said ready by then is killed, so a hung helper cannot hold the worker's start-up,
// and the worker multiplies on the fallback.
var ReadyTimeout = time.Minute

// process is one running helper.
type process struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr *tail
	name   string
}

func startProcess(argv []string) (*process, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	p := &process{cmd: cmd, stderr: &tail{}}
	cmd.Stderr = p.stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start helper: %w", err)
	}
	p.in, p.out = in, bufio.NewReaderSize(out, 1<<20)
	hung := time.AfterFunc(ReadyTimeout, func() { _ = cmd.Process.Kill() })
	line, err := p.out.ReadString('\n')
	hung.Stop()
	name, ok := strings.CutPrefix(strings.TrimSpace(line), "ready ")
	if err != nil || !ok || name == "" {
		return nil, fmt.Errorf("helper not ready: %q (helper %s)", strings.TrimSpace(line), p.stop())
	}
	p.name = name
	return p, nil
}

// multiply sends one request and reads C into c, checking the answer's n and size.
func (p *process) multiply(n int, a, bm []int8, c []int32) error {
	w := bufio.NewWriterSize(p.in, 1<<20)
	if err := errors.Join(binary.Write(w, binary.LittleEndian, uint32(n)), binary.Write(w, binary.LittleEndian, a),
		binary.Write(w, binary.LittleEndian, bm), w.Flush()); err != nil {
		return fmt.Errorf("send matrices: %w", err)
	}
	var head [2]uint32
	if err := binary.Read(p.out, binary.LittleEndian, &head); err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if head[0] != uint32(n) || head[1] != uint32(4*n*n) {
		return fmt.Errorf("answer for n = %d, %d bytes: want n = %d, %d bytes", head[0], head[1], n, 4*n*n)
	}
	if err := binary.Read(p.out, binary.LittleEndian, c); err != nil {
		return fmt.Errorf("read C: %w", err)
	}
	return nil
}

// stop closes the helper's stdin, which ends a healthy one, kills it after exitWait, and
// says how it ended, with its last stderr line.
func (p *process) stop() string {
	p.in.Close()
	done := make(chan struct{})
	go func() {
		p.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(exitWait):
		p.kill()
		<-done
	}
	if last := p.stderr.last(); last != "" {
		return p.cmd.ProcessState.String() + ": " + last
	}
	return p.cmd.ProcessState.String()
}

func (p *process) kill() { p.cmd.Process.Kill() }

// tail keeps the end of the helper's stderr.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailBytes = 4096

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > tailBytes {
		t.buf = t.buf[len(t.buf)-tailBytes:]
	}
	return len(b), nil
}

func (t *tail) last() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(string(t.buf)), "\n")
	return lines[len(lines)-1]
}

// Pick is the backend the worker proves with: the helper whenever it runs on CUDA, else
// poc.CPU (numpy's int32 multiply has no BLAS: some 25x slower than poc.CPU), with the reason
// logged. An empty command is the CPU backend, silently. stop ends the helper.
func Pick(command []string, log *slog.Logger) (backend poc.Backend, stop func()) {
	if len(command) == 0 {
		return poc.CPU{}, func() {}
	}
	h := New(command, log)
	if err := h.Start(); err != nil {
		log.Warn("gpu helper unavailable: proving on the CPU", "reason", err.Error())
		return poc.CPU{}, func() {}
	}
	closeLogged := func() {
		if err := h.Close(); err != nil {
			log.Warn("gpu helper", "err", err)
		}
	}
	if !strings.HasPrefix(h.Name(), "cuda") {
		log.Info("gpu helper is not on CUDA: proving on the CPU, the faster", "helper", h.Name())
		closeLogged()
		return poc.CPU{}, func() {}
	}
	log.Info("proving on the GPU", "helper", h.Name())
	return h, closeLogged
}
