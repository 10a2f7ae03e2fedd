package submit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/internal/wire"
	"github.com/gpunet/gpunet/oracle/store"
	"github.com/gpunet/gpunet/oracle/uptime"
)

// attest votes the usage of every job that ran and is not counted to its end (record_usage):
// per slot, the cumulative seconds its device's Ray node was alive on the job as of the
// window's end, on this oracle's clock. A member's second counts only while the job's head
// also listed its node alive (wire.JobNode). Jobs are found by a scan of the escrow's Jobs.
func (p *Prover) attest(ctx context.Context, params *registry.ConfigParams, oracle int, now time.Time) error {
	accounts, err := p.net.Client.ProgramAccounts(ctx, p.net.Escrow.ID, chain.Memcmp(0, escrow.Account_Job[:]))
	if err != nil {
		return fmt.Errorf("scan jobs: %w", err)
	}
	for _, a := range accounts {
		j, err := escrow.ParseAccount_Job(a.Data)
		if err != nil {
			continue
		}
		window, ok := protocol.UsageVote(params, oracle, j, now.Unix())
		if !ok {
			continue
		}
		if err := p.voteUsage(ctx, a.Address, j, window); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			p.log.Warn("usage vote", "job", a.Address, "window", window, "err", err)
		}
	}
	return nil
}

// voteUsage votes job's usage as of window's end, unless this oracle's vote on it landed.
func (p *Prover) voteUsage(ctx context.Context, job solana.PublicKey, j *escrow.Job, window uint64) error {
	prev, err := p.store.Action(ctx, store.Usage, job.String(), window, 0)
	if err != nil || prev != nil && prev.State == store.Landed {
		return err
	}
	if prev != nil && prev.State == store.Pending {
		if done, err := p.settle(ctx, prev); done || err != nil {
			return err
		}
	}
	report, total, err := p.usage(ctx, job, j, window)
	if err != nil {
		return err
	}
	ix, err := p.net.Escrow.RecordUsage(p.key.PublicKey(), job, report)
	if err != nil {
		return err
	}
	err = p.send(ctx, store.Action{Kind: store.Usage, Device: job.String(), Window: window, UptimeSecs: total}, ix)
	if usageRefused(err) {
		return nil // recorded as failed; the next round votes what is due then
	}
	return err
}

// usage is this oracle's report on job j as of window's end, and its slots' total (capped for
// the record).
func (p *Prover) usage(ctx context.Context, job solana.PublicKey, j *escrow.Job, window uint64) (escrow.UsageReport, uint32, error) {
	report := escrow.UsageReport{Window: window}
	slots := j.Slots[:min(int(j.SlotCount), len(j.Slots))]
	addrs := make([]solana.PublicKey, len(slots))
	for i, s := range slots {
		addrs[i] = s.Device
	}
	devices, err := p.net.Client.Accounts(ctx, addrs)
	if err != nil {
		return report, 0, fmt.Errorf("read devices: %w", err)
	}
	keys := make([]string, len(slots))
	for i, acct := range devices {
		if acct == nil {
			continue // closed since: its record is its votes so far
		}
		d, err := registry.ParseAccount_Device(acct.Data)
		if err != nil {
			return report, 0, fmt.Errorf("read device %s: %w", addrs[i], err)
		}
		keys[i] = d.DeviceKey.String()
	}
	end := int64(window+1) * j.UsageWindowSecs
	var total uint64
	for i, s := range slots {
		if s.JoinedAt == 0 || keys[i] == "" {
			continue
		}
		until := min(protocol.SlotEnd(j, &s), end)
		from, to := s.JoinedAt*1000, until*1000
		alive, err := p.store.JobCredits(ctx, keys[i], job.String(), from, to)
		if err != nil {
			return report, 0, err
		}
		if i != wire.HeadSlot {
			confirmed, err := p.store.HeadCredits(ctx, keys[wire.HeadSlot], job.String(), keys[i], from, to)
			if err != nil {
				return report, 0, err
			}
			alive = uptime.Intersect(alive, confirmed)
		}
		secs := min(uint64(uptime.Covered(alive, from, to)/1000), protocol.SlotCap(j, &s, end))
		report.Secs[i] = uint32(secs)
		total += secs
	}
	return report, uint32(min(total, math.MaxUint32)), nil
}

// usageRefused reports whether err is the escrow saying the vote is not due (yet): the window
// was counted meanwhile, or the collection is still open for others.
func usageRefused(err error) bool {
	return errors.Is(err, escrow.ErrStaleUsage) || errors.Is(err, escrow.ErrUsageCollectionOpen)
}
