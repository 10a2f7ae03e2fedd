// Package uptime is the oracle's counting rule, pure: what one heartbeat credits on the
// oracle's clock, how much of a span a set of credits covers, and which span a proof window's
// vote measures (the registry's rule in programs/registry/src/proof.c).
package uptime

import (
	"sort"
	"time"

	"github.com/gpunet/gpunet/client/registry"
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

// Span is the time a vote for one window of a device measures, in unix seconds: [Start, End)
// where End is the window's end and Start the end of the device's last counted window (or the
// start of the window it registered in), capped at max_proof_age_secs; Deadline is when anyone
// may count the window.
type Span struct{ Start, End, Deadline uint64 }

// SpanOf mirrors registry_proof_times: the span a vote on window of d reports uptime over.
func SpanOf(p *registry.ConfigParams, d *registry.Device, window uint64) Span {
	n := uint64(p.ProofWindowSecs)
	start := window * n
	end := start + n
	var from uint64
	if d.LastProofWindow != 0 {
		from = (d.LastProofWindow + 1) * n
	} else {
		from = uint64(max(d.RegisteredAt, 0)) / n * n
		from = min(from, start)
	}
	span := uint64(0)
	if end > from {
		span = end - from
	}
	span = min(span, uint64(p.MaxProofAgeSecs))
	return Span{Start: end - span, End: end, Deadline: end + uint64(p.VoteDeadlineSecs)}
}

// Seconds is the whole seconds of [s.Start, s.End) that ivs cover: the vote.
func (s Span) Seconds(ivs []Interval) uint32 {
	return uint32(Covered(ivs, int64(s.Start)*1000, int64(s.End)*1000) / 1000)
}
