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
)

// Positions of the slash instruction's accounts (idl/registry.json) the check reads.
const (
	slashDevice = 1
	slashJob    = 11
	slashFixed  = 12 // the co-signers follow
)

// cosignSlash co-signs a slash for job abandonment (wire.SlashPath) when the message is
// exactly that slash, names this oracle as a read-only co-signer that does not pay, and this
// oracle's own records show the abandonment (abandoned). Anyone may ask: a signature is only
// ever given to a transaction that does nothing but what this oracle would vote for.
func (s *Server) cosignSlash(c *fiber.Ctx) error {
	if !s.clients.allow(c.IP(), s.now()) {
		return s.refuse(c, refuse(http.StatusTooManyRequests, wire.ReasonRateLimited, "too many requests from this address"))
	}
	req, err := strict[wire.SlashRequest](c.Body())
	if err != nil {
		return s.refuse(c, refuse(http.StatusBadRequest, wire.ReasonMalformed, err.Error()))
	}
	if r := s.checkSlash(req); r != nil {
		return s.refuse(c, r)
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), s.timeout)
	defer cancel()
	if r := s.abandoned(ctx, req); r != nil {
		return s.refuse(c, r)
	}
	sig, err := s.key.Sign(req.Message)
	if err != nil {
		return err
	}
	return s.answer(c, http.StatusOK, wire.SlashAnswer{Oracle: s.key.PublicKey(), Signature: sig})
}

// checkSlash checks the message alone: one instruction, the registry's slash for job
// abandonment of req's device and job with req's evidence, this oracle among its co-signers,
// read-only and not the fee payer.
func (s *Server) checkSlash(req *wire.SlashRequest) *Refusal {
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
	evidence := wire.AbandonmentEvidence(req.Job, req.Slot, req.Device)
	data := []byte(ix.Data)
	if len(data) < 8+1+32 || !bytes.Equal(data[:8], registry.Instruction_Slash[:]) || data[8] != registry.OffenceJobAbandonment ||
		!bytes.Equal(data[9:41], evidence[:]) {
		return notSlash("not the registry's slash for abandoning slot %d of job %s by %s", req.Slot, req.Job, req.Device)
	}
	accounts, err := ix.ResolveInstructionAccounts(&msg)
	if err != nil || len(accounts) < slashFixed || accounts[slashDevice].PublicKey != req.Device || accounts[slashJob].PublicKey != req.Job {
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
// left before the job's end (replaced or quitting; the end releases every slot), and this
// oracle's last credit of its heartbeats ended before it left: the host was gone when it was
// replaced (a replacement needs a quorum to have seen it down for over a heartbeat interval;
// the chain's clock, in whole seconds, may trail the oracles' by up to a second, so no more
// room is asked). A device whose worker kept beating
// is not slashed, whatever its Ray node did: a node can fail for its head's sake (a member
// cannot serve without it), and it was paid nothing for the time it did not serve.
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
	left := slot.LeftAt * 1000
	beat, err := s.store.LastCredit(ctx, d.DeviceKey.String(), slot.JoinedAt*1000, left)
	if err != nil {
		return refuse(http.StatusServiceUnavailable, wire.ReasonUnavailable, "cannot read the database now")
	}
	if beat >= left {
		return refuse(http.StatusConflict, wire.ReasonNoEvidence, "this oracle credited the device's heartbeats until it left")
	}
	return nil
}
