package devnet

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// RunningError refuses a second make dev: the first one holds the lock.
type RunningError struct {
	PID   int
	Since time.Time
}

func (e *RunningError) Error() string {
	return fmt.Sprintf("make dev already runs (pid %d, since %s): stop it with `make down` (or Ctrl-C in its terminal)",
		e.PID, e.Since.UTC().Format(time.RFC3339))
}

// ErrNotRunning is what Down and Status say when no make dev holds the lock.
var ErrNotRunning = errors.New("make dev is not running")

// lock is the held target/dev/lock: an flock on it is released by the kernel when the
// holder exits, however it exits, so a stale lock cannot outlive its process.
type lock struct{ f *os.File }

// acquire takes the lock without waiting and records the holder (pid, start time) in it.
// It neither truncates nor writes the file unless it got the lock.
func acquire(path string, now time.Time) (*lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, holder(path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	record := fmt.Sprintf("%d %s\n", os.Getpid(), now.UTC().Format(time.RFC3339))
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(record), 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("write lock: %w", err)
	}
	return &lock{f: f}, nil
}

// release drops the lock (closing the file is enough; the record stays for forensics).
func (l *lock) release() { l.f.Close() }

// holder reads who holds the lock at path: a *RunningError, or ErrNotRunning when no one
// does.
func holder(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return ErrNotRunning
	}
	if err != nil {
		return fmt.Errorf("open lock: %w", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err == nil {
		return ErrNotRunning
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read lock: %w", err)
	}
	// The holder writes its record right after taking the lock; an empty record means it
	// is between the two.
	fields := strings.Fields(string(data))
	re := &RunningError{}
	if len(fields) == 2 {
		re.PID, _ = strconv.Atoi(fields[0])
		re.Since, _ = time.Parse(time.RFC3339, fields[1])
	}
	return re
}
