package challenge

import (
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"
)

// member is a device as its latest heartbeat showed it.
type member struct {
	key    solana.PublicKey
	owner  solana.PublicKey // the Device's owner on chain
	addr   string           // the heartbeat's remote address
	model  uint32
	status uint8
	at     time.Time
}

// cohorts index heartbeating devices by owner and by address: the devices one machine could
// be time-shared between.
type cohorts struct {
	mu    sync.Mutex
	by    map[string]map[solana.PublicKey]member // "o"+owner or "a"+addr -> members
	swept time.Time
}

func newCohorts() cohorts { return cohorts{by: map[string]map[solana.PublicKey]member{}} }

// beat records m's heartbeat at now and says whether m's challenge may start: m is
// challenged and no other member of its cohorts that is challenged this period and
// heartbeating (within alive) has not yet heartbeated since periodStart. The last member to heartbeat in the period releases
// the cohort, and each of the others gets its offer at its next heartbeat, within one
// interval.
func (c *cohorts) beat(m member, now time.Time, alive time.Duration, periodStart time.Time, challenged func(member) bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	m.at = now
	if now.Sub(c.swept) > alive { // forget devices gone silent, so the index stays bounded
		for k, ms := range c.by {
			c.prune(k, ms, now, alive)
		}
		c.swept = now
	}
	ready := challenged(m)
	for _, k := range []string{"o" + m.owner.String(), "a" + m.addr} {
		ms := c.by[k]
		if ms == nil {
			ms = map[solana.PublicKey]member{}
			c.by[k] = ms
		}
		for _, o := range ms {
			if o.key != m.key && now.Sub(o.at) <= alive && o.at.Before(periodStart) && challenged(o) {
				ready = false
			}
		}
		ms[m.key] = m
	}
	return ready
}

func (c *cohorts) prune(k string, ms map[solana.PublicKey]member, now time.Time, alive time.Duration) {
	for key, o := range ms {
		if now.Sub(o.at) > alive {
			delete(ms, key)
		}
	}
	if len(ms) == 0 {
		delete(c.by, k)
	}
}
