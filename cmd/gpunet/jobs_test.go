package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/creack/pty"
	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/internal/renter"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
)

// price is the test jobs' price: 3.6 IOSD (6 decimals) per device-hour, 1,000 base units per
// device-second.
const (
	price  = 3_600_000
	perSec = price / 3600
	iosd   = 1_000_000
	// acceptWindow is the test escrow's acceptance window; job 1 runs for job1Secs.
	acceptWindow = 300
	job1Secs     = 600
)

// renterFixture is a localnet with the escrow configured and a renter whose key is a file.
type renterFixture struct {
	*chaintest.Env
	esc    chaintest.Escrow
	prog   onescrow.Program
	renter keypair
	token  solana.PublicKey // the renter's IOSD account
}

func newRenterFixture(t *testing.T) *renterFixture {
	t.Setenv("HOME", t.TempDir())
	e := chaintest.New(t)
	f := &renterFixture{Env: e, esc: e.SetUpEscrow(t), prog: e.Network.Escrow, renter: writeKeypair(t)}
	// Jobs stay open for acceptWindow, so a slow machine cannot expire them mid-test.
	f.esc.Params.AcceptanceWindowSecs = acceptWindow
	require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, chaintest.Must(f.prog.InitializeConfig(e.Admin.PublicKey(), f.esc.Params, f.esc.Limits))))
	require.NoError(t, e.Node.Airdrop(e.Ctx, f.renter.key.PublicKey(), 10*solana.LAMPORTS_PER_SOL))
	f.token = e.TokenAccount(t, e.IOSDMint, f.renter.key.PublicKey(), 100*iosd)
	return f
}

// run is gpunet as the renter (-k its key file) on the localnet.
func (f *renterFixture) run(args ...string) (string, error) {
	out, _, err := gpunet(f.Ctx, append([]string{"-u", f.Node.RPCURL, "-k", f.renter.path}, args...)...)
	return out, err
}

// runJSON runs gpunet with -o json-compact and decodes its output into v.
func (f *renterFixture) runJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out, err := f.run(append(args, "-o", "json-compact")...)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal([]byte(out), v), out)
}

func (f *renterFixture) createJob(t *testing.T, owner solana.PrivateKey, token solana.PublicKey, id uint64, devices uint8, secs uint32) solana.PublicKey {
	terms := onescrow.Terms{JobID: id, PricePerHour: price, DurationSecs: secs, DeviceCount: devices}
	require.NoError(t, f.Send([]solana.PrivateKey{owner}, chaintest.Must(f.prog.CreateJob(owner.PublicKey(), token, f.IOSDMint, terms))))
	return f.prog.JobAddress(owner.PublicKey(), id)
}

func (f *renterFixture) job(t *testing.T, addr solana.PublicKey) *escrow.Job {
	j, err := f.prog.FetchJob(f.Ctx, f.Client, addr)
	require.NoError(t, err)
	return j
}

