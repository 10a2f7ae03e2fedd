package ingest_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/gpunet/gpunet/indexer/store"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/pg/pgtest"
)

// BenchmarkIngestLag sends registry stakes at a target of 200 transactions a second from
// parallel senders for 10 s while the ingester follows at confirmed commitment, sampling the
// lag (gpunet_indexer_lag_slots: the tip slot minus the newest stored slot) every 100 ms. It
// reports the rate reached and the lag's median and maximum.
func BenchmarkIngestLag(b *testing.B) {
	const (
		rate     = 200
		senders  = 16
		duration = 10 * time.Second
	)
	for b.Loop() {
		e := chaintest.New(b)
		e.InitRegistry(b, solana.SystemProgramID)
		providers := make([]chaintest.Provider, senders)
		for i := range providers {
			providers[i] = e.NewProvider(b, chaintest.H100, 10_000*chaintest.IO, 0)
		}
		db := pgtest.DB(b)
		ctx, cancel := context.WithCancel(context.Background())
		st, err := store.New(ctx, db)
		if err != nil {
			b.Fatal(err)
		}
		startIngesterB(b, e, st, ctx)

		var sent atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		tick := time.Second * senders / rate // each sender's pace
		for i, p := range providers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := uint64(1); time.Since(start) < duration; n++ {
					next := start.Add(time.Duration(n) * tick)
					ix := chaintest.Must(e.Registry.Stake(p.Owner.PublicKey(), p.DeviceKey.PublicKey(), p.Token, n*senders+uint64(i)))
					if _, err := e.Client.Send(ctx, []solana.Instruction{ix}, p.Owner); err == nil {
						sent.Add(1)
					}
					time.Sleep(time.Until(next))
				}
			}()
		}
		c := chain.New(e.Node.RPCURL, chain.WithCommitment(rpc.CommitmentConfirmed))
		var lags []float64
		for time.Since(start) < duration {
			time.Sleep(100 * time.Millisecond)
			tip, err1 := c.Slot(ctx)
			newest, err2 := st.NewestSlot(ctx)
			if err1 == nil && err2 == nil && newest > 0 {
				lags = append(lags, float64(tip)-float64(newest))
			}
		}
		wg.Wait()
		elapsed := time.Since(start)
		cancel()
		slices.Sort(lags)
		b.ReportMetric(float64(sent.Load())/elapsed.Seconds(), "tx/s")
		if len(lags) > 0 {
			b.ReportMetric(lags[len(lags)/2], "lag-p50-slots")
			b.ReportMetric(lags[len(lags)*99/100], "lag-p99-slots")
			b.ReportMetric(lags[len(lags)-1], "lag-max-slots")
		}
	}
}
