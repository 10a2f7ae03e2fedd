package chain

import (
	"context"
	"time"
)

// Backoff retries an operation with exponentially growing pauses.
type Backoff struct {
	Attempts int
	First    time.Duration
	Max      time.Duration
}

// DefaultBackoff tries 6 times over about 6 seconds.
var DefaultBackoff = Backoff{Attempts: 6, First: 200 * time.Millisecond, Max: 3 * time.Second}

// Do runs op until it succeeds, returns an error that retryable rejects, the attempts are
// spent, or ctx ends; it returns op's last error.
func (b Backoff) Do(ctx context.Context, retryable func(context.Context, error) bool, op func() error) error {
	pause := b.First
	for attempt := 1; ; attempt++ {
		err := op()
		if err == nil || attempt >= b.Attempts || !retryable(ctx, err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
		pause = min(2*pause, b.Max)
	}
}
