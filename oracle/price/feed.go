package price

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/daemon"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/oracle/store"
)

// Settings configure the feed; the oracle's config embeds them. With neither a fixed price
// nor sources the oracle submits no prices.
type Settings struct {
	PriceEvery      time.Duration `key:"price-every" usage:"how often to submit the IO/USD price (the economy counts a price for max_price_age_secs)"`
	PriceFixed      uint64        `key:"price-fixed" usage:"submit this fixed IO/USD price in micro-USD per IO instead of reading sources (localnet only)"`
	PriceConf       uint64        `key:"price-conf" usage:"the fixed price's confidence in micro-USD"`
	PriceSources    string        `key:"price-sources" usage:"HTTP JSON price sources separated by spaces, each URL#PATH or URL#PATH#TIMEPATH (e.g. https://api.example.com/t?p=IO-USD#result[0].last)" secret:"true"`
	PriceMinSources int           `key:"price-min-sources" usage:"sources that must answer with a fresh price to submit (at least 2: one source read by every oracle is one oracle)"`
	PriceMaxSpread  uint64        `key:"price-max-spread-bps" usage:"refuse to submit when the sources' highest and lowest price differ by more than this share of their median, in basis points"`
	PriceMaxAge     time.Duration `key:"price-max-age" usage:"a source's price observed longer ago (its TIMEPATH, else when fetched) is stale"`
	PriceTimeout    time.Duration `key:"price-timeout" usage:"how long to wait for each source"`
}

// DefaultSettings are the production defaults: every 5 minutes (prices count for 10 on
// chain), from at least 2 fresh sources within 2% of each other.
func DefaultSettings() Settings {
	return Settings{PriceEvery: 5 * time.Minute, PriceMinSources: 2, PriceMaxSpread: 200, PriceMaxAge: 2 * time.Minute, PriceTimeout: 5 * time.Second}
}

// Validate checks every field.
func (s *Settings) Validate() error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{daemon.ErrInvalidConfig}, a...)...))
	}
	sources, err := ParseSources(s.PriceSources)
	if err != nil {
		bad("price-sources: %v", err)
	}
	switch {
	case s.PriceFixed > 0 && len(sources) > 0:
		bad("price-fixed and price-sources are both set")
	case len(sources) > 0 && (s.PriceMinSources < 2 || s.PriceMinSources > len(sources)):
		bad("price-min-sources %d is not within 2 and the %d sources", s.PriceMinSources, len(sources))
	}
	if s.PriceMaxSpread < 1 || s.PriceMaxSpread > 10_000 {
		bad("price-max-spread-bps %d is not within 1 and 10000", s.PriceMaxSpread)
	}
	for _, d := range []struct {
		key      string
		v, least time.Duration
	}{{"price-every", s.PriceEvery, time.Second}, {"price-max-age", s.PriceMaxAge, 1}, {"price-timeout", s.PriceTimeout, 1}} {
		if d.v < d.least { // publish times are whole seconds: one period, at least one
			bad("%s %s is under %s", d.key, d.v, d.least)
		}
	}
	return errors.Join(errs...)
}

// Feed submits one oracle's price every period.
type Feed struct {
	s       Settings
	rule    Rule
	sources []Source
	net     *network.Network
	key     chain.Signer
	store   *store.Store
	log     *slog.Logger
	http    *http.Client
	now     func() time.Time
	m       metrics
}

type metrics struct {
	price, conf, published, used prometheus.Gauge
	submissions, refusals        *prometheus.CounterVec
	sourceErrors                 *prometheus.CounterVec
}

