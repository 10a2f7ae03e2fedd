package heartbeat

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// reserve is how many sequence numbers one write to disk reserves: a restart skips what was
// reserved and not used, so no number is ever used twice, and the disk is written once per
// reserve heartbeats.
const reserve = 256

// Sequence hands out strictly increasing heartbeat sequence numbers, shared by every oracle
// (each sees an increasing subsequence), persisted so a restarted worker never reuses one.
type Sequence struct {
	path string

	mu        sync.Mutex
	next, end uint64 // numbers in [next, end) are reserved on disk
}

// OpenSequence continues the sequence kept in dir.
func OpenSequence(dir string) (*Sequence, error) {
	s := &Sequence{path: filepath.Join(dir, "heartbeat-sequence")}
	data, err := os.ReadFile(s.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.next = 1
	case err != nil:
		return nil, fmt.Errorf("read heartbeat sequence: %w", err)
	default:
		if s.next, err = strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64); err != nil {
			return nil, fmt.Errorf("parse %s: %w", s.path, err)
		}
	}
	s.end = s.next
	return s, nil
}

// Next returns the next number, reserving a block on disk first when the last one is used up.
func (s *Sequence) Next() (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next == s.end {
		if err := s.persist(s.end + reserve); err != nil {
			return 0, err
		}
		s.end += reserve
	}
	s.next++
	return s.next - 1, nil
}

// persist writes end durably (write, sync, rename) before any number below it is used.
func (s *Sequence) persist(end uint64) error {
	tmp := s.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("reserve heartbeat sequence: %w", err)
	}
	_, err = fmt.Fprintf(f, "%d\n", end)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, s.path)
	}
	if err != nil {
		return fmt.Errorf("reserve heartbeat sequence: %w", err)
	}
	return nil
}
