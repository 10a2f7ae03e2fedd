package challenge

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gpunet/gpunet/internal/poc"
)

// Class is how one hardware class is challenged: n, the time a device of the class takes from
// the offer to its root (multiply and commitment, plus the network), and the deadline.
type Class struct {
	Model    uint32
	N        int
	Expected time.Duration
	Deadline time.Duration
}

// DeadlineFactor is the least deadline / expected: an honest device of the class passes
// through jitter, a load spike or a slow link, while a device of a lower class, which takes
// (n^3 / its throughput) instead, misses by a wide margin.
const DeadlineFactor = 5

// Score is what a pass reports on-chain as the device's benchmark: the class's rated
// throughput, 2 n^3 operations over the expected time, in millions of int8 operations per
// second. Every honest oracle reports the same value for the class, so the registry's rule
// (the lowest of a quorum agreeing within the band) settles on it exactly; a device's own
// measured throughput goes to the oracle's store, not on-chain (oracle/README.md).
func (c Class) Score() uint64 {
	return uint64(2 * float64(c.N) * float64(c.N) * float64(c.N) / c.Expected.Seconds() / 1e6)
}

// ParseClasses reads a class table: "model:n:expected:deadline" entries separated by commas,
// e.g. "0:1024:2s:10s,3:8192:2s:10s".
func ParseClasses(s string) (map[uint32]Class, error) {
	out := map[uint32]Class{}
	for _, entry := range strings.Split(s, ",") {
		if entry = strings.TrimSpace(entry); entry == "" {
			continue
		}
		f := strings.Split(entry, ":")
		if len(f) != 4 {
			return nil, fmt.Errorf("challenge class %q: want model:n:expected:deadline", entry)
		}
		model, err := strconv.ParseUint(f[0], 10, 32)
		if err != nil {
			return nil, fmt.Errorf("challenge class %q: model: %w", entry, err)
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			return nil, fmt.Errorf("challenge class %q: n: %w", entry, err)
		}
		if err := (poc.Challenge{N: n}).Validate(); err != nil {
			return nil, fmt.Errorf("challenge class %q: %w", entry, err)
		}
		c := Class{Model: uint32(model), N: n}
		if c.Expected, err = time.ParseDuration(f[2]); err != nil || c.Expected <= 0 {
			return nil, fmt.Errorf("challenge class %q: expected time %q is not a positive duration", entry, f[2])
		}
		if c.Deadline, err = time.ParseDuration(f[3]); err != nil || c.Deadline < DeadlineFactor*c.Expected {
			return nil, fmt.Errorf("challenge class %q: deadline %q is under %d x the expected time", entry, f[3], DeadlineFactor)
		}
		if _, dup := out[c.Model]; dup {
			return nil, fmt.Errorf("challenge class %q: model %d twice", entry, c.Model)
		}
		out[c.Model] = c
	}
	return out, nil
}