// New is the feed of the oracle signing with key (s validated); its metrics are
// gpunet_oracle_price_*. A fixed price is refused off the localnet.
func New(s Settings, n *network.Network, key chain.Signer, st *store.Store, log *slog.Logger, f promauto.Factory) (*Feed, error) {
	if s.PriceFixed > 0 && n.Cluster != network.DevCluster {
		return nil, fmt.Errorf("%w: price-fixed on %s: a fixed price is for the localnet only", daemon.ErrInvalidConfig, n.Cluster)
	}
	sources, err := ParseSources(s.PriceSources)
	if err != nil {
		return nil, err
	}
	gauge := func(name, help string) prometheus.Gauge {
		return f.NewGauge(prometheus.GaugeOpts{Namespace: "gpunet", Subsystem: "oracle", Name: "price_" + name, Help: help})
	}
	counter := func(name, help, label string) *prometheus.CounterVec {
		return f.NewCounterVec(prometheus.CounterOpts{Namespace: "gpunet", Subsystem: "oracle", Name: "price_" + name, Help: help}, []string{label})
	}
	return &Feed{s: s, rule: Rule{MinSources: s.PriceMinSources, MaxAge: s.PriceMaxAge, MaxSpreadBps: s.PriceMaxSpread},
		sources: sources, net: n, key: key, store: st, log: log, http: &http.Client{Timeout: s.PriceTimeout}, now: time.Now,
		m: metrics{
			price:        gauge("micro_usd", "The last IO/USD price this oracle submitted that landed, in micro-USD per IO."),
			conf:         gauge("conf_micro_usd", "Its confidence, in micro-USD."),
			published:    gauge("publish_time_seconds", "Its publish time (unix seconds, the chain's clock)."),
			used:         gauge("sources", "The sources it combined (0: a fixed price)."),
			submissions:  counter("submissions_total", "submit_price transactions by outcome (landed, failed).", "state"),
			refusals:     counter("refusals_total", "Rounds that submitted nothing because the sources were too few or disagreed, by reason.", "reason"),
			sourceErrors: counter("source_errors_total", "Source readings left out (no answer, bad JSON or path, stale), by source (host and path).", "source"),
		}}, nil
}

