package ingest_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	gpunet "github.com/gpunet/gpunet"
	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/indexer/api"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/localnet"
	"github.com/gpunet/gpunet/internal/pg/pgtest"
	"github.com/gpunet/gpunet/internal/protocol"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
)

// idlNames is every instruction (section "instructions") or event ("events") of the programs'
// IDLs (gpunet.IDLs), as the instructions and events tables name them: "<program>.<name>".
func idlNames(t *testing.T, section string) []string {
	files, err := fs.Glob(gpunet.IDLs, "idl/*.json")
	require.NoError(t, err)
	require.Len(t, files, 3)
	var names []string
	for _, f := range files {
		data, err := fs.ReadFile(gpunet.IDLs, f)
		require.NoError(t, err)
		var idl map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(data, &idl))
		var items []struct{ Name string }
		require.NoError(t, json.Unmarshal(idl[section], &items), f)
		require.NotEmpty(t, items, f)
		for _, it := range items {
			names = append(names, strings.TrimSuffix(path.Base(f), ".json")+"."+it.Name)
		}
	}
	return names
}

// missing is the names that counts does not have.
func missing(names []string, counts map[string]int) []string {
	var out []string
	for _, n := range names {
		if counts[n] == 0 {
			out = append(out, n)
		}
	}
	return out
}

// rest is what driveRest did, for the assertions.
type rest struct {
	active, probation, suspended chaintest.Provider
	expired, closed, unclaimed   solana.PublicKey // jobs
	holder                       solana.PublicKey
	unclaimedPay                 uint64 // what settling the unclaimed job kept for its provider
	slashed                      [32]byte
}

const (
	ioPrice, ioConf = 2_000_000, 10_000 // $2.00 +- $0.01 per IO
	burnIO          = 100 * chaintest.IO
	burnIOSD        = 198 * iosd         // 100 IO at the low end, 2.00 - 2 x 0.01
	redeemIO        = 9_801_980_198      // 198 IOSD at the high end, 2.00 + 2 x 0.01: 98.01980198 IO
	rewardIO        = 10 * chaintest.IO  // the oracles' cumulative reward for the active device
	expiredDeposit  = 10 * perSec        // job 10: 10 s of one device
	unstakeFirst    = 500 * chaintest.IO // drive's request
	unstakeRest     = 2_500 * chaintest.IO
)

