package renter

import (
	"fmt"
	"strings"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/protocol"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
)

// Summary is a job as its renter follows it. Amounts are base units of Mint; times are unix
// seconds of the chain's clock, 0 for not yet.
type Summary struct {
	ID           uint64           `json:"id"`
	Address      solana.PublicKey `json:"address"`
	Renter       solana.PublicKey `json:"renter"`
	State        string           `json:"state"` // open, assigned, running, completed, cancelled, expired
	Mint         solana.PublicKey `json:"mint"`
	PricePerHour uint64           `json:"pricePerHour"` // per device-hour
	Devices      uint8            `json:"devices"`      // places booked
	Accepted     int              `json:"accepted"`     // devices hired now
	DurationSecs int64            `json:"durationSecs"` // paid time per device, top-ups included
	FeeBps       uint16           `json:"feeBps"`
	CreatedAt    int64            `json:"createdAt"`
	AcceptBy     int64            `json:"acceptBy"` // the acceptance window's end, until the job starts
	StartedAt    int64            `json:"startedAt"`
	EndsAt       int64            `json:"endsAt"` // the paid time's end, once started
	EndedAt      int64            `json:"endedAt"`
	PaidLeftSecs int64            `json:"paidLeftSecs"` // paid time left per device
	UsageSecs    uint64           `json:"usageSecs"`    // verified seconds, every slot
	Deposited    uint64           `json:"deposited"`
	PaidOut      uint64           `json:"paidOut"` // to providers
	Fees         uint64           `json:"fees"`    // to the treasury and burned
	Refunded     uint64           `json:"refunded"`
	Held         uint64           `json:"held"` // still in escrow
	// RefundableNow is what cancelling now refunds (0 once ended).
	RefundableNow uint64 `json:"refundableNow"`
	// RefundableAtEnd is, for a job not ended, what ending at the end of its paid time refunds
	// at least (every device accepted now and verified all its time; unverified time comes back
	// at close too); for an ended job, what closing it returns with the usage verified so far.
	RefundableAtEnd uint64 `json:"refundableAtEnd"`
	Slots           []Slot `json:"slots"`
	Next            string `json:"next"`
}

// Slot is one device's place on the job.
type Slot struct {
	Index        uint8            `json:"index"`
	Device       solana.PublicKey `json:"device"`
	State        string           `json:"state"` // proposed, hired, left
	JoinedAt     int64            `json:"joinedAt"`
	LeftAt       int64            `json:"leftAt"`
	VerifiedSecs uint64           `json:"verifiedSecs"`
	PaidSecs     uint64           `json:"paidSecs"`
}

var (
	jobStates  = [...]string{escrow.JobOpen: "open", escrow.JobAssigned: "assigned", escrow.JobRunning: "running", escrow.JobCompleted: "completed", escrow.JobCancelled: "cancelled", escrow.JobExpired: "expired"}
	slotStates = [...]string{escrow.SlotEmpty: "empty", escrow.SlotProposed: "proposed", escrow.SlotHired: "hired", escrow.SlotLeft: "left"}
)

func name(names []string, state uint8) string {
	if int(state) < len(names) {
		return names[state]
	}
	return fmt.Sprintf("unknown (%d)", state)
}

// State names job j's state: open, assigned, running, completed, cancelled or expired.
func State(j *escrow.Job) string { return name(jobStates[:], j.State) }

// Ended reports whether job j has ended (completed, cancelled or expired).
func Ended(j *escrow.Job) bool { return j.State > escrow.JobRunning }

// Summarize summarizes the job at `at` as of the chain time now.
func Summarize(at onescrow.JobAt, now int64) (Summary, error) {
	j := at.Job
	s := Summary{
		ID: j.JobId, Address: at.Address, Renter: j.Renter, State: State(j), Mint: j.Mint,
		PricePerHour: j.PricePerHour, Devices: j.DeviceCount, DurationSecs: j.DurationSecs, FeeBps: j.FeeBps,
		CreatedAt: j.CreatedAt, StartedAt: j.StartedAt, EndedAt: j.EndedAt,
		Deposited: j.Deposited, PaidOut: j.PaidOut, Fees: j.FeesTreasury + j.FeesBurned, Refunded: j.Refunded,
		Slots: []Slot{},
	}
	var owed uint64 // verified, unpaid
	for i, sl := range j.Slots[:min(int(j.SlotCount), len(j.Slots))] {
		s.Slots = append(s.Slots, Slot{Index: uint8(i), Device: sl.Device, State: name(slotStates[:], sl.State), JoinedAt: sl.JoinedAt,
			LeftAt: sl.LeftAt, VerifiedSecs: sl.VerifiedSecs, PaidSecs: sl.PaidSecs})
		if sl.State == escrow.SlotHired {
			s.Accepted++
		}
		s.UsageSecs += sl.VerifiedSecs
		if sl.VerifiedSecs > sl.PaidSecs {
			pay, err := protocol.Pay(j, sl.PaidSecs, sl.VerifiedSecs)
			if err != nil {
				return Summary{}, err
			}
			owed += pay.Gross
		}
	}
	var err error
	if s.Held, err = protocol.Held(j); err != nil {
		return Summary{}, err
	}
	switch {
	case Ended(j):
		s.RefundableAtEnd = s.Held - min(owed, s.Held)
	case j.StartedAt == 0:
		s.AcceptBy = j.CreatedAt + j.AcceptanceWindowSecs
		s.PaidLeftSecs = j.DurationSecs
		if s.RefundableAtEnd, err = protocol.Refund(runsFrom(j, now)); err != nil {
			return Summary{}, err
		}
	default:
		s.EndsAt = j.StartedAt + j.DurationSecs
		s.PaidLeftSecs = max(0, s.EndsAt-now)
		if s.RefundableAtEnd, err = protocol.Refund(protocol.Ended(j, escrow.JobCompleted, s.EndsAt)); err != nil {
			return Summary{}, err
		}
	}
	if !Ended(j) {
		if s.RefundableNow, err = protocol.Refund(protocol.Ended(j, escrow.JobCancelled, protocol.CancelAt(j, now))); err != nil {
			return Summary{}, err
		}
	}
	s.Next = next(j, s, unsettledSlots(j), now)
	return s, nil
}

