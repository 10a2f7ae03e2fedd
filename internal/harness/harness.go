// Package harness is what the test harnesses (internal/localnet, internal/chaintest,
// internal/pg/pgtest) need from a test, as interfaces that *testing.T and *testing.B
// satisfy, so that those packages import no `testing` and can also serve make dev and tools.
//
// It also makes separate hosts for end-to-end tests: a LAN (NewLAN, as root) is network
// namespaces on a bridge of the machine, whose hosts can be cut off (Partition) and
// reconnected (Heal); see LAN.
package harness

import (
	"bytes"
	"fmt"
	"net"
	"sync"
)

// TB is the part of testing.TB the harnesses use. testify's require accepts it.
type TB interface {
	Helper()
	Logf(format string, args ...any)
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	FailNow()
	Cleanup(func())
}

// Bench is a benchmark that reports metrics in named sub-benchmarks; B is the benchmark
// type itself, so that *testing.B satisfies Bench[*testing.B].
type Bench[B any] interface {
	TB
	Run(name string, f func(B)) bool
	ReportMetric(n float64, unit string)
}

// M runs a package's tests, as *testing.M does for TestMain.
type M interface {
	Run() int
}

// Buffer collects what a process or goroutine writes while the test reads it.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// FreePort is a TCP port free on 127.0.0.1 now: the system picks it, and it may be taken again
// before the caller binds it, which tests and make dev accept.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Port is FreePort for a test, which fails when there is none.
func Port(t TB) int {
	t.Helper()
	port, err := FreePort()
	if err != nil {
		t.Fatalf("%v", err)
	}
	return port
}