// driveRest continues drive with every instruction kind drive leaves out: each program's
// update_config and apply_config; the registry's withdraw_unstaked and deregister_device,
// count_proof (an undecided window), close_stale_proof, a late report, slash, resolve_appeal
// and finalize_slash; the economy's prices, a burn and a redemption, advance_epoch, rewards
// submitted and claimed, the community pool funded; the escrow's count_usage (one vote after
// the deadline), set_payout, quit_job, replace_device, expire_job (an expiry with a refund and
// a completion), close_job, and a settle to a closed payout account collected later
// (collect_unclaimed). Waits overlap: each timed step is started early and finished last.
func driveRest(t *testing.T, e *chaintest.Env, sc scenario) rest {
	prog, reg, econ := e.Network.Escrow, e.Registry, e.Economy
	send := func(ix solana.Instruction, signers ...solana.PrivateKey) {
		t.Helper()
		require.NoError(t, e.Send(signers, ix))
	}
	payer := e.Funded(t)
	windowSecs := sc.escrow.Params.UsageWindowSecs
	var out rest

	// The running job: one oracle's vote for the window now running, counted (undecided) after
	// the deadline below (a vote after the deadline would count at once); its device names a
	// new payout account.
	j1, err := prog.FetchJob(e.Ctx, e.Client, sc.job)
	require.NoError(t, err)
	w := uint64(e.ChainNow(t) / windowSecs) // the current window: once it ends, its votes are open for the deadline
	require.Greater(t, w, j1.LastUsageWindow)
	wEnd := int64(w+1) * windowSecs
	e.WaitChainTime(t, wEnd)
	report := escrow.UsageReport{Window: w}
	report.Secs[0] = uint32(protocol.SlotCap(j1, &j1.Slots[0], wEnd))
	send(chaintest.Must(prog.RecordUsage(e.Oracles[0].PublicKey(), sc.job, report)), payer, e.Oracles[0])
	owner := sc.provider.Owner
	send(chaintest.Must(prog.SetPayout(owner.PublicKey(), sc.job, sc.provider.Device, freshIOSD(t, e, owner), 0)), owner)

	// A second renter's jobs whose time runs while the rest is driven: two nobody accepts (one
	// expires, one expires and closes), a one-device job of 4 s whose pay goes unclaimed.
	renter := e.Funded(t)
	rk := renter.PublicKey()
	rtoken := e.TokenAccount(t, e.IOSDMint, rk, 100*iosd)
	create := func(id uint64, devices uint8, secs uint32) solana.PublicKey {
		send(chaintest.Must(prog.CreateJob(rk, rtoken, e.IOSDMint, onescrow.Terms{JobID: id, PricePerHour: price, DurationSecs: secs,
			DeviceCount: devices, Requirements: [32]byte{byte(id)}})), renter)
		return prog.JobAddress(rk, id)
	}
	accept := func(job solana.PublicKey, p chaintest.Provider, slot uint8) solana.PublicKey {
		pay := e.TokenAccount(t, e.IOSDMint, p.Owner.PublicKey(), 0)
		send(chaintest.Must(prog.AcceptJob(job, p.DeviceKey.PublicKey(), pay, slot)), renter, p.DeviceKey)
		return pay
	}
	out.expired, out.closed = create(10, 1, 10), create(11, 1, 10) // nobody accepts them
	u := e.ActiveProvider(t, payer)
	out.unclaimed = create(13, 1, 4)
	send(chaintest.Must(prog.AssignDevices(rk, out.unclaimed, u.Device)), renter)
	upay := accept(out.unclaimed, u, 0)
	ju, err := prog.FetchJob(e.Ctx, e.Client, out.unclaimed)
	require.NoError(t, err)

	// The unclaimed job's first window counted by a quorum (before the window's deadline, after
	// which the first vote would count alone); its provider closes its payout account.
	wu := uint64(ju.StartedAt / windowSecs)
	wuEnd := int64(wu+1) * windowSecs
	e.WaitChainTime(t, wuEnd)
	ru := escrow.UsageReport{Window: wu}
	ru.Secs[0] = uint32(protocol.SlotCap(ju, &ju.Slots[0], wuEnd))
	for _, o := range e.Oracles[:2] {
		send(chaintest.Must(prog.RecordUsage(o.PublicKey(), out.unclaimed, ru)), payer, o)
	}
	send(token.NewCloseAccountInstruction(upay, u.Owner.PublicKey(), u.Owner.PublicKey(), nil).Build(), u.Owner)

	// Devices: three Active (two for a job one quits and one is replaced, the replacement), one
	// Active that stays free, one in probation, one to slash.
	q1, q2, f := e.ActiveProvider(t, payer), e.ActiveProvider(t, payer), e.ActiveProvider(t, payer)
	out.active = e.ActiveProvider(t, payer)
	out.probation = e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO)
	out.suspended = e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 3_000*chaintest.IO)

	e.WaitChainTime(t, wEnd+chaintest.EscrowVoteDeadline+1)
	send(chaintest.Must(prog.CountUsage(sc.job)), e.Keeper)

	// A two-device job: one device quits, the other is replaced.
	quit := create(12, 2, 30)
	send(chaintest.Must(prog.AssignDevices(rk, quit, q1.Device, q2.Device)), renter)
	accept(quit, q1, 0)
	accept(quit, q2, 1)
	send(chaintest.Must(prog.QuitJob(quit, q2.DeviceKey.PublicKey(), 1)), renter, q2.DeviceKey)
	send(chaintest.Must(prog.ReplaceDevice(rk, quit, 0, q1.Device, f.Device)), renter)

	// The economy: a quorum of prices, a burn and a redemption, emissions, a reward claimed.
	published := time.Now().Unix() - 1
	for _, o := range e.Oracles[:2] {
		send(chaintest.Must(econ.SubmitPrice(o.PublicKey(), ioPrice, ioConf, published)), o)
	}
	holder := e.Funded(t)
	out.holder = holder.PublicKey()
	hio := e.TokenAccount(t, e.IOMint, out.holder, 1_000*chaintest.IO)
	hiosd := e.TokenAccount(t, e.IOSDMint, out.holder, 0)
	send(chaintest.Must(econ.BurnIOForIOSD(out.holder, hio, hiosd, burnIO)), holder)
	send(chaintest.Must(econ.RedeemIOSDForIO(out.holder, hio, hiosd, burnIOSD)), holder)
	send(chaintest.Must(econ.AdvanceEpoch(24)), e.Keeper)
	for _, o := range e.Oracles[:2] {
		send(chaintest.Must(econ.SubmitRewards(o.PublicKey(), out.active.Device, rewardIO)), o)
	}
	send(chaintest.Must(econ.ClaimRewards(out.active.Device, out.active.Token)), e.Keeper)
	ec, err := econ.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	send(chaintest.Must(econ.FundCommunityPool(ec.Params.CommunityPool)), e.Keeper)

	// The registry: the unstaked 500 IO withdrawn, the rest requested (withdrawn below, then
	// the device deregistered); an undecided window counted after its deadline, a lonely vote
	// made stale by a later window and closed; three slashes, one reversed, one finalized below.
	other := sc.other
	send(chaintest.Must(reg.WithdrawUnstaked(other.Owner.PublicKey(), other.DeviceKey.PublicKey(), other.Token)), other.Owner)
	send(chaintest.Must(reg.RequestUnstake(other.Owner.PublicKey(), other.DeviceKey.PublicKey(), unstakeRest)), other.Owner)
	base := chaintest.PastWindow(0)
	lonely := func(window uint64) {
		_, err := e.Vote(payer, 0, out.probation, registry.ProofReport{Window: window, UptimeSecs: 1, Challenge: registry.ChallengeNone})
		require.NoError(t, err)
	}
	lonely(base - 3)
	lonely(base - 2)
	_, err = e.CountProof(payer, out.probation, base-3)
	require.NoError(t, err)
	e.ProveUptime(t, payer, out.probation, base-1, 2)                                                                                  // 2 s: still in probation
	_, err = e.Vote(payer, 2, out.probation, registry.ProofReport{Window: base - 1, UptimeSecs: 2, Challenge: registry.ChallengeNone}) // late
	require.NoError(t, err)
	send(chaintest.Must(reg.CloseStaleProof(out.probation.DeviceKey.PublicKey(), base-2, e.Oracles[0].PublicKey())), payer)
	s := out.suspended
	evidence := func(what string) [32]byte { return sha256.Sum256([]byte(what)) }
	reversed, finalized, pending := evidence("reversed"), evidence("finalized"), evidence("pending")
	out.slashed = finalized
	// One pending slash per offence: 10% (reversed), 1% (finalized), 50% (left pending).
	for _, sl := range []struct {
		offence  uint8
		evidence [32]byte
	}{{registry.OffenceFailedChallenge, reversed}, {registry.OffenceDowntime, finalized}, {registry.OffenceSpoofedHardware, pending}} {
		send(chaintest.Must(reg.Slash(e.Keeper.PublicKey(), s.Owner.PublicKey(), s.DeviceKey.PublicKey(), e.IOMint, sl.offence, sl.evidence,
			e.Oracles[0].PublicKey(), e.Oracles[1].PublicKey())), e.Keeper, e.Oracles[0], e.Oracles[1])
	}
	send(chaintest.Must(reg.ResolveAppeal(sc.admin.PublicKey(), s.Owner.PublicKey(), s.DeviceKey.PublicKey(), reversed, e.Keeper.PublicKey())), sc.admin)

	// Each program's delayed configuration: proposed now, applied once due (last: a new oracle
	// restarts the registry's and the economy's votes).
	rc, err := reg.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	rp := rc.Params
	rp.Oracles[rp.OracleCount] = solana.NewWallet().PublicKey()
	rp.OracleCount++
	ep := ec.Params
	oldPool := ep.CommunityPool
	ep.CommunityPool = e.TokenAccount(t, e.IOMint, solana.NewWallet().PublicKey(), 0)
	xc, err := prog.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	xp := xc.Params
	xp.FeeBps++

	// The timed ends.
	e.WaitChainTime(t, ju.StartedAt+int64(ju.DurationSecs))
	ju, err = prog.FetchJob(e.Ctx, e.Client, out.unclaimed)
	require.NoError(t, err)
	send(chaintest.Must(prog.ExpireJob(out.unclaimed, rtoken, onescrow.HiredDevices(ju))), e.Keeper) // completes
	je, err := prog.FetchJob(e.Ctx, e.Client, out.expired)
	require.NoError(t, err)
	e.WaitChainTime(t, je.CreatedAt+je.AcceptanceWindowSecs)
	send(chaintest.Must(prog.ExpireJob(out.expired, rtoken, nil)), e.Keeper)
	send(chaintest.Must(prog.ExpireJob(out.closed, rtoken, nil)), e.Keeper)
	send(chaintest.Must(prog.CloseJob(out.closed, rk, rtoken, solana.PublicKey{})), e.Keeper)
	record, err := reg.FetchSlashRecord(e.Ctx, e.Client, s.DeviceKey.PublicKey(), finalized)
	require.NoError(t, err)
	e.WaitChainTime(t, record.AppealDeadline)
	send(chaintest.Must(reg.FinalizeSlash(s.DeviceKey.PublicKey(), finalized, e.IOMint, e.Treasury, e.Pool, e.Keeper.PublicKey())), e.Keeper)
	ticket, err := e.Client.AccountData(e.Ctx, reg.TicketAddress(other.Device))
	require.NoError(t, err)
	tk, err := registry.ParseAccount_UnstakeTicket(ticket)
	require.NoError(t, err)
	e.WaitChainTime(t, tk.UnlockAt)
	send(chaintest.Must(reg.WithdrawUnstaked(other.Owner.PublicKey(), other.DeviceKey.PublicKey(), other.Token)), other.Owner)
	send(chaintest.Must(reg.DeregisterDevice(other.Owner.PublicKey(), other.DeviceKey.PublicKey(), other.Token)), other.Owner)

	send(chaintest.Must(reg.UpdateConfig(sc.admin.PublicKey(), rp)), sc.admin)
	send(chaintest.Must(econ.UpdateConfig(e.Admin.PublicKey(), ep)), e.Admin)
	send(chaintest.Must(prog.UpdateConfig(e.Admin.PublicKey(), xp)), e.Admin)
	rc, err = reg.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	ec, err = econ.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	xc, err = prog.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	e.WaitChainTime(t, max(rc.PendingAppliesAt, ec.PendingAppliesAt, xc.PendingAppliesAt))
	send(chaintest.Must(reg.ApplyConfig()), payer)
	// The economy applies a change once every ended epoch is advanced: both in one transaction,
	// so that no epoch ends between them.
	require.NoError(t, e.Send([]solana.PrivateKey{payer}, chaintest.Must(econ.AdvanceEpoch(24)), chaintest.Must(econ.ApplyConfig(oldPool))))
	send(chaintest.Must(prog.ApplyConfig()), payer)

	// The unclaimed job settles after its grace period into its provider's Unclaimed record,
	// which the provider collects.
	e.WaitChainTime(t, ju.StartedAt+int64(ju.DurationSecs)+ju.UsageGraceSecs+1)
	settler := e.Funded(t)
	send(chaintest.Must(prog.Settle(settler.PublicKey(), out.unclaimed, 0, onescrow.Payee{Payout: upay, Device: u.Device, Owner: u.Owner.PublicKey()},
		sc.escrow.TreasuryIOSD, e.IOSDMint)), settler)
	held, err := prog.FetchUnclaimed(e.Ctx, e.Client, u.Owner.PublicKey(), e.IOSDMint)
	require.NoError(t, err)
	out.unclaimedPay = held.Amount
	send(chaintest.Must(prog.CollectUnclaimed(u.Owner.PublicKey(), e.IOSDMint, freshIOSD(t, e, u.Owner), settler.PublicKey())), u.Owner)
	return out
}

