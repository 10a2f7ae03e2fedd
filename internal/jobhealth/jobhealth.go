// Package jobhealth is what the keeper and the renter's CLI make of the oracles' signed
// health reports of a running job (wire.JobHealth): Ask gathers and checks them, Faults says
// which hired devices a quorum of oracles report down, and Replacement is the scheduler's
// request for a device to take a faulty one's place. One oracle's word never decides: a
// device is faulty only when at least the registry's oracle quorum of distinct live oracles,
// each in a report fresh on the reader's clock, say it is down.
package jobhealth

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/scheduler"
	"github.com/gpunet/gpunet/internal/wire"
)

// MaxAge is how far from the reader's clock a report's time may be: an older report (a
// replayed one, say) or one from the future is dropped.
const MaxAge = 30 * time.Second

// Report is an oracle's checked report, and where the oracle answers.
type Report struct {
	URL string
	wire.JobHealth
}

// Ask asks every oracle at urls for its health report of job, in parallel, and returns those
// that check: signed by one of oracles (the registry's live set), by the oracle the report
// names, about job, fresh at now (MaxAge); one per oracle. errs are the others' reasons.
func Ask(ctx context.Context, client *http.Client, urls []string, job solana.PublicKey, oracles []solana.PublicKey, now time.Time) (reports []Report, errs []error) {
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for _, url := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, err := ask(ctx, client, url, job, oracles, now)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", url, err))
				return
			}
			if !slices.ContainsFunc(reports, func(r Report) bool { return r.Oracle == h.Oracle }) {
				reports = append(reports, Report{URL: url, JobHealth: *h})
			}
		}()
	}
	wg.Wait()
	slices.SortFunc(reports, func(a, b Report) int { return bytes.Compare(a.Oracle[:], b.Oracle[:]) })
	return reports, errs
}

func ask(ctx context.Context, client *http.Client, url string, job solana.PublicKey, oracles []solana.PublicKey, now time.Time) (*wire.JobHealth, error) {
	var h wire.JobHealth
	signer, err := wire.GetAnswer(ctx, client, url+wire.JobsPath+job.String()+wire.JobHealthPath, oracles, &h)
	if err != nil {
		return nil, err
	}
	switch at := time.UnixMilli(h.At); {
	case h.Oracle != signer || h.Job != job:
		return nil, fmt.Errorf("a report of %s on job %s signed by %s", h.Oracle, h.Job, signer)
	case at.Before(now.Add(-MaxAge)) || at.After(now.Add(MaxAge)):
		return nil, fmt.Errorf("a report made at %s, over %s from now", at.UTC().Format(time.RFC3339), MaxAge)
	}
	return &h, nil
}

// Fault is a hired slot a quorum of oracles report down, with their reports of it.
type Fault struct {
	Slot    uint8
	Device  solana.PublicKey
	Reports []Seen
}

// Seen is one oracle's report of a slot.
type Seen struct {
	Oracle solana.PublicKey `json:"oracle"`
	At     int64            `json:"at_ms"`
	wire.SlotHealth
}

// Faults are j's hired slots that at least quorum of reports (one per oracle, as Ask returns
// them) say are down, about the device the slot holds now.
func Faults(j *escrow.Job, reports []Report, quorum int) []Fault {
	var out []Fault
	for i, s := range j.Slots[:min(int(j.SlotCount), len(j.Slots))] {
		if s.State != escrow.SlotHired {
			continue
		}
		f := Fault{Slot: uint8(i), Device: s.Device}
		for _, r := range reports {
			for _, h := range r.Slots {
				if h.Slot == f.Slot && h.Device == s.Device && !h.Up {
					f.Reports = append(f.Reports, Seen{Oracle: r.Oracle, At: r.At, SlotHealth: h})
				}
			}
		}
		if quorum > 0 && len(f.Reports) >= quorum {
			out = append(out, f)
		}
	}
	return out
}

// Replacement is the request for one device to replace a faulty one of j (in mint), as the
// renter's spec asked, at the job's price, for the job's remaining time (at least an hour,
// the scheduler's unit) at chain time now; ok is false when the job's time is up.
func Replacement(spec *wire.JobSpec, j *escrow.Job, mint scheduler.Mint, now int64) (req scheduler.Request, ok bool, err error) {
	left := j.StartedAt + j.DurationSecs - now
	if left <= 0 {
		return req, false, nil
	}
	class, err := scheduler.ParseClass(spec.Class)
	if err != nil {
		return req, false, err
	}
	if spec.MinVRAM > math.MaxUint32 {
		return req, false, fmt.Errorf("the spec's min VRAM %d GiB is not a device's", spec.MinVRAM)
	}
	req = scheduler.Request{Class: class, Count: 1, MinVRAM: uint32(spec.MinVRAM), Region: spec.Region, Mint: mint,
		MaxPrice: j.PricePerHour, Hours: uint64(max(1, (left+3599)/3600))}
	return req, true, req.Validate()
}

// Outsiders are the candidates that never held a slot of j: a device that left it, for
// whatever reason, is not proposed to it again.
func Outsiders(cands []scheduler.Candidate, j *escrow.Job) []scheduler.Candidate {
	held := map[solana.PublicKey]bool{}
	for _, s := range j.Slots[:min(int(j.SlotCount), len(j.Slots))] {
		held[s.Device] = true
	}
	return slices.DeleteFunc(cands, func(c scheduler.Candidate) bool { return held[c.Address] })
}
