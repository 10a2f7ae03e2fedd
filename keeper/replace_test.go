package keeper_test

import (
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/wire"
	"github.com/gpunet/gpunet/keeper"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
)

// oracleStub stands for one oracle's public API, as the keeper reads it: its signed health
// reports of a job (each hired slot up, unless the test says which are down), the job's board
// (the renter's signed spec), every device's status (heartbeats credited ahead: online) and
// its co-signature of slashes. The real API's judgements are oracle/health_test.go's and
// oracle/slash_test.go's; this lets a test choose each oracle's word, a lying one's included.
type oracleStub struct {
	key   solana.PrivateKey
	job   solana.PublicKey
	spec  wire.Signed
	slots func() []wire.SlotHealth
	down  sync.Map     // slot (uint8) -> reason
	asked atomic.Int64 // health reports served
	// refuse has the stub decline to co-sign slashes for want of evidence (409), as an oracle
	// whose records do not show the offence; otherwise it signs every slash asked.
	refuse  atomic.Bool
	cosigns atomic.Int64 // slash requests answered
	url     string
}

func (o *oracleStub) serve(t *testing.T) *oracleStub {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v any
		status := http.StatusOK
		switch p := r.URL.Path; {
		case p == wire.SlashPath:
			o.cosigns.Add(1)
			var req wire.SlashRequest
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			if o.refuse.Load() {
				status, v = http.StatusConflict, wire.Problem{Reason: wire.ReasonNoEvidence, Message: "no record of it"}
				break
			}
			sig, _ := o.key.Sign(req.Message)
			v = wire.SlashAnswer{Oracle: o.key.PublicKey(), Signature: sig}
		case p == wire.JobsPath+o.job.String()+wire.JobHealthPath:
			o.asked.Add(1)
			h := wire.JobHealth{Oracle: o.key.PublicKey(), Job: o.job, At: time.Now().UnixMilli(), Slots: o.slots()}
			for i := range h.Slots {
				if reason, ok := o.down.Load(h.Slots[i].Slot); ok {
					h.Slots[i].Up, h.Slots[i].Reason, h.Slots[i].Since = false, reason.(string), time.Now().Add(-5*time.Second).UnixMilli()
				}
			}
			v = h
		case p == wire.JobsPath+o.job.String():
			v = wire.JobBoard{Spec: &o.spec, Nodes: map[uint8]wire.Signed{}}
		case strings.HasPrefix(p, wire.StatusPath):
			device, _ := solana.PublicKeyFromBase58(strings.TrimPrefix(p, wire.StatusPath))
			now := time.Now().UnixMilli()
			v = wire.DeviceStatus{Oracle: o.key.PublicKey(), Device: device, LastHeartbeat: &wire.HeartbeatSeen{ReceivedAt: now, CreditedUntil: now + 10_000,
				Telemetry: wire.Telemetry{Version: wire.TelemetryVersion}}}
		default:
			http.NotFound(w, r)
			return
		}
		body, _ := json.Marshal(v)
		sig, _ := wire.Sign(o.key, wire.DomainAnswer, body)
		w.Header().Set(wire.KeyHeader, o.key.PublicKey().String())
		w.Header().Set(wire.SignatureHeader, sig.String())
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	o.url = srv.URL
	return o
}

