package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	bin "github.com/gagliardetto/binary"
	"github.com/gagliardetto/solana-go"
	"github.com/gofiber/fiber/v2"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/internal/wire"
	"github.com/gpunet/gpunet/oracle/store"
)

// Positions of the slash instruction's accounts (idl/registry.json) the check reads.
const (
	slashDevice = 1
	slashJob    = 11
	slashFixed  = 12 // the co-signers follow
)

// cosignSlash co-signs a slash (wire.SlashPath) for job abandonment or a failed challenge when
// the message is exactly that slash, names this oracle as a read-only co-signer that does not
// pay, and this oracle's own records show the offence (abandoned, failedChallenge). Anyone may
// ask: a signature is only ever given to a transaction that does nothing but what this oracle
// would vote for.
func (s *Server) cosignSlash(c *fiber.Ctx) error {
	if !s.clients.Allow(c.IP(), s.now()) {
		return s.refuse(c, refuse(http.StatusTooManyRequests, wire.ReasonRateLimited, "too many requests from this address"))
	}
	req, err := strict[wire.SlashRequest](c.Body())
	if err != nil {
		return s.refuse(c, refuse(http.StatusBadRequest, wire.ReasonMalformed, err.Error()))
	}
	evidence, job, shows := s.offence(req)
	if shows == nil {
		return s.refuse(c, refuse(http.StatusBadRequest, wire.ReasonNotASlash, fmt.Sprintf("offence %d: this oracle co-signs job abandonment and failed challenges", req.Offence)))
	}
	if r := s.checkSlash(req, evidence, job); r != nil {
		return s.refuse(c, r)
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), s.timeout)
	defer cancel()
	if r := shows(ctx, req); r != nil {
		return s.refuse(c, r)
	}
	sig, err := s.key.Sign(req.Message)
	if err != nil {
		return err
	}
	return s.answer(c, http.StatusOK, wire.SlashAnswer{Oracle: s.key.PublicKey(), Signature: sig})
}

// offence is what a slash for req's offence must carry, the evidence hash and the job account,
// and the check of this oracle's records that shows it (nil: an offence this oracle does not
// co-sign).
func (s *Server) offence(req *wire.SlashRequest) (evidence [32]byte, job solana.PublicKey, shows func(context.Context, *wire.SlashRequest) *Refusal) {
	switch req.Offence {
	case registry.OffenceJobAbandonment:
		return wire.AbandonmentEvidence(req.Job, req.Slot, req.Device), req.Job, s.abandoned
	case registry.OffenceFailedChallenge:
		return wire.FailedChallengeEvidence(req.Device, req.Failures), solana.SystemProgramID, s.failedChallenge
	}
	return evidence, job, nil
}

// checkSlash checks the message alone: one instruction, the registry's slash for req's offence
// of req's device with evidence, naming job, this oracle among its co-signers, read-only and
// not the fee payer.
func (s *Server) checkSlash(req *wire.SlashRequest, evidence [32]byte, job solana.PublicKey) *Refusal {
	var msg solana.Message
	if err := msg.UnmarshalWithDecoder(bin.NewBinDecoder(req.Message)); err != nil {
		return refuse(http.StatusBadRequest, wire.ReasonMalformed, "message: "+err.Error())
	}
	notSlash := func(format string, a ...any) *Refusal {
		return refuse(http.StatusBadRequest, wire.ReasonNotASlash, fmt.Sprintf(format, a...))
	}
	if len(msg.Instructions) != 1 || msg.IsVersioned() {
		return notSlash("a legacy message of exactly one instruction, the slash")
	}
	ix := msg.Instructions[0]
	program, err := msg.Program(ix.ProgramIDIndex)
	if err != nil || program != s.jobs.RegistryID() {
		return notSlash("the instruction is not the registry's")
	}
	data := []byte(ix.Data)
	if len(data) < 8+1+32 || !bytes.Equal(data[:8], registry.Instruction_Slash[:]) || data[8] != req.Offence ||
		!bytes.Equal(data[9:41], evidence[:]) {
		return notSlash("not the registry's slash of %s for offence %d with the request's evidence", req.Device, req.Offence)
	}
	accounts, err := ix.ResolveInstructionAccounts(&msg)
	if err != nil || len(accounts) < slashFixed || accounts[slashDevice].PublicKey != req.Device || accounts[slashJob].PublicKey != job {
		return notSlash("the slash's device or job is not the request's")
	}
	me := s.key.PublicKey()
	cosigner := false
	for _, a := range accounts[slashFixed:] {
		cosigner = cosigner || a.PublicKey == me && a.IsSigner && !a.IsWritable
	}
	if writable, _ := msg.IsWritable(me); !cosigner || writable || msg.AccountKeys[0] == me {
		return refuse(http.StatusBadRequest, wire.ReasonNotCosigner, "the message must name this oracle as a read-only co-signer that does not pay")
	}
	return nil
}