// The renter's loop with the job commands on a localnet: list and show jobs, top up, cancel
// and close, each amount checked to the base unit against the chain and the escrow's own
// arithmetic; the refusals name the program's errors and what to do.
func TestRenterJobCommands(t *testing.T) {
	f := newRenterFixture(t)
	me := f.renter.key.PublicKey()

	out, err := f.run("jobs")
	require.NoError(t, err)
	require.Equal(t, "renter "+me.String()+" has no jobs: `gpunet deploy` books one\n", out)
	out, err = f.run("jobs", "-o", "json-compact")
	require.NoError(t, err)
	require.Equal(t, "[]\n", out)

	// Job 1: 2 devices for 10 minutes, both accepted: running. Job 2: 1 device for an hour,
	// none proposed: open. Another renter's job is not listed.
	var providers []chaintest.Provider
	var payouts []solana.PublicKey
	for range 2 {
		p := f.ActiveProvider(t, f.renter.key)
		providers = append(providers, p)
		payouts = append(payouts, f.TokenAccount(t, f.IOSDMint, p.Owner.PublicKey(), 0))
	}
	job1 := f.createJob(t, f.renter.key, f.token, 1, 2, job1Secs)
	require.NoError(t, f.Send([]solana.PrivateKey{f.renter.key}, chaintest.Must(f.prog.AssignDevices(me, job1, providers[0].Device, providers[1].Device))))
	for i, p := range providers {
		require.NoError(t, f.Send([]solana.PrivateKey{f.renter.key, p.DeviceKey}, chaintest.Must(f.prog.AcceptJob(job1, p.DeviceKey.PublicKey(), payouts[i], uint8(i)))))
	}
	job2 := f.createJob(t, f.renter.key, f.token, 2, 1, 3600)
	other := f.Funded(t)
	otherJob := f.createJob(t, other, f.TokenAccount(t, f.IOSDMint, other.PublicKey(), iosd), 1, 1, 60)
	require.Equal(t, uint64(100*iosd-1_200_000-3_600_000), f.TokenBalance(t, f.token))

	var list []renter.Summary
	f.runJSON(t, &list, "jobs")
	require.Len(t, list, 2)
	j1 := f.job(t, job1)
	require.Equal(t, escrow.JobRunning, j1.State)
	started := j1.StartedAt
	first := list[0]
	require.Equal(t, renter.Summary{ID: 1, Address: job1, Renter: me, State: "running", Mint: f.IOSDMint, PricePerHour: price, Devices: 2,
		Accepted: 2, DurationSecs: job1Secs, FeeBps: 500, CreatedAt: j1.CreatedAt, StartedAt: started, EndsAt: started + job1Secs,
		PaidLeftSecs: first.PaidLeftSecs, Deposited: 1_200_000, Held: 1_200_000, RefundableNow: first.RefundableNow, RefundableAtEnd: 0,
		Slots: []renter.Slot{
			{Index: 0, Device: providers[0].Device, State: "hired", JoinedAt: started},
			{Index: 1, Device: providers[1].Device, State: "hired", JoinedAt: started},
		},
		Next: "running until " + renter.When(started+job1Secs) + ": `gpunet topup 1 --hours H` extends it, `gpunet cancel 1` stops it"}, first)
	// Cancelling now keeps both devices' time so far (the list's clock, elapsed = 60 - left).
	elapsed := uint64(job1Secs - first.PaidLeftSecs)
	require.Equal(t, 1_200_000-2*elapsed*perSec, first.RefundableNow)
	j2 := f.job(t, job2)
	require.Equal(t, renter.Summary{ID: 2, Address: job2, Renter: me, State: "open", Mint: f.IOSDMint, PricePerHour: price, Devices: 1,
		DurationSecs: 3600, FeeBps: 500, CreatedAt: j2.CreatedAt, AcceptBy: j2.CreatedAt + acceptWindow, PaidLeftSecs: 3600,
		Deposited: 3_600_000, Held: 3_600_000, RefundableNow: 3_600_000, RefundableAtEnd: 0, Slots: []renter.Slot{},
		Next: "waiting for devices to be proposed (none yet) until " + renter.When(j2.CreatedAt+acceptWindow) + "; unaccepted by then, it expires and is refunded in full"}, list[1])

	out, err = f.run("jobs")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.Len(t, lines, 3)
	require.Regexp(t, `^ID +ADDRESS +STATE +DEVICES +PRICE/DEVICE-HOUR +PAID LEFT +DEPOSITED +PAID +REFUNDABLE NOW$`, lines[0])
	require.Regexp(t, `^1 +`+job1.String()+` +running +2/2 +3\.6 IOSD +\d+m( \d+s)? +1\.2 IOSD +0 IOSD +1\.\d+ IOSD$`, lines[1])
	require.Regexp(t, `^2 +`+job2.String()+` +open +0/1 +3\.6 IOSD +1h +3\.6 IOSD +0 IOSD +3\.6 IOSD$`, lines[2])

	// One job by id or by address; another renter's by address only.
	var one renter.Summary
	f.runJSON(t, &one, "job", job2.String())
	require.Equal(t, uint64(2), one.ID)
	f.runJSON(t, &one, "job", otherJob.String())
	require.Equal(t, other.PublicKey(), one.Renter)
	out, err = f.run("job", "2")
	require.NoError(t, err)
	require.Contains(t, out, "job:               2 ("+job2.String()+")\n")
	require.Contains(t, out, "price:             3.6 IOSD per device-hour, fee 5%\n")
	require.Contains(t, out, "refundable now:    3.6 IOSD\n")
	require.True(t, strings.HasSuffix(out, "\nnext: waiting for devices to be proposed (none yet) until "+renter.When(j2.CreatedAt+acceptWindow)+
		"; unaccepted by then, it expires and is refunded in full\n"), out)
	_, err = f.run("job", "7")
	require.ErrorIs(t, err, renter.ErrNoJob)
	require.EqualError(t, err, "no such job: renter "+me.String()+" has no job 7 (closed, or never created): `gpunet jobs` lists yours")
	_, err = f.run("job", "nope")
	require.EqualError(t, err, `job "nope": want a job id (a number) or a job address`)

	// Top-ups: refused without a terminal to confirm on unless --yes; the deposit grows by
	// exactly the cost of the longer duration less the shorter.
	before := f.TokenBalance(t, f.token)
	_, err = f.run("topup", "2", "--hours", "0.5")
	require.EqualError(t, err, "gpunet topup asks for confirmation and stdin is not a terminal: pass --yes to go ahead without asking "+
		"(top up job 2 by 30m per device (1 devices): 1.8 IOSD from "+f.token.String()+")")
	for _, tc := range []struct{ args []string }{{[]string{"--hours", "0"}}, {[]string{"--hours", "0.0000001"}}, {[]string{"--hours", "x"}}} {
		_, err = f.run(append([]string{"topup", "2"}, tc.args...)...)
		require.ErrorContains(t, err, "--hours")
	}
	_, err = f.run("topup", "2")
	require.EqualError(t, err, "topup: --hours is required (the paid time to add per device, in hours)")
	_, err = f.run("topup", otherJob.String(), "--hours", "1", "--yes")
	require.ErrorIs(t, err, escrow.ErrNotRenter)
	require.Equal(t, before, f.TokenBalance(t, f.token))

	// On a terminal, anything but yes sends nothing; yes tops up.
	require.ErrorIs(t, f.onTerminal(t, "n\n", "topup", "2", "--hours", "0.5"), errNotConfirmed)
	require.Equal(t, before, f.TokenBalance(t, f.token))
	require.NoError(t, f.onTerminal(t, "y\n", "topup", "2", "--hours", "0.25"))
	require.Equal(t, before-900_000, f.TokenBalance(t, f.token))

	var topped toppedUp
	f.runJSON(t, &topped, "topup", "2", "--hours", "0.5", "--yes")
	require.Equal(t, toppedUp{Signature: topped.Signature, ID: 2, Job: job2, ExtraSecs: 1800, Cost: 1_800_000, DurationSecs: 3600 + 900 + 1800,
		Deposited: 3_600_000 + 900_000 + 1_800_000}, topped)
	require.Equal(t, before-900_000-1_800_000, f.TokenBalance(t, f.token))
	require.Equal(t, uint64(6_300_000), f.TokenBalance(t, f.job(t, job2).Vault))

	// The oracles count a usage window of job 1 (both devices, the whole window): verified,
	// not yet paid.
	w := uint64(started/2) + 1 // the first window that starts after the job did
	f.WaitChainTime(t, int64(w+1)*2+1)
	report := escrow.UsageReport{Window: w}
	secs := uint32(int64(w+1)*2 - started)
	report.Secs[0], report.Secs[1] = secs, secs
	for _, o := range f.Oracles[:2] {
		require.NoError(t, f.Send([]solana.PrivateKey{f.renter.key, o}, chaintest.Must(f.prog.RecordUsage(o.PublicKey(), job1, report))))
	}
	require.Equal(t, uint64(secs), f.job(t, job1).Slots[0].VerifiedSecs)

	// Cancel job 1: the refund is exactly what the escrow's arithmetic says for the time it
	// ended at, and it reaches the renter's account to the base unit.
	before = f.TokenBalance(t, f.token)
	j1 = f.job(t, job1)
	var cancel cancelled
	f.runJSON(t, &cancel, "cancel", "1", "--yes")
	after := f.job(t, job1)
	require.Equal(t, escrow.JobCancelled, after.State)
	want := chaintest.Must(protocol.Refund(protocol.Ended(j1, escrow.JobCancelled, after.EndedAt)))
	ran := uint64(after.EndedAt - started)
	require.Equal(t, 1_200_000-2*ran*perSec, want)
	require.Equal(t, cancelled{Signature: cancel.Signature, ID: 1, Job: job1, Refunded: want, Held: 2 * ran * perSec,
		Next: "ended: the oracles may attest usage until " + renter.When(after.EndedAt+6) + ", then `gpunet close 1`"}, cancel)
	require.Equal(t, before+want, f.TokenBalance(t, f.token))
	for _, p := range providers {
		require.True(t, f.Device(t, p).CurrentJob.IsZero(), "device released")
	}
	_, err = f.run("cancel", "1", "--yes")
	require.ErrorIs(t, err, escrow.ErrInvalidJobState)
	require.EqualError(t, err, "job 1 has ended (cancelled) and cannot be cancelled (escrow: InvalidJobState (6207): The job's state does not allow this): `gpunet close 1` returns what it holds")

	// Close refuses while usage may still be attested, then while verified time is unpaid.
	_, err = f.run("close", "1")
	require.ErrorIs(t, err, escrow.ErrUsageNotFinal)
	require.EqualError(t, err, "job 1 cannot close yet (escrow: UsageNotFinal (6223): Usage can still be attested: not counted to the end and the grace period not over): "+
		"the oracles may attest usage until "+renter.When(after.EndedAt+6)+"; try again then")
	f.WaitChainTime(t, after.EndedAt+6)
	_, err = f.run("close", "1")
	require.ErrorIs(t, err, escrow.ErrUnsettledUsage)
	require.EqualError(t, err, "job 1 cannot close yet (escrow: UnsettledUsage (6224): A slot has verified time not yet paid): slots 0, 1 have verified time not paid yet; the keeper settles it (anyone may)")
	f.runJSON(t, &one, "job", "1")
	require.Equal(t, "ended: slots 0, 1 have verified time to settle (the keeper settles it), then `gpunet close 1`", one.Next)
	for i, p := range providers {
		to := onescrow.Payee{Device: p.Device, Owner: p.Owner.PublicKey(), Payout: payouts[i]}
		require.NoError(t, f.Send([]solana.PrivateKey{f.renter.key}, chaintest.Must(f.prog.Settle(me, job1, uint8(i), to, f.esc.TreasuryIOSD, f.IOSDMint))))
	}
	pay := chaintest.Must(protocol.Pay(after, 0, uint64(secs)))
	f.runJSON(t, &one, "job", "1")
	require.Equal(t, "ended: run `gpunet close 1`", one.Next)
	require.Equal(t, 2*pay.Payout, one.PaidOut)
	require.Equal(t, 2*(pay.FeeTreasury+pay.FeeBurned), one.Fees)
	held := 2*ran*perSec - 2*pay.Gross
	require.Equal(t, held, one.Held)
	require.Equal(t, held, one.RefundableAtEnd)

	// Closing returns the vault's balance and both accounts' rent, less the fee the renter pays.
	before, lamports := f.TokenBalance(t, f.token), f.Lamports(t, me)
	rent := f.Lamports(t, job1) + f.Lamports(t, after.Vault)
	var done closed
	f.runJSON(t, &done, "close", "1")
	require.Equal(t, closed{Signature: done.Signature, ID: 1, Job: job1, Returned: held, Rent: rent}, done)
	require.Equal(t, before+held, f.TokenBalance(t, f.token))
	require.Equal(t, lamports+rent-5_000, f.Lamports(t, me))
	require.Zero(t, f.Lamports(t, job1))

	// An open job cancels with a full refund and closes at once: it never ran.
	before = f.TokenBalance(t, f.token)
	f.runJSON(t, &cancel, "cancel", "2", "--yes")
	require.Equal(t, uint64(6_300_000), cancel.Refunded)
	require.Equal(t, uint64(0), cancel.Held)
	require.Equal(t, "ended: run `gpunet close 2`", cancel.Next)
	require.Equal(t, before+6_300_000, f.TokenBalance(t, f.token))
	out, err = f.run("close", "2")
	require.NoError(t, err)
	require.Regexp(t, `^closed job 2: 0 IOSD back to `+f.token.String()+`, 0\.\d+ SOL of rent to `+me.String()+"\nsignature \\w+\n$", out)
	f.runJSON(t, &list, "jobs")
	require.Empty(t, list)
	_, err = f.run("close", "2")
	require.ErrorIs(t, err, renter.ErrNoJob)
}

