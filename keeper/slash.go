package keeper

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
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

// declinedFor is how long a slash the oracles would not co-sign (some did not answer, say) is
// left alone.
const declinedFor = time.Minute

// slashing is one slash the keeper may assemble: the oracles' request (offence, device,
// evidence inputs), the job it names (onregistry.NoJob for none) and its evidence hash, which
// also keys the keeper's memory of declined slashes.
type slashing struct {
	req      wire.SlashRequest
	job      onregistry.AbandonedJob
	evidence [32]byte
}

// abandonments slashes the devices that left j's slots before its end in the last slashWithin
// while down, once the oracles can judge it (wire.AbandonmentJudgedAfter): the oracles decide
// (wire.SlashPath), the keeper assembles and pays.
func (k *Keeper) abandonments(ctx context.Context, rc *registry.Config, client *http.Client, job solana.PublicKey, j *escrow.Job, now int64) error {
	var errs []error
	judged := wire.AbandonmentJudgedAfter * rc.Params.HeartbeatIntervalSecs
	for i, s := range j.Slots[:min(int(j.SlotCount), len(j.Slots))] {
		if !protocol.LeftBeforeTheEnd(j, &s) || s.LeftAt < now-int64(slashWithin/time.Second) || now < s.LeftAt+judged {
			continue
		}
		slot := uint8(i)
		errs = append(errs, k.slashOnce(ctx, rc, client, slashing{
			req:      wire.SlashRequest{Offence: registry.OffenceJobAbandonment, Device: s.Device, Job: job, Slot: slot},
			job:      onregistry.AbandonedJob{Job: job, Escrow: k.net.Escrow.ID},
			evidence: wire.AbandonmentEvidence(job, slot, s.Device),
		}))
	}
	return errors.Join(errs...)
}

// failedChallenges slashes the devices whose latest failed challenge the registry tallied (a
// quorum of the oracles' latest outcomes failed: challenges_failed) and that have no such slash
// pending: one slash per tally, the compensation to the pool. A scan of every Device.
func (k *Keeper) failedChallenges(ctx context.Context, rc *registry.Config, client *http.Client) error {
	devices, err := k.net.Registry.Devices(ctx, k.net.Client)
	if err != nil {
		return k.fail("devices", fmt.Errorf("scan devices: %w", err))
	}
	var errs []error
	for _, d := range devices {
		if d.Device.ChallengesFailed == 0 || d.Device.Status == registry.StatusDeregistered ||
			d.Device.PendingOffences&(1<<registry.OffenceFailedChallenge) != 0 {
			continue
		}
		errs = append(errs, k.slashOnce(ctx, rc, client, slashing{
			req:      wire.SlashRequest{Offence: registry.OffenceFailedChallenge, Device: d.Address, Failures: d.Device.ChallengesFailed},
			job:      onregistry.NoJob,
			evidence: wire.FailedChallengeEvidence(d.Address, d.Device.ChallengesFailed),
		}))
	}
	return errors.Join(errs...)
}

// slashOnce slashes s unless its record exists (done) or the oracles declined it lately.
func (k *Keeper) slashOnce(ctx context.Context, rc *registry.Config, client *http.Client, s slashing) error {
	if time.Since(k.declined[s.evidence]) < declinedFor {
		return nil
	}
	if _, err := k.net.Client.AccountData(ctx, k.net.Registry.SlashAddress(s.req.Device, s.evidence)); err == nil {
		return nil // slashed already
	} else if !errors.Is(err, chain.ErrAccountNotFound) {
		return k.fail("accounts", err)
	}
	return k.slash(ctx, rc, client, s)
}

