// Package price is the oracle's IO/USD price feed: it reads several independent HTTP JSON
// sources (or, on the localnet, a fixed price from its config), combines them by median with
// staleness and disagreement checks, and submits the result with the economy's submit_price
// once per period, reading the chain first so a restart never submits twice in one period.
//
// Three oracles reading one source are one oracle: the on-chain band rule (economy_price)
// protects against a faulty oracle only if the oracles' prices are independent, so each
// oracle combines several sources itself and refuses to submit when they disagree.
package price

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Why a round submits nothing.
var (
	ErrTooFewSources = errors.New("too few sources")  // fewer than MinSources usable readings
	ErrDisagreement  = errors.New("sources disagree") // usable readings spread beyond MaxSpreadBps
)

// Rule is how readings combine.
type Rule struct {
	MinSources   int           // usable readings needed
	MaxAge       time.Duration // a reading observed longer ago is stale
	MaxSpreadBps uint64        // (highest - lowest) / median, in basis points, at most this
}

// Quote is a combined price: the median of the usable readings in micro-USD per IO, its
// confidence (the farthest usable reading from it) and how many readings it used.
type Quote struct {
	Price uint64
	Conf  uint64
	Used  int
}

// Usable is why Combine leaves r out at now (nil: it counts): its own error, or ErrStale when
// it was observed more than MaxAge before now.
func (rule Rule) Usable(r Reading, now time.Time) error {
	if r.Err != nil {
		return r.Err
	}
	if r.At.Before(now.Add(-rule.MaxAge)) {
		return fmt.Errorf("%w: observed %s", ErrStale, r.At.UTC().Format(time.RFC3339))
	}
	return nil
}

// Combine is the quote of readings at now: the readings that are not Usable are left out;
// the rest must be at least MinSources (ErrTooFewSources) and agree within MaxSpreadBps
// of their median (ErrDisagreement). The median of an even count is the lower middle's and
// upper middle's mean, rounded down.
func Combine(readings []Reading, rule Rule, now time.Time) (Quote, error) {
	var prices []uint64
	for _, r := range readings {
		if rule.Usable(r, now) == nil {
			prices = append(prices, r.Price)
		}
	}
	if len(prices) == 0 || len(prices) < rule.MinSources {
		return Quote{}, fmt.Errorf("%w: %d of %d sources usable, %d needed", ErrTooFewSources, len(prices), len(readings), rule.MinSources)
	}
	slices.Sort(prices)
	mid := len(prices) / 2
	median := prices[mid]
	if len(prices)%2 == 0 {
		a, b := prices[mid-1], prices[mid]
		median = a + (b-a)/2
	}
	lo, hi := prices[0], prices[len(prices)-1]
	// (hi - lo) / median > spread / 10,000 in integers: past the first test hi - lo <= median,
	// so neither product overflows below 1.8e15 micro-USD (MaxSpreadBps <= 10,000)
	if (hi-lo) > median || (hi-lo)*10_000 > median*rule.MaxSpreadBps {
		return Quote{}, fmt.Errorf("%w: %d sources from %d to %d micro-USD (median %d), over %d bps", ErrDisagreement, len(prices), lo, hi, median, rule.MaxSpreadBps)
	}
	return Quote{Price: median, Conf: max(hi-median, median-lo), Used: len(prices)}, nil
}
