package escrow_test

import (
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/protocol"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
)

// price is the test jobs' price: 3.6 IOSD (6 decimals) per device-hour, 1,000 base units per
// device-second, so amounts read as seconds x 1,000.
const (
	price  = 3_600_000
	perSec = price / 3600
	iosd   = 1_000_000 // one IOSD in base units
)

// voteDeadline is the registry's vote_deadline_secs in the tests (chaintest.EscrowVoteDeadline).
const voteDeadline = chaintest.EscrowVoteDeadline

// env is one localnet with the registry, the economy and the escrow deployed and configured:
// the registry's escrow authority is the escrow's PDA, and IOSD fees burn through the economy.
type env struct {
	*chaintest.Env
	prog         onescrow.Program
	params       escrow.ConfigParams
	limits       escrow.EscrowLimits
	scheduler    solana.PrivateKey
	treasuryIOSD solana.PublicKey // the treasury's IOSD account: it receives the fee's treasury share
}

func newEnv(t testing.TB) *env {
	e := newUninitializedEnv(t)
	require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, e.initialize()))
	return e
}

// newUninitializedEnv is newEnv without the escrow's Config (the registry is initialized).
func newUninitializedEnv(t testing.TB) *env { return setUp(t, chaintest.New(t)) }

// setUp deploys the registry and the economy on ce for the escrow (chaintest.SetUpEscrow).
func setUp(t testing.TB, ce *chaintest.Env) *env {
	s := ce.SetUpEscrow(t)
	return &env{Env: ce, prog: ce.Network.Escrow, params: s.Params, limits: s.Limits, scheduler: s.Scheduler, treasuryIOSD: s.TreasuryIOSD}
}

// initialize is the admin's initialize_config with e.params and e.limits.
func (e *env) initialize() solana.Instruction {
	return chaintest.Must(e.prog.InitializeConfig(e.Admin.PublicKey(), e.params, e.limits))
}

// renter is a wallet with an IOSD account.
type renter struct {
	key   solana.PrivateKey
	token solana.PublicKey
}

func (e *env) newRenter(t testing.TB, balance uint64) renter {
	key := e.Funded(t)
	return renter{key: key, token: e.TokenAccount(t, e.IOSDMint, key.PublicKey(), balance)}
}

// job is a job under test: its address, renter and the providers proposed for it, in slot
// order, with their IOSD payout accounts.
type job struct {
	addr      solana.PublicKey
	id        uint64
	renter    renter
	providers []chaintest.Provider
	payouts   []solana.PublicKey
}

// terms are the test terms: price per device-hour, duration and devices.
func terms(id uint64, devices uint8, duration uint32) onescrow.Terms {
	return onescrow.Terms{JobID: id, PricePerHour: price, DurationSecs: duration, DeviceCount: devices, Requirements: [32]byte{1, 2, 3}}
}

// createJob creates an IOSD job for a new renter holding exactly its deposit plus 1 IOSD.
func (e *env) createJob(t testing.TB, devices uint8, duration uint32) job {
	r := e.newRenter(t, uint64(devices)*uint64(duration)*perSec+iosd)
	j := job{addr: e.prog.JobAddress(r.key.PublicKey(), 1), id: 1, renter: r}
	require.NoError(t, e.Send([]solana.PrivateKey{r.key}, chaintest.Must(e.prog.CreateJob(r.key.PublicKey(), r.token, e.IOSDMint, terms(1, devices, duration)))))
	return j
}

// propose makes n Active providers with IOSD payout accounts and assigns their devices to j.
func (e *env) propose(t testing.TB, j *job, n int) {
	devices := make([]solana.PublicKey, n)
	for i := range devices {
		p := e.ActiveProvider(t, j.renter.key)
		j.providers = append(j.providers, p)
		j.payouts = append(j.payouts, e.TokenAccount(t, e.IOSDMint, p.Owner.PublicKey(), 0))
		devices[i] = p.Device
	}
	require.NoError(t, e.Send([]solana.PrivateKey{j.renter.key}, chaintest.Must(e.prog.AssignDevices(j.renter.key.PublicKey(), j.addr, devices...))))
}

// accept is provider i of j accepting slot, the device key paying the fee.
func (e *env) accept(j job, i int, slot uint8) (solana.Signature, error) {
	p := j.providers[i]
	return e.SendSig([]solana.PrivateKey{j.renter.key, p.DeviceKey}, chaintest.Must(e.prog.AcceptJob(j.addr, p.DeviceKey.PublicKey(), j.payouts[i], slot)))
}