// onTerminal runs gpunet as the renter with a terminal on stdin that has answer typed in.
func (f *renterFixture) onTerminal(t *testing.T, answer string, args ...string) error {
	ptm, tty, err := pty.Open()
	require.NoError(t, err)
	defer ptm.Close()
	defer tty.Close()
	_, err = ptm.Write([]byte(answer))
	require.NoError(t, err)
	var out, errs bytes.Buffer
	err = execute(f.Ctx, append([]string{"-u", f.Node.RPCURL, "-k", f.renter.path}, args...), tty, &out, &errs)
	require.Contains(t, errs.String(), fmt.Sprintf("top up job %s by", args[1]))
	require.Contains(t, errs.String(), "\nProceed? [y/N] ")
	return err
}

// Without a key the job commands say which flag names it, before asking the cluster anything.
func TestJobCommandsNeedAKey(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	for _, args := range [][]string{{"jobs"}, {"job", "1"}, {"topup", "1", "--hours", "1"}, {"cancel", "1"}, {"close", "1"}} {
		_, _, err := gpunet(t.Context(), append([]string{"-u", closedPortURL(t)}, args...)...)
		require.EqualError(t, err, args[0]+": the renter is the -k/--keypair's key: load key: stat "+home(t)+
			"/.config/solana/id.json: no such file or directory (on make dev: -k target/dev/renter.json)")
	}
	_, _, err := gpunet(t.Context(), "job")
	require.EqualError(t, err, "job: want one ID|ADDRESS, got 0 arguments")
}
