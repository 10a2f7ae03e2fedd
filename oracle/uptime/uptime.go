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
	sorted := append([]Interval(nil), ivs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].From < sorted[j].From })
	var total int64
	at := from // everything before at is counted or outside
	for _, iv := range sorted {
		lo, hi := max(iv.From, at), min(iv.Until, until)
		if hi > lo {
			total += hi - lo
			at = hi
		}
	}
	return total
}

// Seconds is the whole seconds of the span a vote on a window measures ([t.From(), t.End):
// protocol.ProofSpan, the registry's rule) that ivs cover: the vote. It never exceeds t.Span,
// the most the registry accepts.
func Seconds(t protocol.ProofTimes, ivs []Interval) uint32 {
	return uint32(Covered(ivs, int64(t.From())*1000, int64(t.End)*1000) / 1000)
}