// freshIOSD is a new IOSD token account of owner's that is not its associated one.
func freshIOSD(t *testing.T, e *chaintest.Env, owner solana.PrivateKey) solana.PublicKey {
	rent, err := e.Client.RentExempt(e.Ctx, 165)
	require.NoError(t, err)
	fresh := solana.NewWallet().PrivateKey
	require.NoError(t, e.Send([]solana.PrivateKey{owner, fresh},
		system.NewCreateAccountInstruction(rent, 165, solana.TokenProgramID, owner.PublicKey(), fresh.PublicKey()).Build(),
		token.NewInitializeAccount3Instruction(owner.PublicKey(), fresh.PublicKey(), e.IOSDMint).Build()))
	return fresh.PublicKey()
}

// Every instruction kind of the three IDLs, driven on a localnet with fast slots and indexed:
// none is missing, nothing is undecoded, the new kinds' rows are exact, and the explorer API
// on the same database answers the supply, each device status's hireability reasons and the
// expired job exactly.
func TestIngestEveryKind(t *testing.T) {
	start := time.Now()
	e := chaintest.New(t, localnet.WithSlotMs(50))
	db := pgtest.DB(t)
	sc := drive(t, e)
	r := driveRest(t, e, sc)
	driven := time.Since(start)
	want := signatures(t, e)
	startIngester(t, e, db)
	waitStored(t, db, len(want))
	t.Logf("%d transactions driven in %s, indexed %s later", len(want), driven.Round(time.Millisecond), (time.Since(start) - driven).Round(time.Millisecond))

	ixs := counts(t, db, `SELECT program || '.' || name, count(*) FROM instructions GROUP BY 1`)
	evs := counts(t, db, `SELECT program || '.' || name, count(*) FROM events GROUP BY 1`)
	require.Empty(t, missing(idlNames(t, "instructions"), ixs), "instruction kinds no stored transaction has")
	require.Empty(t, missing(idlNames(t, "events"), evs), "event kinds no stored transaction has")
	require.Equal(t, map[string]int{}, counts(t, db, `SELECT kind || ' ' || reason, count(*) FROM undecoded GROUP BY 1`))
	require.Equal(t, map[string]int{
		"registry.initialize_config": 1, "registry.update_config": 1, "registry.apply_config": 1, "registry.transfer_admin": 1, "registry.accept_admin": 1,
		"registry.set_pause": 2, "registry.register_provider": 9, "registry.register_device": 9, "registry.stake": 9, "registry.request_unstake": 2,
		"registry.withdraw_unstaked": 2, "registry.deregister_device": 1,
		"registry.submit_proof":      29, // 6 Active devices x 2 windows x 2 votes, 2 lonely votes, a window of 2 votes and a late one
		"registry.close_stale_proof": 1, "registry.count_proof": 1, "registry.slash": 3, "registry.resolve_appeal": 1, "registry.finalize_slash": 1,
		"registry.set_device_job": 7, // the escrow's CPIs: 4 accepts, a quit, a replacement, an expiry that completes
		"registry.set_asks":       1,
		"economy.initialize":      1, "economy.update_config": 1, "economy.apply_config": 1, "economy.submit_price": 2, "economy.burn_io_for_iosd": 1,
		"economy.redeem_iosd_for_io": 1, "economy.advance_epoch": 2, "economy.submit_rewards": 2, "economy.claim_rewards": 1, "economy.fund_community_pool": 1,
		"economy.burn_fee":         2, // the escrow's CPIs in settle
		"escrow.initialize_config": 1, "escrow.update_config": 1, "escrow.apply_config": 1, "escrow.set_pause": 2, "escrow.create_cluster": 2,
		"escrow.close_cluster": 1, "escrow.create_job": 6, "escrow.top_up": 1, "escrow.assign_devices": 3, "escrow.accept_job": 4,
		"escrow.record_usage": 5, "escrow.count_usage": 1, "escrow.settle": 3, "escrow.set_payout": 1, "escrow.collect_unclaimed": 1,
		"escrow.cancel_job": 1, "escrow.quit_job": 1, "escrow.replace_device": 1, "escrow.expire_job": 3, "escrow.close_job": 1,
	}, ixs)
	ec, err := e.Economy.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	require.Equal(t, map[string]int{
		"registry.ConfigInitialized": 1, "registry.ConfigProposed": 1, "registry.ConfigUpdated": 1, "registry.AdminTransferStarted": 1,
		"registry.AdminTransferred": 1, "registry.PauseSet": 2, "registry.ProviderRegistered": 9, "registry.DeviceRegistered": 9, "registry.Staked": 9,
		"registry.UnstakeRequested": 2, "registry.UnstakeWithdrawn": 2, "registry.DeviceDeregistered": 1, "registry.DeviceStatusChanged": 14,
		"registry.ProofRecorded": 28, "registry.ProofCounted": 13, "registry.ProofUndecided": 1, "registry.ProofClosed": 1, "registry.LateReportRecorded": 1,
		"registry.DeviceSlashed": 3, "registry.SlashReversed": 1, "registry.SlashFinalized": 1, "registry.DeviceJobSet": 7, "registry.AsksSet": 1,
		"economy.ConfigInitialized": 1, "economy.ConfigProposed": 1, "economy.ConfigUpdated": 1, "economy.PriceSubmitted": 2, "economy.IoBurned": 1,
		"economy.IosdRedeemed": 1, "economy.EpochAdvanced": int(ec.NextEpoch), "economy.RewardsSubmitted": 2, "economy.RewardsClaimed": 1,
		"economy.CommunityFunded":  2, // fund_community_pool, and apply_config paying the old pool
		"economy.FeeBurned":        2,
		"escrow.ConfigInitialized": 1, "escrow.ConfigProposed": 1, "escrow.ConfigUpdated": 1, "escrow.PauseSet": 2, "escrow.ClusterCreated": 2,
		"escrow.ClusterClosed": 1, "escrow.JobCreated": 6, "escrow.JobToppedUp": 1, "escrow.DeviceAssigned": 5, "escrow.DeviceAccepted": 4,
		"escrow.JobStarted": 3, "escrow.DeviceLeft": 2, "escrow.UsageVoted": 5, "escrow.UsageCounted": 3, "escrow.Settled": 2,
		"escrow.PayoutUnclaimed": 1, "escrow.PayoutSet": 1, "escrow.UnclaimedCollected": 1, "escrow.JobEnded": 4, "escrow.JobClosed": 1,
	}, evs)

	checkRows(t, e, db, sc, r)
	checkAPI(t, e, db, sc, r)
}