// One oracle saying a device is down changes nothing; when a quorum (2 of 3) says so the
// keeper replaces it with the online Active device that matches the renter's spec, in a fresh
// slot, the old one leaving; a second keeper finds it done. Nothing matching: unmatched.
func TestReplacesADeviceOnlyOnAQuorum(t *testing.T) {
	e := chaintest.New(t)
	// 1 s heartbeats: an abandonment is judged 3 intervals after the device left
	f := &fixture{Env: e, esc: e.InitEscrow(t, func(p *registry.ConfigParams) { p.HeartbeatIntervalSecs = 1 }), prog: e.Network.Escrow}
	renter := f.Funded(t)
	specBody, err := json.Marshal(wire.JobSpec{Job: f.prog.JobAddress(renter.PublicKey(), 1), Class: "h100", Count: 2, Hours: 1})
	require.NoError(t, err)
	sig, err := wire.Sign(renter, wire.DomainRequest, specBody)
	require.NoError(t, err)
	addr := f.prog.JobAddress(renter.PublicKey(), 1)
	renterToken := f.TokenAccount(t, f.IOSDMint, renter.PublicKey(), 2*3600*perSec)
	require.NoError(t, f.Send([]solana.PrivateKey{renter}, chaintest.Must(f.prog.CreateJob(renter.PublicKey(), renterToken, f.IOSDMint,
		onescrow.Terms{JobID: 1, PricePerHour: price, DurationSecs: 3600, DeviceCount: 2, Requirements: sha256.Sum256(specBody)}))))
	providers := []chaintest.Provider{f.ActiveProvider(t, renter), f.ActiveProvider(t, renter)}
	require.NoError(t, f.Send([]solana.PrivateKey{renter}, chaintest.Must(f.prog.AssignDevices(renter.PublicKey(), addr, providers[0].Device, providers[1].Device))))
	for i, p := range providers {
		require.NoError(t, f.Send([]solana.PrivateKey{renter, p.DeviceKey}, chaintest.Must(f.prog.AcceptJob(addr, p.DeviceKey.PublicKey(),
			f.TokenAccount(t, f.IOSDMint, p.Owner.PublicKey(), 0), uint8(i)))))
	}
	hired := func() []wire.SlotHealth { // on the stubs' goroutines: no require here
		j, err := f.prog.FetchJob(f.Ctx, f.Client, addr)
		if err != nil {
			return nil
		}
		var out []wire.SlotHealth
		for i, s := range j.Slots[:j.SlotCount] {
			if s.State == escrow.SlotHired {
				out = append(out, wire.SlotHealth{Slot: uint8(i), Device: s.Device, Up: true})
			}
		}
		return out
	}
	stubs := make([]*oracleStub, 3)
	urls := make([]string, 3)
	for i := range stubs {
		stubs[i] = (&oracleStub{key: f.Oracles[i], job: addr, spec: wire.Signed{Body: specBody, Signer: renter.PublicKey(), Signature: sig}, slots: hired}).serve(t)
		urls[i] = stubs[i].url
	}
	cfg := config()
	cfg.Oracles, cfg.WatchEvery = strings.Join(urls, ","), 200*time.Millisecond
	newKeeper := func() *running {
		r := f.newKeeperWith(t, f.Funded(t), cfg)
		r.k.WithScheduler(f.esc.Scheduler)
		return r.start(t)
	}
	k := newKeeper()

	// A lying (or mistaken) oracle alone: many reports, no replacement.
	stubs[0].down.Store(uint8(1), wire.ReasonNoHeartbeat)
	asked := stubs[0].asked.Load()
	require.Eventually(t, func() bool { return stubs[0].asked.Load() >= asked+5 }, 30*time.Second, 50*time.Millisecond)
	j := f.fetch(t, job{addr: addr})
	require.Equal(t, uint8(2), j.SlotCount)
	require.Equal(t, escrow.SlotHired, j.Slots[1].State)
	require.Zero(t, k.cranks(keeper.KindReplace, keeper.Landed))

	// A quorum, but no other device is Active: unmatched, the slot stays.
	stubs[2].down.Store(uint8(1), wire.ReasonNodeLeft)
	require.Eventually(t, func() bool { return k.cranks(keeper.KindReplace, keeper.Unmatched) == 1 }, 30*time.Second, 50*time.Millisecond)
	require.Equal(t, escrow.SlotHired, f.fetch(t, job{addr: addr}).Slots[1].State)

	// A matching device comes online: the keeper proposes it in slot 2; slot 1 leaves.
	spare := f.ActiveProvider(t, renter)
	require.Eventually(t, func() bool { return f.fetch(t, job{addr: addr}).SlotCount == 3 }, 30*time.Second, 50*time.Millisecond)
	j = f.fetch(t, job{addr: addr})
	require.Equal(t, escrow.SlotLeft, j.Slots[1].State)
	require.Equal(t, providers[1].Device, j.Slots[1].Device)
	require.Equal(t, escrow.Slot{Device: spare.Device, State: escrow.SlotProposed}, j.Slots[2])
	require.Equal(t, escrow.SlotHired, j.Slots[0].State, "the device the quorum did not report stays")
	k.counted(t, map[string]int{keeper.KindReplace: 1})

	// The oracles (here, all) co-sign its abandonment: slashed, the renter the beneficiary.
	k.counted(t, map[string]int{keeper.KindSlash: 1})
	record, err := f.Registry.FetchSlashRecord(f.Ctx, f.Client, providers[1].DeviceKey.PublicKey(), wire.AbandonmentEvidence(addr, 1, providers[1].Device))
	require.NoError(t, err)
	require.Equal(t, registry.OffenceJobAbandonment, record.Offence)
	require.Equal(t, renter.PublicKey(), record.Beneficiary)
	require.Equal(t, addr, record.Job)

	// A second keeper finds nothing to do: slot 1 left, so no report holds it any more.
	second := newKeeper()
	require.Eventually(t, func() bool { return stubs[1].asked.Load() >= 10 }, 30*time.Second, 50*time.Millisecond)
	require.Zero(t, second.cranks(keeper.KindReplace, keeper.Landed)+second.cranks(keeper.KindReplace, keeper.Failed))
	require.Equal(t, uint8(3), f.fetch(t, job{addr: addr}).SlotCount)
}

