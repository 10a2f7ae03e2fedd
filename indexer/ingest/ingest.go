// Package ingest copies gpunet's transactions into the indexer's store: one stream per program
// (registry, escrow, economy) from the cursor stored for it, each transaction read with its
// meta and decoded, then batched (up to BatchSize transactions or BatchWait) and written with
// the accounts they wrote and the streams' cursors in one database transaction.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"golang.org/x/sync/errgroup"

	"github.com/gpunet/gpunet/indexer/decode"
	"github.com/gpunet/gpunet/indexer/store"
	"github.com/gpunet/gpunet/internal/chain"
)

// Config tunes the batches.
type Config struct {
	BatchSize int           // transactions per batch at most
	BatchWait time.Duration // how long a batch waits to fill
	Fetchers  int           // getTransaction calls in flight
	// Confirmed is whether the source reads at confirmed commitment: then what is stored is
	// checked against the finalized chain every FinalityEvery, and what it dropped is rolled
	// back (Finality).
	Confirmed     bool
	FinalityEvery time.Duration
}

// DefaultConfig is the production default.
func DefaultConfig() Config {
	return Config{BatchSize: 500, BatchWait: 50 * time.Millisecond, Fetchers: 16}
}

// Metrics are the ingester's gpunet_indexer_* metrics.
type Metrics struct {
	Transactions prometheus.Counter
	Events       prometheus.Counter
	Undecoded    prometheus.Counter
	BatchSeconds prometheus.Histogram
	LagSlots     prometheus.Gauge
	RolledBack   prometheus.Counter
}

// NewMetrics registers the metrics with f.
func NewMetrics(f promauto.Factory) *Metrics {
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: "gpunet", Subsystem: "indexer", Name: name, Help: help}
	}
	return &Metrics{
		Transactions: f.NewCounter(prometheus.CounterOpts(opts("transactions_total", "Transactions stored."))),
		Events:       f.NewCounter(prometheus.CounterOpts(opts("events_total", "Anchor events stored."))),
		Undecoded:    f.NewCounter(prometheus.CounterOpts(opts("undecoded_total", "Instructions, events and accounts kept undecoded."))),
		BatchSeconds: f.NewHistogram(prometheus.HistogramOpts{Namespace: "gpunet", Subsystem: "indexer", Name: "batch_seconds", Help: "Time to read, decode and write one batch.", Buckets: prometheus.ExponentialBuckets(0.005, 2, 12)}),
		LagSlots:     f.NewGauge(prometheus.GaugeOpts(opts("lag_slots", "The chain's tip slot minus the newest stored transaction's slot."))),
		RolledBack:   f.NewCounter(prometheus.CounterOpts(opts("rolled_back_total", "Transactions stored at confirmed commitment that the finalized chain dropped."))),
	}
}

// Ingester copies the chain into the store.
type Ingester struct {
	cfg      Config
	src      Source
	dec      *decode.Decoder
	st       *store.Store
	programs map[string]solana.PublicKey
	log      *slog.Logger
	m        *Metrics
}

// New returns an ingester of the programs at ids.
func New(cfg Config, src Source, st *store.Store, ids decode.Programs, log *slog.Logger, m *Metrics) (*Ingester, error) {
	dec, err := decode.New(ids)
	if err != nil {
		return nil, err
	}
	if m == nil {
		m = NewMetrics(promauto.With(nil))
	}
	return &Ingester{cfg: cfg, src: src, dec: dec, st: st, log: log, m: m,
		programs: map[string]solana.PublicKey{"registry": ids.Registry, "escrow": ids.Escrow, "economy": ids.Economy}}, nil
}

// item is one stream's delivery.
type item struct {
	program string
	ev      chain.Event
}