func checkRows(t *testing.T, e *chaintest.Env, db *pgxpool.Pool, sc scenario, r rest) {
	ctx := context.Background()
	one := func(query string, args ...any) string {
		t.Helper()
		var v string
		require.NoError(t, db.QueryRow(ctx, query, args...).Scan(&v))
		return v
	}
	// The burn and the redemption, at the quorum's prices.
	require.Equal(t, strings.Join([]string{r.holder.String(), u(burnIO), u(burnIOSD), u(ioPrice), u(ioConf)}, " "),
		one(`SELECT concat_ws(' ', data->>'user', data->>'ioAmount', data->>'iosdAmount', data->>'price', data->>'conf') FROM events WHERE name = 'IoBurned'`))
	require.Equal(t, strings.Join([]string{r.holder.String(), u(burnIOSD), u(redeemIO), u(ioPrice), u(ioConf)}, " "),
		one(`SELECT concat_ws(' ', data->>'user', data->>'iosdAmount', data->>'ioAmount', data->>'price', data->>'conf') FROM events WHERE name = 'IosdRedeemed'`))
	// The claim.
	require.Equal(t, r.active.Device.String()+" "+u(rewardIO)+" "+u(rewardIO),
		one(`SELECT concat_ws(' ', data->>'device', data->>'amount', data->>'cumulative') FROM events WHERE name = 'RewardsClaimed'`))
	// The withdrawn stake, twice, and the deregistered device's row.
	require.Equal(t, u(unstakeFirst)+","+u(unstakeRest),
		one(`SELECT string_agg(data->>'amount', ',' ORDER BY slot, position) FROM events WHERE name = 'UnstakeWithdrawn' AND device = $1`, sc.other.Device.String()))
	require.Equal(t, u(uint64(registry.StatusDeregistered))+" 0 0", one(`SELECT concat_ws(' ', d.status, d.stake, p.device_count) FROM devices d JOIN providers p ON p.address = d.provider WHERE d.address = $1`,
		sc.other.Device.String()))
	// The expired job: everything refunded; the closed one has no row.
	require.Equal(t, strings.Join([]string{u(uint64(escrow.JobExpired)), u(expiredDeposit), "0", "0", u(expiredDeposit)}, " "),
		one(`SELECT concat_ws(' ', state, deposited, paid_out, fees_treasury, refunded) FROM jobs WHERE address = $1`, r.expired.String()))
	require.Equal(t, u(expiredDeposit), one(`SELECT data->>'refunded' FROM events WHERE name = 'JobEnded' AND job = $1`, r.expired.String()))
	require.Equal(t, "0", one(`SELECT count(*)::text FROM jobs WHERE address = $1`, r.closed.String()))
	// The unclaimed pay: kept at settlement, then collected.
	require.NotZero(t, r.unclaimedPay)
	require.Equal(t, u(r.unclaimedPay)+" "+u(r.unclaimedPay), one(`SELECT concat_ws(' ',
		(SELECT data->>'amount' FROM events WHERE name = 'PayoutUnclaimed'), (SELECT data->>'amount' FROM events WHERE name = 'UnclaimedCollected'))`))
	// The slashes: one reversed, one finalized, one pending.
	require.Equal(t, "1 1 3", one(`SELECT concat_ws(' ', (SELECT count(*) FROM events WHERE name = 'SlashReversed'),
		(SELECT count(*) FROM events WHERE name = 'SlashFinalized'), (SELECT count(*) FROM events WHERE name = 'DeviceSlashed'))`))
	rec, err := e.Registry.FetchSlashRecord(e.Ctx, e.Client, r.suspended.DeviceKey.PublicKey(), r.slashed)
	require.NoError(t, err)
	require.Equal(t, u(rec.Amount), one(`SELECT ((data->>'burned')::numeric + (data->>'toTreasury')::numeric + (data->>'toCompensation')::numeric)::text FROM events WHERE name = 'SlashFinalized'`))
}

