package jobhealth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/jobhealth"
	"github.com/gpunet/gpunet/internal/scheduler"
	"github.com/gpunet/gpunet/internal/wire"
)

// oracle serves report as its health answer, signed by key.
func oracle(t *testing.T, key solana.PrivateKey, report wire.JobHealth) string {
	body, err := json.Marshal(report)
	require.NoError(t, err)
	sig, err := wire.Sign(key, wire.DomainAnswer, body)
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(wire.KeyHeader, key.PublicKey().String())
		w.Header().Set(wire.SignatureHeader, sig.String())
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// Only reports that check count: signed by a live oracle about itself and this job, fresh, one
// per oracle; a quorum of them decides a fault, one oracle never does.
func TestAskAndFaults(t *testing.T) {
	keys := []solana.PrivateKey{solana.NewWallet().PrivateKey, solana.NewWallet().PrivateKey, solana.NewWallet().PrivateKey}
	outsider := solana.NewWallet().PrivateKey
	live := []solana.PublicKey{keys[0].PublicKey(), keys[1].PublicKey(), keys[2].PublicKey()}
	job, other := solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey()
	devices := []solana.PublicKey{solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey()}
	now := time.UnixMilli(1_700_000_000_000)
	down := []wire.SlotHealth{{Slot: 0, Device: devices[0], Up: true}, {Slot: 1, Device: devices[1], Reason: wire.ReasonNoHeartbeat, Since: now.UnixMilli() - 9000}}
	report := func(k solana.PrivateKey, j solana.PublicKey, at time.Time) wire.JobHealth {
		return wire.JobHealth{Oracle: k.PublicKey(), Job: j, At: at.UnixMilli(), Slots: down}
	}
	urls := []string{
		oracle(t, keys[0], report(keys[0], job, now)),
		oracle(t, keys[0], report(keys[0], job, now)),                                    // the same oracle twice
		oracle(t, keys[1], report(keys[1], job, now.Add(-jobhealth.MaxAge-time.Second))), // stale
		oracle(t, keys[2], report(keys[2], other, now)),                                  // another job
		oracle(t, outsider, report(outsider, job, now)),                                  // not a live oracle
		oracle(t, keys[1], report(keys[2], job, now)),                                    // names another oracle
	}
	reports, errs := jobhealth.Ask(context.Background(), http.DefaultClient, urls, job, live, now)
	require.Len(t, reports, 1)
	require.Equal(t, keys[0].PublicKey(), reports[0].Oracle)
	require.Len(t, errs, 4)

	j := &escrow.Job{SlotCount: 3}
	j.Slots[0] = escrow.Slot{Device: devices[0], State: escrow.SlotHired}
	j.Slots[1] = escrow.Slot{Device: devices[1], State: escrow.SlotHired}
	require.Empty(t, jobhealth.Faults(j, reports, 2), "one oracle's word")

	fresh := append(reports, jobhealth.Report{JobHealth: report(keys[1], job, now)})
	faults := jobhealth.Faults(j, fresh, 2)
	require.Len(t, faults, 1)
	require.Equal(t, uint8(1), faults[0].Slot)
	require.Equal(t, devices[1], faults[0].Device)
	require.Len(t, faults[0].Reports, 2)
	require.Equal(t, wire.ReasonNoHeartbeat, faults[0].Reports[1].Reason)

	j.Slots[1].Device = solana.NewWallet().PublicKey() // replaced meanwhile: the reports are of the old device
	require.Empty(t, jobhealth.Faults(j, fresh, 2))
}

// A replacement is asked as the spec asked, one device, at the job's price, for its time left.
func TestReplacement(t *testing.T) {
	j := &escrow.Job{StartedAt: 1000, DurationSecs: 7200, PricePerHour: 450_000, SlotCount: 2}
	j.Slots[0].Device = solana.NewWallet().PublicKey()
	spec := &wire.JobSpec{Class: "cpu", Count: 2, MinVRAM: 8, Region: 276}
	req, ok, err := jobhealth.Replacement(spec, j, scheduler.IOSD, 1000+3601)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, scheduler.Request{Class: 0, Count: 1, MinVRAM: 8, Region: 276, Mint: scheduler.IOSD, MaxPrice: 450_000, Hours: 1}, req)
	_, ok, err = jobhealth.Replacement(spec, j, scheduler.IOSD, 1000+7200)
	require.NoError(t, err)
	require.False(t, ok, "time is up")

	cands := []scheduler.Candidate{{Address: j.Slots[0].Device}, {Address: solana.NewWallet().PublicKey()}}
	want := cands[1]
	require.Equal(t, []scheduler.Candidate{want}, jobhealth.Outsiders(cands, j))
}
