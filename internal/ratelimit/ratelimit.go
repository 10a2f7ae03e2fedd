// Package ratelimit is a token bucket per key with a bounded table, for the daemons' public
// HTTP APIs (per device key, per signer, per client address).
package ratelimit

import (
	"sync"
	"time"
)

// MaxTracked is how many keys a limiter of a public API tracks at most.
const MaxTracked = 100_000

// Limiter is a token bucket per key: burst requests at once, then one per every. Its table
// holds max keys at most, so a flood of new keys (random device keys, many addresses) cannot
// grow it without end: when it is full, a new key is refused until buckets refill and are
// forgotten.
type Limiter[K comparable] struct {
	burst float64
	every time.Duration
	max   int

	mu      sync.Mutex
	buckets map[K]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// New is a limiter of burst requests at once, then one per every, tracking max keys at most.
func New[K comparable](burst int, every time.Duration, max int) *Limiter[K] {
	return &Limiter[K]{burst: float64(burst), every: every, max: max, buckets: map[K]*bucket{}}
}

// Allow takes a token from key's bucket at now.
func (l *Limiter[K]) Allow(key K, now time.Time) bool {
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