// runningJob creates a job on `devices` new devices, all accepted: it is Running.
func (e *env) runningJob(t testing.TB, devices uint8, duration uint32) job {
	j := e.createJob(t, devices, duration)
	e.propose(t, &j, int(devices))
	for i := range j.providers {
		_, err := e.accept(j, i, uint8(i))
		require.NoError(t, err)
	}
	require.Equal(t, escrow.JobRunning, e.job(t, j).State)
	return j
}

func (e *env) job(t testing.TB, j job) *escrow.Job {
	got, err := e.prog.FetchJob(e.Ctx, e.Client, j.addr)
	require.NoError(t, err)
	return got
}

// vote is oracle i's usage report for j: cumulative seconds per slot as of window's end.
func (e *env) vote(j job, i int, window uint64, secs ...uint32) (solana.Signature, error) {
	r := escrow.UsageReport{Window: window}
	copy(r.Secs[:], secs)
	return e.SendSig([]solana.PrivateKey{j.renter.key, e.Oracles[i]}, chaintest.Must(e.prog.RecordUsage(e.Oracles[i].PublicKey(), j.addr, r)))
}

// countUsage counts window for j with the same report from oracles 0 and 1 (the quorum).
func (e *env) countUsage(t testing.TB, j job, window uint64, secs ...uint32) solana.Signature {
	_, err := e.vote(j, 0, window, secs...)
	require.NoError(t, err)
	sig, err := e.vote(j, 1, window, secs...)
	require.NoError(t, err)
	return sig
}

// windowEnd is when usage window w ends.
func (e *env) windowEnd(w uint64) int64 { return int64(w+1) * e.params.UsageWindowSecs }

// endedWindow waits until the usage window that contains `at` has ended on chain (the chain's
// clock trails ours by up to a 400 ms slot: wait a second more) and returns it.
func (e *env) endedWindow(at int64) uint64 {
	w := uint64(at / e.params.UsageWindowSecs)
	time.Sleep(time.Until(time.Unix(e.windowEnd(w)+1, 0)))
	return w
}

// waitUntil sleeps until the chain's clock has surely passed unix time `at`.
func waitUntil(at int64) { time.Sleep(time.Until(time.Unix(at+1, 0))) }

// capAt is the most seconds slot s can have been on j by `at` (protocol.SlotCap), as usage
// seconds.
func capAt(j *escrow.Job, s escrow.Slot, at int64) uint32 { return uint32(protocol.SlotCap(j, &s, at)) }

// testTerms is the test jobs' money terms: the test price and the test fee (5%, half burned).
var testTerms = escrow.Job{PricePerHour: price, FeeBps: 500, FeeBurnBps: 5_000}

// pay is what paying a slot's seconds from..to moves at the test terms (protocol.Pay).
func pay(from, to uint64) protocol.Split { return chaintest.Must(protocol.Pay(&testTerms, from, to)) }

// payee is who slot of job is paid, as the chain says (zero keys for a slot or device that does
// not exist), with payout as its payout account.
func (e *env) payee(job solana.PublicKey, slot uint8, payout solana.PublicKey) onescrow.Payee {
	to := onescrow.Payee{Payout: payout}
	g, err := e.prog.FetchJob(e.Ctx, e.Client, job)
	if err != nil || slot >= g.SlotCount {
		return to
	}
	to.Device = g.Slots[slot].Device
	if data, err := e.Client.AccountData(e.Ctx, to.Device); err == nil {
		if d, err := registry.ParseAccount_Device(data); err == nil {
			to.Owner = d.Owner
		}
	}
	return to
}

// settleIx is settle of slot of job to payout, the fee to treasury, payer paying any rent.
func (e *env) settleIx(payer, job solana.PublicKey, slot uint8, payout, treasury, mint solana.PublicKey) solana.Instruction {
	return chaintest.Must(e.prog.Settle(payer, job, slot, e.payee(job, slot, payout), treasury, mint))
}

// settle is the renter settling slot of j to payout.
func (e *env) settle(j job, slot uint8, payout solana.PublicKey) (solana.Signature, error) {
	return e.SendSig([]solana.PrivateKey{j.renter.key}, e.settleIx(j.renter.key.PublicKey(), j.addr, slot, payout, e.treasuryIOSD, e.IOSDMint))
}

func (e *env) eventsOf(t testing.TB, sig solana.Signature) []any {
	return e.Events(t, sig, e.prog.ID, escrow.ParseAnyEvent)
}

// conserved asserts the escrow invariant: vault + paid out + fees + refunded == deposited.
func (e *env) conserved(t testing.TB, j *escrow.Job) {
	vault := e.TokenBalance(t, j.Vault)
	require.Equal(t, j.Deposited, vault+j.PaidOut+j.FeesTreasury+j.FeesBurned+j.Refunded, "escrow not conserved")
}