// abandoned checks this oracle's records: the job's slot held the device, which joined and then
// left before the job's end (replaced or quitting; the end releases every slot), and, judged
// wire.AbandonmentJudgedAfter heartbeat intervals after it left, this oracle's last credit of
// its heartbeats ended before wire.AbandonmentHeardWithin of them: the host was gone. A device
// whose worker kept beating is not slashed, whatever its Ray node did: a node can fail for its
// head's sake (a member cannot serve without it), and it was paid nothing for the time it did
// not serve.
func (s *Server) abandoned(ctx context.Context, req *wire.SlashRequest) *Refusal {
	j, r := s.job(ctx, req.Job)
	if r != nil {
		return r
	}
	if int(req.Slot) >= int(j.SlotCount) || int(req.Slot) >= len(j.Slots) {
		return refuse(http.StatusConflict, wire.ReasonNoEvidence, "the job has no such slot")
	}
	slot := j.Slots[req.Slot]
	if slot.Device != req.Device || !protocol.LeftBeforeTheEnd(j, &slot) {
		return refuse(http.StatusConflict, wire.ReasonNoEvidence, "the slot's device did not join and then leave the job before its end")
	}
	d, err := s.jobs.DeviceAt(ctx, req.Device)
	if err != nil {
		return refuse(http.StatusServiceUnavailable, wire.ReasonUnavailable, "cannot read the device now")
	}
	cfg, err := s.registry.Config(ctx)
	if err != nil {
		return refuse(http.StatusServiceUnavailable, wire.ReasonUnavailable, "cannot read the registry now")
	}
	interval := cfg.Params.HeartbeatIntervalSecs * 1000
	left, now := slot.LeftAt*1000, s.now().UnixMilli()
	if now < left+wire.AbandonmentJudgedAfter*interval {
		return refuse(http.StatusTooEarly, wire.ReasonTooEarly, fmt.Sprintf("judged %d heartbeat intervals after the device left", wire.AbandonmentJudgedAfter))
	}
	beat, err := s.store.LastCredit(ctx, d.DeviceKey.String(), slot.JoinedAt*1000, now)
	if err != nil {
		return refuse(http.StatusServiceUnavailable, wire.ReasonUnavailable, "cannot read the database now")
	}
	if beat >= left+wire.AbandonmentHeardWithin*interval {
		return refuse(http.StatusConflict, wire.ReasonNoEvidence, "this oracle heard the device after it left the job")
	}
	return nil
}

// failedChallenge checks this oracle's records of a failed challenge: the registry tallied
// req.Failures failed challenges of the device (a quorum of the oracles' latest outcomes
// failed), and this oracle's own latest decided challenge of it failed too.
func (s *Server) failedChallenge(ctx context.Context, req *wire.SlashRequest) *Refusal {
	d, err := s.jobs.DeviceAt(ctx, req.Device)
	if err != nil {
		return refuse(http.StatusServiceUnavailable, wire.ReasonUnavailable, "cannot read the device now")
	}
	if req.Failures == 0 || d.ChallengesFailed != req.Failures {
		return refuse(http.StatusConflict, wire.ReasonNoEvidence, fmt.Sprintf("the registry tallied %d failed challenges of the device, not %d", d.ChallengesFailed, req.Failures))
	}
	recent, err := s.store.Challenges(ctx, d.DeviceKey.String(), 2) // one may be under way
	if err != nil {
		return refuse(http.StatusServiceUnavailable, wire.ReasonUnavailable, "cannot read the database now")
	}
	for _, c := range recent {
		if c.State == store.Fail {
			return nil
		}
		if c.State == store.Passed {
			break
		}
	}
	return refuse(http.StatusConflict, wire.ReasonNoEvidence, "this oracle's latest decided challenge of the device did not fail")
}
