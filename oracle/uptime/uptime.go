// Package uptime is the oracle's counting rule, pure: what one heartbeat credits on the
// oracle's clock, how much of a span a set of credits covers, and so what it votes for a proof
// window over the span the registry measures (protocol.ProofSpan).
package uptime

import (
	"sort"
	"time"

	"github.com/gpunet/gpunet/internal/protocol"
)

// Interval is [From, Until) in unix milliseconds on the oracle's clock.
type Interval struct{ From, Until int64 }

// Credit is what a heartbeat received at received proves: [received, received + interval +
// 1 s). A heartbeat whose worker timestamp is more than one interval behind its receipt was
// delivered late: it is kept as telemetry and credits nothing (ok false). The worker's clock
// can only withhold credit, never grant it.
func Credit(received time.Time, workerMs, intervalSecs int64) (iv Interval, ok bool) {
	at := received.UnixMilli()
	period := intervalSecs * 1000
	if at-workerMs > period {
		return Interval{From: at, Until: at}, false
	}
	return Interval{From: at, Until: at + period + 1000}, true
}

// Covered is how many milliseconds of [from, until) the union of ivs covers.
func Covered(ivs []Interval, from, until int64) int64 {
	var total int64
	for _, iv := range union(ivs) {
		total += max(min(iv.Until, until)-max(iv.From, from), 0)
	}
	return total
}

// Seconds is the whole seconds of the span a vote on a window measures ([t.From(), t.End):
// protocol.ProofSpan, the registry's rule) that ivs cover: the vote. It never exceeds t.Span,
// the most the registry accepts.
func Seconds(t protocol.ProofTimes, ivs []Interval) uint32 {
	return uint32(Covered(ivs, int64(t.From())*1000, int64(t.End)*1000) / 1000)
}

// Intersect is the time both a and b cover, as sorted disjoint intervals.
func Intersect(a, b []Interval) []Interval {
	a, b = union(a), union(b)
	var out []Interval
	for i, k := 0, 0; i < len(a) && k < len(b); {
		if lo, hi := max(a[i].From, b[k].From), min(a[i].Until, b[k].Until); hi > lo {
			out = append(out, Interval{From: lo, Until: hi})
		}
		if a[i].Until < b[k].Until {
			i++
		} else {
			k++
		}
	}
	return out
}

// union is the time ivs cover, as sorted disjoint intervals.
func union(ivs []Interval) []Interval {
	sorted := append([]Interval(nil), ivs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].From < sorted[j].From })
	var out []Interval
	for _, iv := range sorted {
		if n := len(out); n > 0 && iv.From <= out[n-1].Until {
			out[n-1].Until = max(out[n-1].Until, iv.Until)
		} else if iv.Until > iv.From {
			out = append(out, iv)
		}
	}
	return out
}
