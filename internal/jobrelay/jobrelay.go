package jobrelay

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/wire"
	onregistry "github.com/gpunet/gpunet/onchain/registry"
)

// ErrTampered means a relay served an entry that does not check: not signed by its signer, not
// bound to the job, or a spec whose hash is not the job's requirements_hash.
var ErrTampered = errors.New("relay entry does not check")

// maxBoard bounds a board read: a job's spec and 32 announcements of at most an oracle's body
// limit each, base64 in JSON.
const maxBoard = 8 << 20

// SpecBody is spec as the renter signs and publishes it, and its SHA-256: the
// requirements_hash its job is created with.
func SpecBody(spec wire.JobSpec) ([]byte, [32]byte, error) {
	body, err := json.Marshal(spec)
	if err != nil {
		return nil, [32]byte{}, fmt.Errorf("encode spec: %w", err)
	}
	return body, sha256.Sum256(body), nil
}

// PublishSpec puts the spec body (SpecBody's, exactly the bytes hashed on-chain) of job on
// the oracle at url, signed by renter.
func PublishSpec(ctx context.Context, url string, renter wire.Signer, job solana.PublicKey, body []byte) error {
	return put(ctx, url+wire.JobsPath+job.String()+wire.JobSpecPath, renter, body)
}

// Announce puts ann on the oracle at url, signed by device (ann.Device's key).
func Announce(ctx context.Context, url string, device wire.Signer, ann wire.NodeAnnouncement) error {
	body, err := json.Marshal(ann)
	if err != nil {
		return fmt.Errorf("encode announcement: %w", err)
	}
	return put(ctx, url+wire.JobsPath+ann.Job.String()+wire.JobNodePath, device, body)
}

func put(ctx context.Context, url string, signer wire.Signer, body []byte) error {
	sig, err := wire.Sign(signer, wire.DomainRequest, body)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set(wire.KeyHeader, signer.PublicKey().String())
	req.Header.Set(wire.SignatureHeader, sig.String())
	req.Header.Set("Content-Type", "application/json")
	_, err = do(req)
	return err
}

// do sends req and reads a 200's body; any other answer is an error wrapping its *wire.Problem.
func do(req *http.Request) ([]byte, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBoard+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s %s: read answer: %w", req.Method, req.URL, err)
	case len(body) > maxBoard:
		return nil, fmt.Errorf("%s %s: answer over %d bytes", req.Method, req.URL, maxBoard)
	case resp.StatusCode != http.StatusOK:
		p := &wire.Problem{}
		if json.Unmarshal(body, p) != nil || p.Reason == "" {
			return nil, fmt.Errorf("%s %s: %s", req.Method, req.URL, resp.Status)
		}
		return nil, fmt.Errorf("%s %s: %s: %w", req.Method, req.URL, resp.Status, p)
	}
	return body, nil
}

// Expect is what a reader knows of a job from the chain, which a board's entries must match.
type Expect struct {
	Job          solana.PublicKey
	Requirements [32]byte // the Job's requirements_hash
	// Slots are the registry Devices of the job's slots (the Job's Slots[i].Device), and
	// Registry derives a device key's Device: a node counts only from its slot's device.
	Slots    [escrow.MaxSlots]solana.PublicKey
	Registry onregistry.Program
	// Left are the slots whose device left: their entries, stale, are dropped.
	Left [escrow.MaxSlots]bool
}

// ExpectJob is what the escrow Job j at addr says, with reg the registry its devices are in.
func ExpectJob(addr solana.PublicKey, j *escrow.Job, reg onregistry.Program) Expect {
	e := Expect{Job: addr, Requirements: j.RequirementsHash, Registry: reg}
	for i, s := range j.Slots {
		e.Slots[i], e.Left[i] = s.Device, s.State == escrow.SlotLeft
	}
	return e
}

// Verified is a job's board whose every entry checked.
type Verified struct {
	Spec  *wire.JobSpec // nil until the renter published it
	Nodes map[uint8]wire.NodeAnnouncement
}

// Board reads a job's board from the oracle at url and checks every entry against e: the
// spec's SHA-256 must be the job's requirements_hash, each node signed by the device it names,
// for the job and the slot it is filed under, and that slot the device's on the chain. One
// entry that does not check refuses the whole board (ErrTampered): the relay lies. Entries of
// slots whose device left are dropped.
func Board(ctx context.Context, url string, e Expect) (*Verified, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+wire.JobsPath+e.Job.String(), nil)
	if err != nil {
		return nil, err
	}
	body, err := do(req)
	if err != nil {
		return nil, err
	}
	var b wire.JobBoard
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, fmt.Errorf("%s: decode board: %w", url, err)
	}
	v, err := e.verify(&b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	return v, nil
}

func (e Expect) verify(b *wire.JobBoard) (*Verified, error) {
	v := &Verified{Nodes: make(map[uint8]wire.NodeAnnouncement, len(b.Nodes))}
	if s := b.Spec; s != nil {
		if sha256.Sum256(s.Body) != e.Requirements {
			return nil, fmt.Errorf("spec: SHA-256 is not the job's requirements_hash: %w", ErrTampered)
		}
		if err := json.Unmarshal(s.Body, &v.Spec); err != nil || v.Spec.Job != e.Job {
			return nil, fmt.Errorf("spec: not job %s's: %w", e.Job, ErrTampered)
		}
	}
	for slot, n := range b.Nodes {
		if wire.Verify(n.Signer, wire.DomainRequest, n.Body, n.Signature) != nil {
			return nil, fmt.Errorf("slot %d: not signed by %s: %w", slot, n.Signer, ErrTampered)
		}
		var ann wire.NodeAnnouncement
		if err := json.Unmarshal(n.Body, &ann); err != nil || ann.Device != n.Signer || ann.Job != e.Job || ann.Slot != slot {
			return nil, fmt.Errorf("slot %d: not %s's announcement for this job and slot: %w", slot, n.Signer, ErrTampered)
		}
		if slot >= escrow.MaxSlots || e.Registry.DeviceAddress(ann.Device) != e.Slots[slot] {
			return nil, fmt.Errorf("slot %d: %s is not the slot's device: %w", slot, ann.Device, ErrTampered)
		}
		if !e.Left[slot] {
			v.Nodes[slot] = ann
		}
	}
	return v, nil
}

// Gather reads a job's board from every oracle in urls and merges what checks: the spec, and
// per slot the newest announcement any of them has, so an oracle that withholds or serves an
// old entry is outdone by one that does not. It fails only when no oracle gave a verified
// board.
func Gather(ctx context.Context, urls []string, e Expect) (*Verified, error) {
	var (
		out  *Verified
		errs []error
	)
	for _, url := range urls {
		v, err := Board(ctx, url, e)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if out == nil {
			out = &Verified{Nodes: map[uint8]wire.NodeAnnouncement{}}
		}
		if out.Spec == nil {
			out.Spec = v.Spec
		}
		for slot, ann := range v.Nodes {
			if have, ok := out.Nodes[slot]; !ok || ann.Timestamp > have.Timestamp {
				out.Nodes[slot] = ann
			}
		}
	}
	if out == nil {
		return nil, fmt.Errorf("no oracle answered a verified board: %w", errors.Join(errs...))
	}
	return out, nil
}