// Run ingests until ctx ends or a stream or the store fails for good.
func (in *Ingester) Run(ctx context.Context) error {
	cursors, err := in.st.Cursors(ctx)
	if err != nil {
		return err
	}
	items := make(chan item, in.cfg.BatchSize)
	g, ctx := errgroup.WithContext(ctx)
	for name, id := range in.programs {
		var cursor solana.Signature
		if c, ok := cursors[name]; ok {
			if cursor, err = solana.SignatureFromBase58(c.Signature); err != nil {
				return fmt.Errorf("cursor of %s: %w", name, err)
			}
		}
		g.Go(func() error {
			return in.src.Stream(ctx, id, cursor, func(ctx context.Context, ev chain.Event) error {
				select {
				case items <- item{program: name, ev: ev}:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
		})
	}
	g.Go(func() error { return in.batches(ctx, items) })
	if in.cfg.Confirmed {
		g.Go(func() error {
			every := in.cfg.FinalityEvery
			if every <= 0 {
				every = time.Second
			}
			for {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(every):
				}
				if err := in.Finality(ctx); err != nil && ctx.Err() == nil {
					in.log.Warn("finality check failed; retrying", "err", err)
				}
			}
		})
	}
	return g.Wait()
}

// batches collects items into batches and writes each, retrying a failed one with backoff
// (an RPC or database outage) until ctx ends.
func (in *Ingester) batches(ctx context.Context, items <-chan item) error {
	for {
		var batch []item
		select {
		case <-ctx.Done():
			return ctx.Err()
		case it := <-items:
			batch = append(batch, it)
		}
		deadline := time.After(in.cfg.BatchWait)
	fill:
		for len(batch) < in.cfg.BatchSize {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case it := <-items:
				batch = append(batch, it)
			case <-deadline:
				break fill
			}
		}
		pause := 100 * time.Millisecond
		for {
			err := in.ingest(ctx, batch)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			in.log.Warn("batch failed; retrying", "err", err, "transactions", len(batch), "pause", pause)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(pause):
			}
			pause = min(2*pause, 10*time.Second)
		}
	}
}

// ingest reads, decodes and stores one batch of deliveries with the accounts they wrote, and
// moves each program's cursor to its newest delivery.
func (in *Ingester) ingest(ctx context.Context, batch []item) error {
	start := time.Now()
	b := &store.Batch{Cursors: map[string]store.Cursor{}, Unfinalized: in.cfg.Confirmed}
	var sigs []string
	unique := map[solana.Signature]bool{}
	var order []chain.Event
	for _, it := range batch {
		b.Cursors[it.program] = store.Cursor{Signature: it.ev.Signature.String(), Slot: it.ev.Slot}
		if !unique[it.ev.Signature] {
			unique[it.ev.Signature] = true
			order = append(order, it.ev)
			sigs = append(sigs, it.ev.Signature.String())
		}
	}
	known, err := in.st.Stored(ctx, sigs)
	if err != nil {
		return err
	}
	var fetch []chain.Event
	for _, ev := range order {
		if !known[ev.Signature.String()] {
			fetch = append(fetch, ev)
		}
	}
	txs, err := in.fetch(ctx, fetch)
	if err != nil {
		return err
	}
	b.Txs = txs
	if err := in.accounts(ctx, b); err != nil {
		return err
	}
	n, err := in.st.Write(ctx, b)
	if err != nil {
		return err
	}
	undecoded := len(b.AccountUndecoded)
	for _, t := range txs {
		undecoded += len(t.Undecoded)
		for _, u := range t.Undecoded {
			in.log.Warn("undecoded", "kind", u.Kind, "program", u.Program, "sig", u.Signature, "position", u.Position, "reason", u.Reason)
		}
	}
	for _, u := range b.AccountUndecoded {
		in.log.Warn("undecoded", "kind", u.Kind, "program", u.Program, "address", u.Address, "reason", u.Reason)
	}
	in.m.Transactions.Add(float64(n.Transactions))
	in.m.Events.Add(float64(n.Events))
	in.m.Undecoded.Add(float64(undecoded))
	in.m.BatchSeconds.Observe(time.Since(start).Seconds())
	in.lag(ctx)
	in.log.Debug("batch stored", "transactions", n.Transactions, "instructions", n.Instructions, "events", n.Events, "accounts", n.Accounts)
	return nil
}

// lag sets gpunet_indexer_lag_slots; a failed read leaves it as it was.
func (in *Ingester) lag(ctx context.Context) {
	tip, err := in.src.Slot(ctx)
	if err != nil {
		return
	}
	newest, err := in.st.NewestSlot(ctx)
	if err != nil {
		return
	}
	in.m.LagSlots.Set(float64(tip) - float64(newest))
}

