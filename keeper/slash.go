package keeper

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/jobhealth"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/internal/wire"
	onregistry "github.com/gpunet/gpunet/onchain/registry"
)

// Kinds of the slashing cranks.
const (
	KindSlash    = "slash"
	KindFinalize = "finalize_slash"
)

// slashWithin is how long after a device left a job the keeper still looks for an abandonment
// to slash: past it a slot is not asked about again (a keeper down that long lets it go).
const slashWithin = 10 * time.Minute

// declinedFor is how long a slot the oracles would not co-sign a slash for (some did not
// answer, say) is left alone.
const declinedFor = time.Minute

// abandonments slashes the devices that left j's slots before its end in the last slashWithin
// while down:
// the oracles decide (wire.SlashPath), the keeper assembles and pays. A slot whose record
// exists is done; one a quorum declined is asked again after declinedFor.
func (k *Keeper) abandonments(ctx context.Context, rc *registry.Config, client *http.Client, job solana.PublicKey, j *escrow.Job, now int64) error {
	var errs []error
	for i, s := range j.Slots[:min(int(j.SlotCount), len(j.Slots))] {
		slot := uint8(i)
		if !protocol.LeftBeforeTheEnd(j, &s) || s.LeftAt < now-int64(slashWithin/time.Second) ||
			time.Since(k.declined[fault{job, slot}]) < declinedFor {
			continue
		}
		evidence := wire.AbandonmentEvidence(job, slot, s.Device)
		if _, err := k.net.Client.AccountData(ctx, k.net.Registry.SlashAddress(s.Device, evidence)); err == nil {
			continue // slashed already
		} else if !errors.Is(err, chain.ErrAccountNotFound) {
			errs = append(errs, k.fail("accounts", err))
			continue
		}
		if err := k.slash(ctx, rc, client, job, slot, s.Device, evidence); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// slash assembles the slash of device for abandoning job's slot: it names every oracle that
// answers a health report of the job as a co-signer, asks each to sign, and sends it when a
// quorum did; when some declined, it asks those that signed once more, as the only co-signers.
func (k *Keeper) slash(ctx context.Context, rc *registry.Config, client *http.Client, job solana.PublicKey, slot uint8, device solana.PublicKey, evidence [32]byte) error {
	params := &rc.Params
	d, err := k.net.Registry.FetchDeviceAt(ctx, k.net.Client, device)
	if err != nil {
		return k.fail("accounts", err)
	}
	oracles := params.Oracles[:min(int(params.OracleCount), len(params.Oracles))]
	reports, _ := jobhealth.Ask(ctx, client, k.cfg.OracleURLs(), job, oracles, time.Now())
	attrs := []any{"job", job.String(), "slot", slot, "device", device.String(), "evidence", solana.PublicKeyFromBytes(evidence[:]).String()}
	for range 2 {
		if len(reports) < int(params.OracleQuorum) {
			k.declined[fault{job, slot}] = time.Now()
			k.log.Info("slash not co-signed by a quorum", append(attrs, "willing", len(reports))...)
			return nil
		}
		cosigners := make([]solana.PublicKey, len(reports))
		for i, r := range reports {
			cosigners[i] = r.Oracle
		}
		ix, err := k.net.Registry.SlashJob(k.payer.PublicKey(), d.Owner, d.DeviceKey, rc.IoMint,
			onregistry.AbandonedJob{Job: job, Escrow: k.net.Escrow.ID}, registry.OffenceJobAbandonment, evidence, cosigners...)
		if err != nil {
			return err
		}
		tx, err := k.net.Client.Build(ctx, []solana.Instruction{ix}, k.payer.PublicKey())
		if err != nil {
			return k.fail(KindSlash, err)
		}
		msg, err := tx.Message.MarshalBinary()
		if err != nil {
			return err
		}
		var signed []jobhealth.Report
		sigs := map[solana.PublicKey]solana.Signature{}
		refused := 0
		for _, r := range reports {
			sig, err := cosign(ctx, client, r, wire.SlashRequest{Job: job, Slot: slot, Device: device, Message: msg})
			if err != nil {
				if errors.Is(err, errNoEvidence) {
					refused++
				}
				k.log.Info("oracle declined to co-sign a slash", append(attrs, "oracle", r.Oracle.String(), "why", err)...)
				continue
			}
			signed, sigs[r.Oracle] = append(signed, r), sig
		}
		if int(params.OracleCount)-refused < int(params.OracleQuorum) {
			// the oracles' records show no abandonment: a verdict on the past, not asked again
			k.declined[fault{job, slot}] = time.Now().Add(slashWithin - declinedFor)
			k.log.Info("no abandonment: the oracles' records show the device serving", attrs...)
			return nil
		}
		if len(signed) < len(reports) {
			reports = signed
			continue
		}
		if _, err := chain.Sign(tx, k.payer); err != nil {
			return err
		}
		for i, key := range tx.Message.AccountKeys[:tx.Message.Header.NumRequiredSignatures] {
			if sig, ok := sigs[key]; ok {
				tx.Signatures[i] = sig
			}
		}
		sig, err := k.net.Client.SendSigned(ctx, tx)
		return k.outcome(ctx, KindSlash, sig, err, []error{registry.ErrSlashAlreadyPending}, nil, append(attrs, "cosigners", cosigners)...)
	}
	k.declined[fault{job, slot}] = time.Now()
	return nil
}

// errNoEvidence is an oracle's refusal to co-sign because its records do not show the offence.
var errNoEvidence = errors.New("the oracle's records do not show the abandonment")

// cosign asks the oracle of r to co-sign req's message and checks its answer: signed by it,
// and its signature of the message.
func cosign(ctx context.Context, client *http.Client, r jobhealth.Report, req wire.SlashRequest) (solana.Signature, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return solana.Signature{}, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL+wire.SlashPath, bytes.NewReader(body))
	if err != nil {
		return solana.Signature{}, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(hreq)
	if err != nil {
		return solana.Signature{}, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return solana.Signature{}, err
	}
	if _, err := wire.VerifyAnswer(resp.Header, answer, []solana.PublicKey{r.Oracle}); err != nil {
		return solana.Signature{}, err
	}
	if resp.StatusCode == http.StatusConflict {
		return solana.Signature{}, fmt.Errorf("%w: %s", errNoEvidence, answer)
	}
	if resp.StatusCode != http.StatusOK {
		return solana.Signature{}, fmt.Errorf("%s: %s", resp.Status, answer)
	}
	var a wire.SlashAnswer
	if err := json.Unmarshal(answer, &a); err != nil {
		return solana.Signature{}, err
	}
	if a.Oracle != r.Oracle || !a.Signature.Verify(r.Oracle, req.Message) {
		return solana.Signature{}, errors.New("the answer's signature is not the oracle's of the message")
	}
	return a.Signature, nil
}

// finalizeSlashes finalizes the pending slashes this keeper's payer made whose appeal window
// passed (finalize_slash returns the escrow's rent to the record's payer, which must sign
// nothing, but only the payer's keeper has a reason to send it on time; anyone may): the
// compensation share goes to the beneficiary renter (its IO account created when missing) or
// the pool.
func (k *Keeper) finalizeSlashes(ctx context.Context, rc *registry.Config, now int64) error {
	accounts, err := k.net.Client.ProgramAccounts(ctx, k.net.Registry.ID, chain.Memcmp(0, registry.Account_SlashRecord[:]))
	if err != nil {
		return k.fail("slashes", fmt.Errorf("scan slash records: %w", err))
	}
	var errs []error
	for _, a := range accounts {
		r, err := registry.ParseAccount_SlashRecord(a.Data)
		if err != nil || r.Status != registry.SlashStatusPending || r.AppealDeadline > now {
			continue
		}
		d, err := k.net.Registry.FetchDeviceAt(ctx, k.net.Client, r.Device)
		if err != nil {
			errs = append(errs, k.fail("accounts", err))
			continue
		}
		ixs, err := k.net.Registry.FinalizeSlashFor(ctx, k.net.Client, k.payer.PublicKey(), d.DeviceKey, r.EvidenceHash, rc.IoMint, rc.Params.Treasury, rc.Params.CompensationPool)
		if err == nil {
			// finalized meanwhile: the record says Finalized (InvalidSlashStatus or the like)
			err = k.send(ctx, KindFinalize, ixs, []error{registry.ErrSlashNotPending}, []error{registry.ErrAppealWindowOpen},
				"device", r.Device.String(), "record", a.Address.String(), "beneficiary", r.Beneficiary.String())
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
