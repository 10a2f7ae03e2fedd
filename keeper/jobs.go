package keeper

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/protocol"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
)

// Work is what one job needs now, decided from its account alone (Due).
type Work struct {
	CountUsage bool    // its open usage collection's vote deadline passed
	Settle     []uint8 // slots to pay their verified, unpaid time
	Expire     bool    // not accepted within the acceptance window, or running past its paid time
	Close      bool    // ended, usage final, every slot paid
}

// None reports whether nothing is due.
func (w Work) None() bool { return !w.CountUsage && len(w.Settle) == 0 && !w.Expire && !w.Close }

// Due is the work job j needs at chain time now, with the registry's vote deadline
// voteDeadline (seconds) and settleAfter (seconds): a running job's slot is settled once its
// verified, unpaid time reaches settleAfter, an ended job's as soon as it has any. It mirrors
// the programs' conditions (count_usage.c, expire_job.c, close_job.c); when the chain
// disagrees the crank fails with a named error and the next pass decides again.
func Due(j *escrow.Job, now, voteDeadline int64, settleAfter uint64) Work {
	var w Work
	if j.PendingVotes > 0 && now >= int64(j.PendingWindow+1)*j.UsageWindowSecs+voteDeadline {
		w.CountUsage = true
	}
	ended := j.State > escrow.JobRunning
	for i, s := range j.Slots[:min(int(j.SlotCount), len(j.Slots))] {
		if unpaid := s.VerifiedSecs - s.PaidSecs; s.VerifiedSecs > s.PaidSecs && (ended || unpaid >= settleAfter) {
			w.Settle = append(w.Settle, uint8(i))
		}
	}
	switch j.State {
	case escrow.JobOpen, escrow.JobAssigned:
		w.Expire = now >= j.CreatedAt+j.AcceptanceWindowSecs
	case escrow.JobRunning:
		w.Expire = now >= j.StartedAt+j.DurationSecs
	default:
		w.Close = !w.CountUsage && len(w.Settle) == 0 && protocol.UsageFinal(j, now)
	}
	return w
}

// dueJob is a job with work to do.
type dueJob struct {
	addr solana.PublicKey
	job  *escrow.Job
	work Work
}