// Run submits every period until ctx ends; a failed round is logged and retried sooner.
// Without a fixed price or sources it submits nothing.
func (f *Feed) Run(ctx context.Context) error {
	if f.s.PriceFixed == 0 && len(f.sources) == 0 {
		f.log.Info("no price-fixed or price-sources: this oracle submits no prices")
		<-ctx.Done()
		return ctx.Err()
	}
	if last, err := f.store.LastPrice(ctx); err == nil && last != nil {
		f.show(*last)
	}
	retry := max(f.s.PriceEvery/10, time.Second)
	for {
		wait, err := f.Round(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			f.log.Warn("price round", "err", err, "retry", retry)
			wait = retry
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// Round reads the chain and, unless this oracle's price there is younger than a period (a
// restart submits no second price within one), combines its sources and submits the quote
// with the chain's clock as its publish time. It returns how long until the next is due.
func (f *Feed) Round(ctx context.Context) (time.Duration, error) {
	rc, err := f.net.Registry.FetchConfig(ctx, f.net.Client)
	if err != nil {
		return 0, fmt.Errorf("read registry config: %w", f.net.NotConfigured("registry", err))
	}
	slot := slices.Index(protocol.LiveOracles(&rc.Params), f.key.PublicKey())
	if slot < 0 {
		return 0, errors.New("this oracle is not in the registry's oracle set")
	}
	ec, err := f.net.Economy.FetchConfig(ctx, f.net.Client)
	if err != nil {
		return 0, fmt.Errorf("read economy config: %w", f.net.NotConfigured("economy", err))
	}
	now, err := f.chainNow(ctx)
	if err != nil {
		return 0, err
	}
	period := int64(f.s.PriceEvery / time.Second)
	if last := ec.Prices[slot]; ec.PriceOracleSet == protocol.OracleSetFingerprint(&rc.Params) && last.Price != 0 && last.PublishTime+period > now {
		f.log.Debug("price fresh on chain", "published", last.PublishTime, "price", last.Price)
		return time.Duration(last.PublishTime+period-now) * time.Second, nil
	}
	q, err := f.quote(ctx)
	if err != nil {
		f.m.refusals.WithLabelValues(reason(err)).Inc()
		return 0, fmt.Errorf("no price submitted: %w", err)
	}
	sub := store.PriceSubmission{PublishTime: now, Price: q.Price, Conf: q.Conf, Sources: q.Used, State: store.Landed}
	if err := f.submit(ctx, slot, &sub); err != nil {
		return 0, err
	}
	return f.s.PriceEvery, nil
}

// reason is a refusal's metric label.
func reason(err error) string {
	if errors.Is(err, ErrTooFewSources) {
		return "too_few_sources"
	}
	return "disagreement"
}

// quote is the fixed price, or the sources' combined one (each source read concurrently).
func (f *Feed) quote(ctx context.Context) (Quote, error) {
	if f.s.PriceFixed > 0 {
		return Quote{Price: f.s.PriceFixed, Conf: f.s.PriceConf}, nil
	}
	readings := make([]Reading, len(f.sources))
	var wg sync.WaitGroup
	for i, s := range f.sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			readings[i] = Fetch(ctx, f.http, s, f.now())
		}()
	}
	wg.Wait()
	now := f.now()
	for _, r := range readings {
		if err := f.rule.Usable(r, now); err != nil {
			f.m.sourceErrors.WithLabelValues(r.Source).Inc()
			f.log.Warn("price source left out", "source", r.Source, "err", err)
		}
	}
	return Combine(readings, f.rule, now)
}

// submit sends sub's submit_price and records the outcome: landed when the chain holds its
// publish time for this oracle afterwards (whatever the send returned), failed otherwise.
func (f *Feed) submit(ctx context.Context, slot int, sub *store.PriceSubmission) error {
	ix, err := f.net.Economy.SubmitPrice(f.key.PublicKey(), sub.Price, sub.Conf, sub.PublishTime)
	if err != nil {
		return err
	}
	tx, err := f.net.Client.Build(ctx, []solana.Instruction{ix}, f.key.PublicKey())
	if err != nil {
		return err
	}
	if _, err := chain.Sign(tx, f.key); err != nil {
		return err
	}
	sub.Signature = tx.Signatures[0].String()
	_, sendErr := f.net.Client.SendSigned(ctx, tx)
	if sendErr != nil {
		ec, err := f.net.Economy.FetchConfig(ctx, f.net.Client)
		if err != nil || ec.Prices[slot].PublishTime != sub.PublishTime {
			sub.State, sub.Error = store.Failed, sendErr.Error()
		}
	}
	f.m.submissions.WithLabelValues(sub.State).Inc()
	if err := f.store.PutPrice(ctx, *sub); err != nil {
		return err
	}
	if sub.State == store.Failed {
		return fmt.Errorf("submit_price: %w", sendErr)
	}
	f.show(*sub)
	f.log.Info("price", "price", sub.Price, "conf", sub.Conf, "published", sub.PublishTime, "sources", sub.Sources, "sig", sub.Signature)
	return nil
}

// show puts the last landed submission in the metrics.
func (f *Feed) show(s store.PriceSubmission) {
	f.m.price.Set(float64(s.Price))
	f.m.conf.Set(float64(s.Conf))
	f.m.published.Set(float64(s.PublishTime))
	f.m.used.Set(float64(s.Sources))
}

// chainNow is the Clock sysvar's unix timestamp: the time submit_price checks against, so a
// publish time taken from it is never in the program's future.
func (f *Feed) chainNow(ctx context.Context) (int64, error) {
	data, err := f.net.Client.AccountData(ctx, solana.SysVarClockPubkey)
	if err != nil {
		return 0, fmt.Errorf("read clock: %w", err)
	}
	if len(data) < 40 {
		return 0, fmt.Errorf("read clock: %d bytes", len(data))
	}
	return int64(binary.LittleEndian.Uint64(data[32:40])), nil
}
