package api

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/gagliardetto/solana-go"
	"github.com/gofiber/fiber/v2"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/wire"
	"github.com/gpunet/gpunet/oracle/store"
	"github.com/gpunet/gpunet/oracle/view"
)

// Jobs is what the relay reads of the chain: escrow Jobs (view.ErrUnknownJob, view.ErrBusy),
// where a device key's registry Device is, as a Job's slots name it, and the Device at such an
// address.
type Jobs interface {
	Job(ctx context.Context, job solana.PublicKey) (*escrow.Job, error)
	DeviceAddress(deviceKey solana.PublicKey) solana.PublicKey
	DeviceAt(ctx context.Context, address solana.PublicKey) (*registry.Device, error)
	RegistryID() solana.PublicKey
}

// Bounds of a head's sealed tokens: the renter's and one per slot of a job, each a sealed box
// (jobsecret.SealedSize, 80 bytes) with room for another format.
const (
	maxSealed     = int(escrow.MaxSlots) + 1
	maxSealedSize = 256
)

// Relay serves the job relay (wire.JobsPath) reading jobs from jobs: PUT of a renter's spec
// and of a hired device's node announcement, each checked against the chain and stored as
// signed; GET of a job's board. Writers share a rate limit per signer (as many as heartbeats),
// readers the status endpoint's per address; GET of a job's health (health.go); POST of a
// slash to co-sign (slash.go).
func (s *Server) Relay(jobs Jobs) {
	s.jobs = jobs
	s.app.Put(wire.JobsPath+":job"+wire.JobSpecPath, func(c *fiber.Ctx) error { return s.relayPut(c, s.putSpec) })
	s.app.Put(wire.JobsPath+":job"+wire.JobNodePath, func(c *fiber.Ctx) error { return s.relayPut(c, s.putNode) })
	s.app.Get(wire.JobsPath+":job", s.board)
	s.app.Get(wire.JobsPath+":job"+wire.JobHealthPath, s.health)
	s.app.Post(wire.SlashPath, s.cosignSlash)
}

// relayPut checks a relay PUT's path and signature, then answers what put says: the entry as
// stored, signed by this oracle as a receipt.
func (s *Server) relayPut(c *fiber.Ctx, put func(context.Context, solana.PublicKey, wire.Signed) *Refusal) error {
	job, err := solana.PublicKeyFromBase58(c.Params("job"))
	if err != nil {
		return s.refuse(c, refuse(http.StatusBadRequest, wire.ReasonMalformed, "not a base58 job address"))
	}
	signer, r := signedBy(c.Get(wire.KeyHeader), c.Get(wire.SignatureHeader), c.Body())
	if r != nil {
		return s.refuse(c, r)
	}
	sig, _ := solana.SignatureFromBase58(c.Get(wire.SignatureHeader)) // checked by signedBy
	entry := wire.Signed{Body: c.Body(), Signer: signer, Signature: sig}
	ctx, cancel := context.WithTimeout(c.UserContext(), s.timeout)
	defer cancel()
	if r := put(ctx, job, entry); r != nil {
		return s.refuse(c, r)
	}
	return s.answer(c, http.StatusOK, entry)
}

// putSpec takes the renter's spec of job: it must name job, the job must exist, the signer be
// its renter and the body's SHA-256 its requirements_hash.
func (s *Server) putSpec(ctx context.Context, job solana.PublicKey, e wire.Signed) *Refusal {
	spec, err := strict[wire.JobSpec](e.Body)
	if err != nil {
		return refuse(http.StatusBadRequest, wire.ReasonMalformed, err.Error())
	}
	if spec.Job != job {
		return refuse(http.StatusBadRequest, wire.ReasonWrongJob, "the spec names job "+spec.Job.String())
	}
	j, r := s.job(ctx, job)
	if r != nil {
		return r
	}
	if e.Signer != j.Renter {
		return refuse(http.StatusForbidden, wire.ReasonNotRenter, "signed by "+e.Signer.String()+", not the job's renter")
	}
	if sha256.Sum256(e.Body) != j.RequirementsHash {
		return refuse(http.StatusConflict, wire.ReasonRequirements, "the body's SHA-256 is not the job's requirements_hash")
	}
	if r := s.allowSigner(e.Signer); r != nil {
		return r
	}
	if err := s.store.PutSpec(ctx, job, e); err != nil {
		return refuse(http.StatusServiceUnavailable, wire.ReasonUnavailable, "cannot store the spec now")
	}
	return nil
}