func checkAPI(t *testing.T, e *chaintest.Env, db *pgxpool.Pool, sc scenario, r rest) {
	srv, err := api.New(api.DefaultConfig(), api.Deps{Pool: db})
	require.NoError(t, err)
	get := func(path string, out any) {
		t.Helper()
		resp, err := srv.App().Test(httptest.NewRequest(http.MethodGet, path, nil), -1)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", path, body)
		require.NoError(t, json.Unmarshal(body, out), "%s: %s", path, body)
	}

	// The supply after the burn, the redemption, the claim and the funding: the economy's
	// counters, exactly.
	ec, err := e.Economy.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	var supply api.Supply
	get("/v1/supply", &supply)
	require.True(t, supply.Indexed)
	require.Equal(t, []api.Amount{api.Amount(u(burnIO)), api.Amount(u(redeemIO)), api.Amount(u(burnIOSD)), api.Amount(u(rewardIO))},
		[]api.Amount{supply.IOBurned, supply.IORedeemed, supply.IOSDMinted, supply.RewardsPaid})
	// IOSD burned: the redemption and the jobs' fees, which burned IOSD minted at genesis, before
	// the economy: more than it minted, so its net supply reads 0.
	var fees uint64
	require.NoError(t, db.QueryRow(context.Background(), `SELECT sum((data->>'amount')::numeric)::bigint FROM events WHERE name = 'FeeBurned'`).Scan(&fees))
	require.Equal(t, burnIOSD+fees, ec.IosdBurned)
	require.Equal(t, []api.Amount{api.Amount(u(ec.IoMinted)), api.Amount(u(ec.IosdBurned)), "0"},
		[]api.Amount{supply.IOMinted, supply.IOSDBurned, supply.IOSDSupply})
	require.Equal(t, ec.IoRedeemed+ec.RewardsClaimed+ec.CommunityFunded, ec.IoMinted)

	// Each status's reasons: the registry's own order (protocol.NotHireable on the chain's
	// accounts), by name.
	rc, err := e.Registry.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	for _, c := range []struct {
		status  string
		p       chaintest.Provider
		reasons []string
	}{
		{"probation", r.probation, []string{"DeviceNotHireable"}},
		{"active", r.active, []string{}},
		{"hired", sc.provider, []string{"DeviceNotHireable"}},
		{"suspended", r.suspended, []string{"DeviceNotHireable", "StakeBelowMinimum"}},
		{"deregistered", sc.other, []string{"DeviceNotHireable", "StakeBelowMinimum"}},
	} {
		var d api.DeviceDetail
		get("/v1/devices/"+c.p.Device.String(), &d)
		names := []string{}
		for _, reason := range d.Reasons {
			names = append(names, reason.Name)
		}
		chainReasons := []string{}
		for _, reason := range protocol.NotHireable(rc, e.Device(t, c.p)) {
			chainReasons = append(chainReasons, reason.Name)
		}
		require.Equal(t, []any{c.status, c.reasons, c.reasons, len(c.reasons) == 0}, []any{d.Status, names, chainReasons, *d.Hireable}, c.status)
	}

	// The expired job: its whole deposit refunded.
	var job api.JobDetail
	get("/v1/jobs/"+r.expired.String(), &job)
	require.Equal(t, []any{"expired", api.Amount(u(expiredDeposit)), api.Amount("0"), api.Amount(u(expiredDeposit)), 0},
		[]any{job.State, job.Deposited, job.PaidOut, job.Refunded, len(job.Slots)})
	require.True(t, slices.ContainsFunc(job.Events, func(ev api.Event) bool { return ev.Name == "JobEnded" }))
}
