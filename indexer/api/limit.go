package api

import (
	"sync"
	"time"
)

// maxTracked is how many client addresses the rate limiter tracks at most.
const maxTracked = 100_000

// limiter is a token bucket per key: burst requests at once, then one per every. Its table
// holds max keys at most, so a flood of new addresses cannot grow it without end: when it is
// full, a new key is refused until buckets refill and are forgotten.
type limiter struct {
	burst float64
	every time.Duration
	max   int

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(burst int, every time.Duration, max int) *limiter {
	return &limiter{burst: float64(burst), every: every, max: max, buckets: map[string]*bucket{}}
}

// allow takes a token from key's bucket at now.
func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	full := time.Duration(l.burst) * l.every
	b, ok := l.buckets[key]
	if !ok && now.Sub(l.swept) >= full { // a bucket full again is a new one: forget it
		for k, b := range l.buckets {
			if now.Sub(b.at) >= full {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	if !ok {
		if len(l.buckets) >= l.max {
			return false
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.every))
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