// fetch reads and decodes evs' transactions, Fetchers at a time, in evs' order.
func (in *Ingester) fetch(ctx context.Context, evs []chain.Event) ([]*decode.Tx, error) {
	out := make([]*decode.Tx, len(evs))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, in.cfg.Fetchers))
	for i, ev := range evs {
		g.Go(func() error {
			res, err := in.src.Transaction(ctx, ev.Signature)
			if err != nil {
				return err
			}
			if res == nil {
				return fmt.Errorf("transaction %s: %w", ev.Signature, errNotFound)
			}
			tx, err := in.dec.Transaction(ev.Signature, res)
			if err != nil {
				return err
			}
			out[i] = tx
			return nil
		})
	}
	return out, g.Wait()
}

var errNotFound = errors.New("not found at the commitment")

// accounts reads back what b's transactions wrote: a program account is stored with its
// decoded copy, a missing one (closed) or one no gpunet program owns any more is deleted.
func (in *Ingester) accounts(ctx context.Context, b *store.Batch) error {
	slotOf := map[solana.PublicKey]uint64{}
	var addrs []solana.PublicKey
	for _, t := range b.Txs {
		for _, a := range t.Written {
			if _, ok := slotOf[a]; !ok {
				addrs = append(addrs, a)
			}
			slotOf[a] = max(slotOf[a], t.Slot)
		}
	}
	return in.readAccounts(ctx, b, addrs, slotOf)
}

func (in *Ingester) readAccounts(ctx context.Context, b *store.Batch, addrs []solana.PublicKey, slotOf map[solana.PublicKey]uint64) error {
	if len(addrs) == 0 {
		return nil
	}
	accs, err := in.src.Accounts(ctx, addrs)
	if err != nil {
		return err
	}
	for i, acc := range accs {
		if acc == nil || in.dec.ProgramName(acc.Owner) == "" {
			b.Closed = append(b.Closed, addrs[i].String())
			continue
		}
		a, u := in.dec.Account(acc, slotOf[addrs[i]])
		if u != nil {
			b.AccountUndecoded = append(b.AccountUndecoded, *u)
			continue
		}
		b.Accounts = append(b.Accounts, a)
	}
	return nil
}

// Finality settles the transactions stored at confirmed commitment: those finalized are
// forgotten as pending; those the cluster no longer has although the finalized chain is past
// their slot (a dropped fork) are deleted with their rows, and the accounts they wrote are read
// again.
func (in *Ingester) Finality(ctx context.Context) error {
	pending, err := in.st.Unfinalized(ctx, 1000)
	if err != nil || len(pending) == 0 {
		return err
	}
	sigs := make([]solana.Signature, len(pending))
	for i, p := range pending {
		if sigs[i], err = solana.SignatureFromBase58(p.Signature); err != nil {
			return fmt.Errorf("unfinalized %q: %w", p.Signature, err)
		}
	}
	st, finalized, err := in.src.Finality(ctx, sigs)
	if err != nil {
		return err
	}
	var final, gone []string
	slotOf := map[solana.PublicKey]uint64{}
	var addrs []solana.PublicKey
	for i, p := range pending {
		switch {
		case st[i] == Final:
			final = append(final, p.Signature)
		case st[i] == Gone && p.Slot <= finalized:
			gone = append(gone, p.Signature)
			for _, w := range p.Written {
				a, err := solana.PublicKeyFromBase58(w)
				if err != nil {
					return fmt.Errorf("unfinalized %s writes %q: %w", p.Signature, w, err)
				}
				if _, ok := slotOf[a]; !ok {
					addrs = append(addrs, a)
				}
				slotOf[a] = finalized
			}
		}
	}
	if len(gone) > 0 {
		b := &store.Batch{}
		if err := in.readAccounts(ctx, b, addrs, slotOf); err != nil {
			return err
		}
		if err := in.st.Rollback(ctx, gone, b); err != nil {
			return err
		}
		in.m.RolledBack.Add(float64(len(gone)))
		in.log.Warn("rolled back transactions the finalized chain dropped", "transactions", len(gone), "accounts", len(addrs))
	}
	if len(final) > 0 {
		return in.st.Finalize(ctx, final)
	}
	return nil
}