// slash assembles s: it names every oracle that answers as a co-signer, asks each to sign, and
// sends it when all did; when some declined but a quorum signed, it asks those once more, as
// the only co-signers. When so many refuse for want of evidence that no quorum can sign, the
// verdict is on the past: s is not asked again for slashWithin.
func (k *Keeper) slash(ctx context.Context, rc *registry.Config, client *http.Client, s slashing) error {
	params := &rc.Params
	d, err := k.net.Registry.FetchDeviceAt(ctx, k.net.Client, s.req.Device)
	if err != nil {
		return k.fail("accounts", err)
	}
	willing := k.cosigners(ctx, client, d.DeviceKey, params)
	attrs := []any{"offence", s.req.Offence, "device", s.req.Device.String(), "evidence", solana.PublicKeyFromBytes(s.evidence[:]).String()}
	if s.req.Offence == registry.OffenceJobAbandonment {
		attrs = append(attrs, "job", s.req.Job.String(), "slot", s.req.Slot)
	} else {
		attrs = append(attrs, "failures", s.req.Failures)
	}
	for range 2 {
		if len(willing) < int(params.OracleQuorum) {
			k.declined[s.evidence] = time.Now()
			k.log.Info("slash not co-signed by a quorum", append(attrs, "willing", len(willing))...)
			return nil
		}
		keys := make([]solana.PublicKey, len(willing))
		for i, o := range willing {
			keys[i] = o.key
		}
		ix, err := k.net.Registry.SlashJob(k.payer.PublicKey(), d.Owner, d.DeviceKey, rc.IoMint, s.job, s.req.Offence, s.evidence, keys...)
		if err != nil {
			return err
		}
		tx, err := k.net.Client.Build(ctx, []solana.Instruction{ix}, k.payer.PublicKey())
		if err != nil {
			return k.fail(KindSlash, err)
		}
		req := s.req
		if req.Message, err = tx.Message.MarshalBinary(); err != nil {
			return err
		}
		var signed []cosigner
		sigs := map[solana.PublicKey]solana.Signature{}
		refused := 0
		for _, o := range willing {
			sig, err := cosign(ctx, client, o, req)
			if err != nil {
				if noEvidence(err) {
					refused++
				}
				k.log.Info("oracle declined to co-sign a slash", append(attrs, "oracle", o.key.String(), "why", err)...)
				continue
			}
			signed, sigs[o.key] = append(signed, o), sig
		}
		if int(params.OracleCount)-refused < int(params.OracleQuorum) {
			k.declined[s.evidence] = time.Now().Add(slashWithin - declinedFor)
			k.log.Info("no offence: the oracles' records do not show it", attrs...)
			return nil
		}
		if len(signed) < len(willing) {
			willing = signed
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
		// another keeper's slash of the same device and offence is pending, or the period's cap
		// is reached: not now
		notDue := []error{registry.ErrSlashAlreadyPending, registry.ErrSlashCapReached}
		return k.outcome(ctx, KindSlash, sig, err, nil, notDue, append(attrs, "cosigners", keys)...)
	}
	k.declined[s.evidence] = time.Now()
	return nil
}

// cosigner is an oracle that answered, and where.
type cosigner struct {
	url string
	key solana.PublicKey
}

// cosigners are the live oracles among the configured URLs that answer a signed status of
// deviceKey: those a slash may name as co-signers.
func (k *Keeper) cosigners(ctx context.Context, client *http.Client, deviceKey solana.PublicKey, params *registry.ConfigParams) []cosigner {
	oracles := protocol.LiveOracles(params)
	var out []cosigner
	for _, url := range k.cfg.OracleURLs() {
		var st wire.DeviceStatus
		key, err := wire.GetAnswer(ctx, client, url+wire.StatusPath+deviceKey.String(), oracles, &st)
		if err == nil && !slices.ContainsFunc(out, func(c cosigner) bool { return c.key == key }) {
			out = append(out, cosigner{url: url, key: key})
		}
	}
	return out
}

// cosign asks oracle o to co-sign req's message (wire.Exchange: its answer signed by it) and
// checks the signature is its of the message.
func cosign(ctx context.Context, client *http.Client, o cosigner, req wire.SlashRequest) (solana.Signature, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return solana.Signature{}, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, o.url+wire.SlashPath, bytes.NewReader(body))
	if err != nil {
		return solana.Signature{}, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	var a wire.SlashAnswer
	if _, err := wire.Exchange(client, hreq, []solana.PublicKey{o.key}, &a); err != nil {
		return solana.Signature{}, err
	}
	if a.Oracle != o.key || !a.Signature.Verify(o.key, req.Message) {
		return solana.Signature{}, errors.New("the answer's signature is not the oracle's of the message")
	}
	return a.Signature, nil
}

// noEvidence reports whether err is an oracle's refusal because its records do not show the
// offence.
func noEvidence(err error) bool {
	var p *wire.Problem
	return errors.As(err, &p) && p.Reason == wire.ReasonNoEvidence
}

// finalizeSlashes finalizes every pending slash whose appeal window passed (anyone may; the
// escrow's rent goes back to the record's payer): the compensation share goes to the
// beneficiary renter (its IO account created when missing) or the pool.
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
		ixs, err := k.net.Registry.FinalizeRecord(r, k.payer.PublicKey(), d.DeviceKey, rc.IoMint, rc.Params.Treasury, rc.Params.CompensationPool)
		if err == nil {
			// finalized (or reversed on appeal) meanwhile: SlashNotPending
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
