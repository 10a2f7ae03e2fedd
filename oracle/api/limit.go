package api

import (
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"
)

// limiter is a token bucket per device: burst requests at once, then one per every.
type limiter struct {
	burst float64
	every time.Duration

	mu      sync.Mutex
	buckets map[solana.PublicKey]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(burst int, every time.Duration) *limiter {
	return &limiter{burst: float64(burst), every: every, buckets: map[solana.PublicKey]*bucket{}}
}

// allow takes a token from key's bucket at now.
func (l *limiter) allow(key solana.PublicKey, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	full := time.Duration(l.burst) * l.every
	if now.Sub(l.swept) >= full { // a bucket full again is a new one: forget it
		for k, b := range l.buckets {
			if now.Sub(b.at) >= full {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
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
