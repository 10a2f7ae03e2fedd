package protocol

import (
	"math/bits"

	"github.com/gpunet/gpunet/client/registry"
)

// ProofTimes is one proof window of a device, in unix seconds (registry_proof_times_t): the
// window [Start, End), its voting Deadline, and Span, the most uptime a vote may report: the
// seconds from the end of the device's last counted window (or the start of the window it
// registered in) to End, capped at max_proof_age_secs.
type ProofTimes struct {
	Start, End, Deadline, Span uint64
}

// From is where the span a vote measures starts: [From, End).
func (t ProofTimes) From() uint64 { return t.End - t.Span }

// Countable reports whether count_proof accepts the window at now: its deadline has passed
// (programs/registry/src/count_proof.c; a negative clock never has).
func (t ProofTimes) Countable(now int64) bool {
	return now >= 0 && uint64(now) >= t.Deadline
}

// ProofSpan is the times of window of device d under params, as registry_proof_times
// (programs/registry/src/proof.c) computes them for submit_proof and count_proof: a product
// or sum past 64 bits is ErrArithmeticOverflow. A zero proof_window_secs, which
// registry_validate_params refuses and the C would divide by, is ErrInvalidConfigParams.
func ProofSpan(params *registry.ConfigParams, d *registry.Device, window uint64) (ProofTimes, error) {
	n := uint64(params.ProofWindowSecs)
	if n == 0 {
		return ProofTimes{}, registry.ErrInvalidConfigParams
	}
	var t ProofTimes
	var hi, carry, c2 uint64
	hi, t.Start = bits.Mul64(window, n)
	t.End, carry = bits.Add64(t.Start, n, 0)
	t.Deadline, c2 = bits.Add64(t.End, uint64(params.VoteDeadlineSecs), 0)
	if hi|carry|c2 != 0 {
		return ProofTimes{}, registry.ErrArithmeticOverflow
	}
	// the span starts where the last counted window ended; a device with none starts at the
	// window it registered in (or this window, if it registered after it)
	var from uint64
	if d.LastProofWindow != 0 {
		hi, from = bits.Mul64(d.LastProofWindow, n)
		from, carry = bits.Add64(from, n, 0)
		if hi|carry != 0 {
			return ProofTimes{}, registry.ErrArithmeticOverflow
		}
	} else {
		from = min(uint64(max(d.RegisteredAt, 0))/n*n, t.Start)
	}
	t.Span = min(t.End-min(t.End, from), uint64(params.MaxProofAgeSecs))
	return t, nil
}

// CheckProofWindow is whether submit_proof takes a vote on window of d at now (check_window,
// programs/registry/src/submit_proof.c): ProofSpan's error; ErrProofWindowNotClosed before
// the window ends; ErrStaleProof when it is not newer than the last counted window or started
// more than max_proof_age_secs before now. Its times when it does.
func CheckProofWindow(params *registry.ConfigParams, d *registry.Device, window uint64, now int64) (ProofTimes, error) {
	t, err := ProofSpan(params, d, window)
	if err != nil {
		return ProofTimes{}, err
	}
	at := uint64(max(now, 0))
	maxAge := uint64(params.MaxProofAgeSecs)
	switch {
	case t.End > at:
		return ProofTimes{}, registry.ErrProofWindowNotClosed
	case window <= d.LastProofWindow, t.Start < at-min(at, maxAge):
		return ProofTimes{}, registry.ErrStaleProof
	}
	return t, nil
}

// ProofCurrent reports whether the votes in w can still count for d under the oracle set
// with fingerprint oracleSet (registry_proof_current, programs/registry/src/proof.c): the
// window is newer than the last counted one, its votes measure from that one (base), the
// oracle set is the one they were cast under and d is not deregistered. Anyone may close a
// window that is not current (close_stale_proof); count_proof closes it uncounted.
func ProofCurrent(w *registry.ProofWindow, d *registry.Device, oracleSet uint64) bool {
	return w.Window > d.LastProofWindow && w.Base == d.LastProofWindow && w.OracleSet == oracleSet &&
		d.Status != registry.StatusDeregistered
}