// A failed challenge the registry tallied (a quorum of the oracles' latest outcomes failed) is
// slashed once, on the co-signatures of the oracles whose records show it: with two of three
// declining there is no quorum and nothing is sent; with one declining the keeper asks the
// other two again as the only co-signers, and the slash lands; a third keeper finds it pending.
func TestSlashesATalliedFailedChallenge(t *testing.T) {
	f := newFixture(t)
	payer := f.Funded(t)
	cheat := f.ActiveProvider(t, payer)
	fail := registry.ProofReport{Window: chaintest.PastWindow(1), UptimeSecs: 2, Challenge: registry.ChallengeFailed}
	for i := range 2 {
		_, err := f.Vote(payer, i, cheat, fail)
		require.NoError(t, err)
	}
	require.Equal(t, uint32(1), f.Device(t, cheat).ChallengesFailed)
	stubs := make([]*oracleStub, 3)
	urls := make([]string, 3)
	for i := range stubs {
		stubs[i] = (&oracleStub{key: f.Oracles[i], slots: func() []wire.SlotHealth { return nil }}).serve(t)
		urls[i] = stubs[i].url
	}
	cfg := config()
	cfg.Oracles, cfg.WatchEvery = strings.Join(urls, ","), 200*time.Millisecond
	run := func() *running { return f.newKeeperWith(t, f.Funded(t), cfg).start(t) }

	stubs[0].refuse.Store(true)
	stubs[1].refuse.Store(true)
	first := run()
	require.Eventually(t, func() bool { return stubs[2].cosigns.Load() >= 1 }, 30*time.Second, 50*time.Millisecond)
	first.stop()
	require.Zero(t, f.Device(t, cheat).PendingSlashes, "two of three oracles have no record of it: no quorum")
	require.Zero(t, first.cranks(keeper.KindSlash, keeper.Landed))

	stubs[1].refuse.Store(false)
	second := run()
	second.counted(t, map[string]int{keeper.KindSlash: 1})
	evidence := wire.FailedChallengeEvidence(cheat.Device, 1)
	record, err := f.Registry.FetchSlashRecord(f.Ctx, f.Client, cheat.DeviceKey.PublicKey(), evidence)
	require.NoError(t, err)
	require.Equal(t, registry.OffenceFailedChallenge, record.Offence)
	require.Equal(t, uint16(0b110), record.SignerMask, "the two oracles that signed, asked again alone")
	require.True(t, record.Beneficiary.IsZero(), "no job: the compensation goes to the pool")
	require.Equal(t, uint8(1<<registry.OffenceFailedChallenge), f.Device(t, cheat).PendingOffences)

	third := run()
	asked := stubs[1].cosigns.Load()
	time.Sleep(time.Second) // five watches: the device's slash for this offence is pending
	require.Equal(t, asked, stubs[1].cosigns.Load(), "nothing asked again")
	require.Zero(t, third.cranks(keeper.KindSlash, keeper.Landed)+third.cranks(keeper.KindSlash, keeper.Failed))
}
