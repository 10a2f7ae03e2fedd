package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gofiber/fiber/v2"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/wire"
)

// startGrace is how long a hired device whose node never came up on the job is still counted
// as starting (wire.ReasonStarting): a member's node waits for the head's, and a Ray node takes
// 7 to 25 s to start on a small host.
const startGrace = 2 * time.Minute

// health answers this oracle's wire.JobHealth of a running job: each hired slot judged from
// the heartbeats this oracle credited (judge).
func (s *Server) health(c *fiber.Ctx) error {
	job, r := s.readJob(c)
	if r != nil {
		return s.refuse(c, r)
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), s.timeout)
	defer cancel()
	j, r := s.job(ctx, job)
	if r != nil {
		return s.refuse(c, r)
	}
	cfg, err := s.registry.Config(ctx)
	if err != nil {
		return s.refuse(c, refuse(http.StatusServiceUnavailable, wire.ReasonUnavailable, "cannot read the registry now"))
	}
	out, err := s.judge(ctx, job, j, time.Duration(cfg.Params.HeartbeatIntervalSecs)*time.Second, s.now())
	if err != nil {
		return s.refuse(c, refuse(http.StatusServiceUnavailable, wire.ReasonUnavailable, "cannot judge the job now: "+err.Error()))
	}
	return s.answer(c, http.StatusOK, out)
}

// judge is the health of j's hired slots at now. A device is up while its last credit, and its
// last credit on the job, end no earlier than one heartbeat interval ago (candidates.Live's
// room; a late heartbeat credits nothing): its own for the head, and also the head's listing
// of it for a member. While the head is down a beating member is not blamed for its node
// (wire.ReasonNoHead): it cannot serve without a head, so one dead head condemns no member.
func (s *Server) judge(ctx context.Context, job solana.PublicKey, j *escrow.Job, interval time.Duration, now time.Time) (*wire.JobHealth, error) {
	out := &wire.JobHealth{Oracle: s.key.PublicKey(), Job: job, At: now.UnixMilli(), Slots: []wire.SlotHealth{}}
	if j.State != escrow.JobRunning {
		return out, nil
	}
	nowMs, room := now.UnixMilli(), interval.Milliseconds()
	slots := j.Slots[:min(int(j.SlotCount), len(j.Slots))]
	keys := make([]string, len(slots))
	for i, slot := range slots {
		if slot.State != escrow.SlotHired {
			continue
		}
		d, err := s.jobs.DeviceAt(ctx, slot.Device)
		if err != nil {
			return nil, err
		}
		keys[i] = d.DeviceKey.String()
	}
	headUp := true
	for i, slot := range slots {
		if keys[i] == "" {
			continue
		}
		joined := slot.JoinedAt * 1000
		h := wire.SlotHealth{Slot: uint8(i), Device: slot.Device, Up: true}
		beat, err := s.store.LastCredit(ctx, keys[i], joined, nowMs)
		if err != nil {
			return nil, err
		}
		served, err := s.store.LastJobCredit(ctx, keys[i], job.String(), joined, nowMs)
		if err != nil {
			return nil, err
		}
		if i != wire.HeadSlot && headUp && keys[wire.HeadSlot] != "" {
			listed, err := s.store.LastHeadCredit(ctx, keys[wire.HeadSlot], job.String(), keys[i], joined, nowMs)
			if err != nil {
				return nil, err
			}
			served = min(served, listed)
		}
		switch {
		case beat < nowMs-room:
			h.Up, h.Reason = false, wire.ReasonNoHeartbeat
		case served >= nowMs-room:
		case i != wire.HeadSlot && !headUp:
			h.Reason = wire.ReasonNoHead
		case served == 0 && nowMs-joined < startGrace.Milliseconds():
			h.Reason = wire.ReasonStarting
		default:
			h.Up, h.Reason = false, wire.ReasonNodeLeft
		}
		switch h.Reason {
		case wire.ReasonNoHeartbeat:
			h.Since = max(beat, joined)
		case wire.ReasonNodeLeft:
			h.Since = max(served, joined)
		}
		if i == wire.HeadSlot {
			headUp = h.Up
		}
		out.Slots = append(out.Slots, h)
	}
	return out, nil
}