// putNode takes a device's announcement on job: signed by the device, naming job, well
// formed, and the job's slot holding the device's registry Device, proposed or hired.
func (s *Server) putNode(ctx context.Context, job solana.PublicKey, e wire.Signed) *Refusal {
	ann, err := strict[wire.NodeAnnouncement](e.Body)
	if err == nil {
		err = checkNode(ann)
	}
	switch {
	case err != nil:
		return refuse(http.StatusBadRequest, wire.ReasonMalformed, err.Error())
	case ann.Device != e.Signer:
		return refuse(http.StatusBadRequest, wire.ReasonWrongDevice, "signed by "+e.Signer.String()+", not the device "+ann.Device.String())
	case ann.Job != job:
		return refuse(http.StatusBadRequest, wire.ReasonWrongJob, "the announcement names job "+ann.Job.String())
	}
	j, r := s.job(ctx, job)
	if r != nil {
		return r
	}
	slot := j.Slots[ann.Slot]
	if slot.Device != s.jobs.DeviceAddress(ann.Device) || (slot.State != escrow.SlotProposed && slot.State != escrow.SlotHired) {
		return refuse(http.StatusForbidden, wire.ReasonNotInSlot, fmt.Sprintf("slot %d of the job is not the device's, or it left", ann.Slot))
	}
	if r := s.allowSigner(e.Signer); r != nil {
		return r
	}
	err = s.store.PutNode(ctx, store.Node{Job: job, Device: ann.Device, Slot: ann.Slot, Timestamp: ann.Timestamp, Body: e.Body, Signature: e.Signature})
	switch {
	case errors.Is(err, store.ErrReplayed):
		return refuse(http.StatusConflict, wire.ReasonReplayed, "an announcement of this device on the job as new or newer is stored")
	case err != nil:
		return refuse(http.StatusServiceUnavailable, wire.ReasonUnavailable, "cannot store the announcement now")
	}
	return nil
}

// checkNode checks what an announcement says alone: a slot of a job, an IP address, a
// positive timestamp, and the head's endpoints only on the head's slot, with real ports and
// bounded sealed tokens to the renter or device keys.
func checkNode(ann *wire.NodeAnnouncement) error {
	if ann.Slot >= escrow.MaxSlots {
		return fmt.Errorf("slot %d: a job has %d", ann.Slot, escrow.MaxSlots)
	}
	if ip := net.ParseIP(ann.Address); ip == nil || ip.IsUnspecified() {
		return fmt.Errorf("address %q is not an IP address a node can be reached at", ann.Address)
	}
	if ann.Timestamp <= 0 {
		return errors.New("timestamp_ms must be positive")
	}
	h := ann.Head
	if h == nil {
		return nil
	}
	if ann.Slot != wire.HeadSlot {
		return fmt.Errorf("head endpoints on slot %d: only slot %d runs the head", ann.Slot, wire.HeadSlot)
	}
	for _, p := range []int{h.GCSPort, h.DashboardPort, h.ClientPort} {
		if p < 1 || p > 65535 {
			return fmt.Errorf("port %d not in 1..65535", p)
		}
	}
	if len(h.Sealed) > maxSealed {
		return fmt.Errorf("%d sealed tokens: at most %d", len(h.Sealed), maxSealed)
	}
	for to, sealed := range h.Sealed {
		if _, err := solana.PublicKeyFromBase58(to); err != nil && to != wire.SealedForRenter {
			return fmt.Errorf("sealed token for %q: neither %q nor a device key", to, wire.SealedForRenter)
		}
		if len(sealed) > maxSealedSize {
			return fmt.Errorf("sealed token for %s: %d bytes, at most %d", to, len(sealed), maxSealedSize)
		}
	}
	return nil
}

// job is the escrow Job at addr, or the refusal that says why not.
func (s *Server) job(ctx context.Context, addr solana.PublicKey) (*escrow.Job, *Refusal) {
	j, err := s.jobs.Job(ctx, addr)
	switch {
	case errors.Is(err, view.ErrBusy):
		return nil, refuse(http.StatusTooManyRequests, wire.ReasonRateLimited, "too many chain lookups of new jobs; retry later")
	case errors.Is(err, view.ErrUnknownJob):
		return nil, refuse(http.StatusNotFound, wire.ReasonUnknownJob, "the escrow has no job "+addr.String())
	case err != nil:
		return nil, refuse(http.StatusServiceUnavailable, wire.ReasonUnavailable, "cannot read the chain now")
	}
	return j, nil
}

// allowSigner takes a token of the relay's limit for signer: after the chain's checks, so only
// keys of a job's renter or devices take a place in the limiter.
func (s *Server) allowSigner(signer solana.PublicKey) *Refusal {
	if !s.signers.Allow(signer, s.now()) {
		return refuse(http.StatusTooManyRequests, wire.ReasonRateLimited, "too many relay writes from this key")
	}
	return nil
}

// readJob is the job of a public read's path, within the reader's rate limit.
func (s *Server) readJob(c *fiber.Ctx) (solana.PublicKey, *Refusal) {
	job, err := solana.PublicKeyFromBase58(c.Params("job"))
	if err != nil {
		return job, refuse(http.StatusBadRequest, wire.ReasonMalformed, "not a base58 job address")
	}
	if !s.clients.Allow(c.IP(), s.now()) {
		return job, refuse(http.StatusTooManyRequests, wire.ReasonRateLimited, "too many reads from this address")
	}
	return job, nil
}

func (s *Server) board(c *fiber.Ctx) error {
	job, r := s.readJob(c)
	if r != nil {
		return s.refuse(c, r)
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), s.timeout)
	defer cancel()
	b, found, err := s.store.Board(ctx, job)
	switch {
	case err != nil:
		return s.refuse(c, refuse(http.StatusServiceUnavailable, wire.ReasonUnavailable, "cannot read the database now"))
	case !found:
		return s.refuse(c, refuse(http.StatusNotFound, wire.ReasonUnknownJob, "nothing stored for job "+job.String()))
	}
	return s.answer(c, http.StatusOK, b)
}
