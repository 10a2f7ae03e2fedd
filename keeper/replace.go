package keeper

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/candidates"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/jobhealth"
	"github.com/gpunet/gpunet/internal/jobrelay"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/internal/scheduler"
)

// unmatchedEvery is how often a slot still without a replacement is logged again.
const unmatchedEvery = time.Minute

// fault names a slot of a job (the unmatched log's key).
type fault struct {
	job  solana.PublicKey
	slot uint8
}

// watch runs every cfg.WatchEvery beside the passes, so a replacement never waits for a settle
// or a scan of proof windows: with the scheduler key it asks the oracles for their health
// reports of every running job and replaces each hired device a quorum of them report down
// (replaceDevice); it slashes the devices that left jobs while down and, every cfg.Every, those
// whose failed challenges the registry tallied, on the oracles' co-signatures (slash.go).
func (k *Keeper) watch(ctx context.Context) {
	client := &http.Client{Timeout: k.cfg.WatchEvery}
	var scanned time.Time
	for {
		rc, err := k.net.Registry.FetchConfig(ctx, k.net.Client)
		switch {
		case errors.Is(err, chain.ErrAccountNotFound):
			err = nil // nothing is configured yet
		case err != nil:
			err = k.fail("registry_config", fmt.Errorf("read the registry config: %w", err))
		default:
			err = k.watchOnce(ctx, client, rc)
			if time.Since(scanned) >= k.cfg.Every {
				scanned = time.Now()
				err = errors.Join(err, k.failedChallenges(ctx, rc, client))
			}
		}
		if err != nil && ctx.Err() == nil {
			k.log.Warn("watch", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(k.cfg.WatchEvery):
		}
	}
}

// watchOnce looks at every job once, under the registry's Config rc: its abandonments, and a
// running job's health.
func (k *Keeper) watchOnce(ctx context.Context, client *http.Client, rc *registry.Config) error {
	now, err := k.chainNow(ctx)
	if err != nil {
		return k.fail("clock", err)
	}
	accounts, err := k.net.Client.ProgramAccounts(ctx, k.net.Escrow.ID, chain.Memcmp(0, escrow.Account_Job[:]))
	if err != nil {
		return k.fail("jobs", fmt.Errorf("scan jobs: %w", err))
	}
	params := &rc.Params
	oracles := protocol.LiveOracles(params)
	var errs []error
	for _, a := range accounts {
		j, err := escrow.ParseAccount_Job(a.Data)
		if err != nil {
			continue
		}
		if err := k.abandonments(ctx, rc, client, a.Address, j, now); err != nil {
			errs = append(errs, err)
		}
		if k.scheduler == nil || j.State != escrow.JobRunning || now >= j.StartedAt+j.DurationSecs {
			continue
		}
		reports, bad := jobhealth.Ask(ctx, client, k.cfg.OracleURLs(), a.Address, oracles, time.Now())
		for _, err := range bad {
			k.log.Debug("health report", "job", a.Address, "err", err)
		}
		for _, f := range jobhealth.Faults(j, reports, int(params.OracleQuorum)) {
			if err := k.replaceDevice(ctx, rc, a.Address, j, f, now); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// replaceDevice proposes the scheduler's best match for the renter's spec in place of f's
// device (replace_device, signed by the scheduler key): the old device leaves, paid for its
// verified time, and the new one is proposed in a fresh slot; its worker accepts and joins the
// job's Ray cluster. Without a match the slot stays (the renter pays only for verified time)
// and the watch tries again next time. The log names the evidence: each oracle's report.
func (k *Keeper) replaceDevice(ctx context.Context, rc *registry.Config, job solana.PublicKey, j *escrow.Job, f jobhealth.Fault, now int64) error {
	evidence := []any{"job", job.String(), "slot", f.Slot, "device", f.Device.String(), "reports", f.Reports}
	board, err := jobrelay.Gather(ctx, k.cfg.OracleURLs(), jobrelay.ExpectJob(job, j, k.net.Registry))
	if err != nil {
		return k.fail(KindReplace, fmt.Errorf("the renter's spec of job %s: %w", job, err))
	}
	if board.Spec == nil {
		return k.fail(KindReplace, fmt.Errorf("job %s: the renter published no spec: nothing to match a replacement to", job))
	}
	mint := scheduler.IOSD
	if j.Mint == rc.IoMint {
		mint = scheduler.IO
	}
	req, ok, err := jobhealth.Replacement(board.Spec, j, mint, now)
	if err != nil || !ok {
		return err
	}
	src := candidates.Chain{Client: k.net.Client, Registry: k.net.Registry, Oracles: k.cfg.OracleURLs()}
	cands, err := src.Candidates(ctx, req.Class)
	if err != nil {
		return k.fail(KindReplace, err)
	}
	for i := range cands { // only a device an oracle saw up now: none answered is not enough
		if cands[i].Liveness != scheduler.Online {
			cands[i].Liveness = scheduler.Offline
		}
	}
	res, err := scheduler.Match(req, jobhealth.Outsiders(cands, j))
	if err != nil {
		return k.fail(KindReplace, err)
	}
	if !res.Enough() {
		key := fault{job, f.Slot}
		if time.Since(k.unmatched[key]) >= unmatchedEvery {
			k.unmatched[key] = time.Now()
			k.metrics.Cranks.WithLabelValues(KindReplace, Unmatched).Inc()
			k.log.Warn("no replacement matches", append(evidence, "why", res.Explain())...)
		}
		return nil
	}
	delete(k.unmatched, fault{job, f.Slot})
	next := res.Devices[0].Address
	ix, err := k.net.Escrow.ReplaceDevice(k.scheduler.PublicKey(), job, f.Slot, f.Device, next)
	if err != nil {
		return err
	}
	// the slot left already (another keeper, the renter, the device quit), or the job ended
	done := []error{escrow.ErrInvalidSlot, escrow.ErrInvalidJobState, escrow.ErrJobTimeUp}
	return k.sendAs(ctx, KindReplace, []solana.Instruction{ix}, []chain.Signer{k.scheduler}, done, nil,
		append(evidence, "replacement", next.String())...)
}