// runsFrom is job j, not started, as if every place were accepted at `at` and ran its whole
// paid time: its devices joined then, nothing paid yet.
func runsFrom(j *escrow.Job, at int64) *escrow.Job {
	r := *j
	r.StartedAt, r.EndedAt, r.State = at, at+j.DurationSecs, escrow.JobCompleted
	r.Slots, r.SlotCount = [len(j.Slots)]escrow.Slot{}, j.DeviceCount
	for i := range r.Slots[:r.SlotCount] {
		r.Slots[i] = escrow.Slot{State: escrow.SlotLeft, JoinedAt: at, LeftAt: r.EndedAt}
	}
	return &r
}

// next is the job's next step, for its renter.
func next(j *escrow.Job, s Summary, unsettled []string, now int64) string {
	id := s.ID
	switch j.State {
	case escrow.JobOpen, escrow.JobAssigned:
		if now >= s.AcceptBy {
			return fmt.Sprintf("not accepted in time (the window ended %s): expire_job refunds it in full (the keeper runs it), or `gpunet cancel %d` does now", When(s.AcceptBy), id)
		}
		if j.State == escrow.JobOpen {
			return fmt.Sprintf("waiting for devices to be proposed (none yet) until %s; unaccepted by then, it expires and is refunded in full", When(s.AcceptBy))
		}
		return fmt.Sprintf("waiting for %d of %d devices to accept until %s; unaccepted by then, it expires and is refunded in full",
			int(j.DeviceCount)-s.Accepted, j.DeviceCount, When(s.AcceptBy))
	case escrow.JobRunning:
		if now < s.EndsAt {
			return fmt.Sprintf("running until %s: `gpunet topup %d --hours H` extends it, `gpunet cancel %d` stops it", When(s.EndsAt), id, id)
		}
		return fmt.Sprintf("paid time over at %s: expire_job completes it (the keeper runs it), then `gpunet close %d`", When(s.EndsAt), id)
	}
	switch {
	case !protocol.UsageFinal(j, now) && j.PendingVotes > 0:
		return fmt.Sprintf("ended: the oracles' usage votes are being counted, then `gpunet close %d`", id)
	case !protocol.UsageFinal(j, now):
		return fmt.Sprintf("ended: the oracles may attest usage until %s, then `gpunet close %d`", When(j.EndedAt+j.UsageGraceSecs), id)
	case len(unsettled) > 0:
		return fmt.Sprintf("ended: %s verified time to settle (the keeper settles it), then `gpunet close %d`", slotsHave(unsettled), id)
	}
	return fmt.Sprintf("ended: run `gpunet close %d`", id)
}

// unsettledSlots are the indices of j's slots with verified time not paid yet.
func unsettledSlots(j *escrow.Job) []string {
	var out []string
	for i, sl := range j.Slots[:min(int(j.SlotCount), len(j.Slots))] {
		if sl.VerifiedSecs != sl.PaidSecs {
			out = append(out, fmt.Sprint(i))
		}
	}
	return out
}

func slotsHave(slots []string) string {
	if len(slots) == 1 {
		return "slot " + slots[0] + " has"
	}
	return "slots " + strings.Join(slots, ", ") + " have"
}

// CheckClose says why job j cannot be closed at now, with the escrow's named error that
// close_job would fail with (InvalidJobState, UsageNotFinal, UnsettledUsage), or nil.
func CheckClose(j *escrow.Job, now int64) error {
	id, unsettled := j.JobId, unsettledSlots(j)
	switch {
	case !Ended(j):
		return fmt.Errorf("job %d is %s, not ended (%w): `gpunet cancel %d` ends it now, or wait for its end", id, State(j), escrow.ErrInvalidJobState, id)
	case !protocol.UsageFinal(j, now) && j.PendingVotes > 0:
		return fmt.Errorf("job %d cannot close yet (%w): the oracles' usage votes are being counted; try again in a few minutes", id, escrow.ErrUsageNotFinal)
	case !protocol.UsageFinal(j, now):
		return fmt.Errorf("job %d cannot close yet (%w): the oracles may attest usage until %s; try again then", id, escrow.ErrUsageNotFinal, When(j.EndedAt+j.UsageGraceSecs))
	case len(unsettled) > 0:
		return fmt.Errorf("job %d cannot close yet (%w): %s verified time not paid yet; the keeper settles it (anyone may)", id, escrow.ErrUnsettledUsage, slotsHave(unsettled))
	}
	return nil
}

// When writes a chain time for people: UTC, to the second.
func When(unix int64) string { return time.Unix(unix, 0).UTC().Format(time.RFC3339) }