// jobs finds every escrow job (a scan on the Job discriminator), decides its work and does it:
// count first, then settle, expire and close, each as its own transaction. What one crank
// changes (a count raising verified time, an expiry ending the job) is acted on next pass.
func (k *Keeper) jobs(ctx context.Context, params *registry.ConfigParams, now int64) error {
	accounts, err := k.net.Client.ProgramAccounts(ctx, k.net.Escrow.ID, chain.Memcmp(0, escrow.Account_Job[:]))
	if err != nil {
		return k.fail("jobs", fmt.Errorf("scan jobs: %w", err))
	}
	settleAfter := uint64(k.cfg.SettleAfter / time.Second)
	var due []dueJob
	for _, a := range accounts {
		j, err := escrow.ParseAccount_Job(a.Data)
		if err != nil {
			continue
		}
		if w := Due(j, now, params.VoteDeadlineSecs, settleAfter); !w.None() {
			due = append(due, dueJob{addr: a.Address, job: j, work: w})
		}
	}
	if len(due) == 0 {
		return nil
	}
	known, err := k.readFor(ctx, due)
	if err != nil {
		return k.fail("accounts", err)
	}
	var errs []error
	for _, d := range due {
		if err := k.job(ctx, d, known); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// readFor reads, in one batch, what the due jobs' cranks name: the Devices of the slots to
// settle (for their owners), the treasuries' and the renters' token accounts of the jobs' mints.
// The result maps an address to its account, nil when none exists.
func (k *Keeper) readFor(ctx context.Context, due []dueJob) (map[solana.PublicKey]*chain.Account, error) {
	seen := map[solana.PublicKey]bool{}
	var addrs []solana.PublicKey
	add := func(a solana.PublicKey) {
		if !seen[a] {
			seen[a] = true
			addrs = append(addrs, a)
		}
	}
	for _, d := range due {
		for _, s := range d.work.Settle {
			add(d.job.Slots[s].Device)
			add(tokenAccount(d.job.Treasury, d.job.Mint))
		}
		if d.work.Expire || d.work.Close {
			add(tokenAccount(d.job.Renter, d.job.Mint))
		}
	}
	read, err := k.net.Client.Accounts(ctx, addrs)
	if err != nil {
		return nil, fmt.Errorf("read the jobs' accounts: %w", err)
	}
	known := make(map[solana.PublicKey]*chain.Account, len(addrs))
	for i, a := range addrs {
		known[a] = read[i]
	}
	return known, nil
}

// tokenAccount is owner's associated token account of mint: where the keeper sends a job's
// fees (its treasury's) and refunds (its renter's).
func tokenAccount(owner, mint solana.PublicKey) solana.PublicKey {
	addr, _, _ := solana.FindAssociatedTokenAddress(owner, mint) // fails only for an off-curve owner, never a wallet
	return addr
}

// withTokenAccount prefixes ixs with creating owner's token account of mint when it does not
// exist (the keeper pays its rent), so a closed account cannot block a job's end; the create
// is idempotent, so two keepers racing to it both land.
func (k *Keeper) withTokenAccount(known map[solana.PublicKey]*chain.Account, owner, mint solana.PublicKey, ixs ...solana.Instruction) []solana.Instruction {
	if known[tokenAccount(owner, mint)] != nil {
		return ixs
	}
	return append([]solana.Instruction{chain.CreateAssociatedTokenAccount(k.payer.PublicKey(), owner, mint)}, ixs...)
}

// job does one job's work. The named errors each crank takes as done are what its program
// answers when the work was done already (by another keeper, or this one before a restart);
// as not due, what it answers when the chain's clock trailed the decision.
func (k *Keeper) job(ctx context.Context, d dueJob, known map[solana.PublicKey]*chain.Account) error {
	j, p := d.job, k.net.Escrow
	attrs := func(a ...any) []any { return append([]any{"job", d.addr.String()}, a...) }
	var errs []error
	if d.work.CountUsage {
		ix, err := p.CountUsage(d.addr)
		if err == nil {
			err = k.send(ctx, KindCountUsage, []solana.Instruction{ix}, []error{escrow.ErrNoUsageCollection},
				[]error{escrow.ErrUsageCollectionOpen}, attrs("window", j.PendingWindow)...)
		}
		errs = append(errs, err)
	}
	for _, slot := range d.work.Settle {
		s := j.Slots[slot]
		dev := known[s.Device]
		if dev == nil {
			errs = append(errs, k.fail(KindSettle, fmt.Errorf("settle job %s slot %d: its device %s is gone", d.addr, slot, s.Device)))
			continue
		}
		device, err := registry.ParseAccount_Device(dev.Data)
		if err != nil {
			errs = append(errs, k.fail(KindSettle, fmt.Errorf("settle job %s slot %d: device %s: %w", d.addr, slot, s.Device, err)))
			continue
		}
		ix, err := p.Settle(k.payer.PublicKey(), d.addr, slot, onescrow.Payee{Device: s.Device, Owner: device.Owner, Payout: s.Payout},
			tokenAccount(j.Treasury, j.Mint), j.Mint)
		if err == nil {
			err = k.send(ctx, KindSettle, k.withTokenAccount(known, j.Treasury, j.Mint, ix), []error{escrow.ErrNothingToSettle}, nil,
				attrs("slot", slot, "secs", s.VerifiedSecs-s.PaidSecs)...)
		}
		errs = append(errs, err)
	}
	renterToken := tokenAccount(j.Renter, j.Mint)
	if d.work.Expire {
		ix, err := p.ExpireJob(d.addr, renterToken, onescrow.HiredDevices(j))
		if err == nil {
			err = k.send(ctx, KindExpire, k.withTokenAccount(known, j.Renter, j.Mint, ix), []error{escrow.ErrInvalidJobState},
				[]error{escrow.ErrJobNotExpired}, attrs("state", j.State)...)
		}
		errs = append(errs, err)
	}
	if d.work.Close {
		ix, err := p.CloseJob(d.addr, j.Renter, renterToken, j.Cluster)
		if err == nil {
			// A closed job is no longer the escrow's account.
			err = k.send(ctx, KindClose, k.withTokenAccount(known, j.Renter, j.Mint, ix), []error{escrow.ErrInvalidAccountOwner},
				[]error{escrow.ErrUsageNotFinal, escrow.ErrUnsettledUsage}, attrs()...)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
