// Package view reads the registry for the oracle: the Config (heartbeat interval, oracle set,
// proof windows) and Devices, each cached for a short time so a stream of heartbeats costs the
// RPC one read per device per TTL. A missing device is cached too, and reads of keys not in
// the cache share one budget (a token bucket): a flood of random keys costs the RPC at most the
// budget's reads, and the cache holds at most what the budget let in over two TTLs.
package view

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	onregistry "github.com/gpunet/gpunet/onchain/registry"
)

// ErrUnknownDevice means the registry has no Device for a key.
var ErrUnknownDevice = errors.New("no such device in the registry")

// ErrBusy means a key is not cached and the budget of reads is spent: try again later.
var ErrBusy = errors.New("registry read budget spent")

type entry[T any] struct {
	v   T
	err error
	at  time.Time
}

// Registry is a cached view of the registry's Config and Devices.
type Registry struct {
	program onregistry.Program
	reader  chain.Reader
	ttl     time.Duration
	budget  *rate.Limiter
	reads   *prometheus.CounterVec // by account: config, device
	now     func() time.Time

	mu      sync.Mutex
	config  *entry[*registry.Config]
	devices map[solana.PublicKey]entry[*registry.Device]
	swept   time.Time
}

// New is a view of program read through r, cached for ttl; Devices not cached are read burst
// at once, then one per every; reads counts the RPC reads by account (config, device).
func New(program onregistry.Program, r chain.Reader, ttl time.Duration, burst int, every time.Duration, reads *prometheus.CounterVec) *Registry {
	return &Registry{program: program, reader: r, ttl: ttl, budget: rate.NewLimiter(rate.Every(every), burst), reads: reads,
		now: time.Now, devices: map[solana.PublicKey]entry[*registry.Device]{}}
}

// Config is the registry's Config, at most ttl old.
func (v *Registry) Config(ctx context.Context) (*registry.Config, error) {
	v.mu.Lock()
	c := v.config
	v.mu.Unlock()
	if c != nil && v.now().Sub(c.at) < v.ttl {
		return c.v, nil
	}
	v.reads.WithLabelValues("config").Inc()
	cfg, err := v.program.FetchConfig(ctx, v.reader)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	v.config = &entry[*registry.Config]{v: cfg, at: v.now()}
	v.mu.Unlock()
	return cfg, nil
}

// Device is the Device of key, at most ttl old, or ErrUnknownDevice, or ErrBusy when key is
// not cached and the read budget is spent. Other read errors are not cached.
func (v *Registry) Device(ctx context.Context, key solana.PublicKey) (*registry.Device, error) {
	now := v.now()
	v.mu.Lock()
	e, ok := v.devices[key]
	v.mu.Unlock()
	if ok && now.Sub(e.at) < v.ttl {
		return e.v, e.err
	}
	if !v.budget.AllowN(now, 1) {
		return nil, ErrBusy
	}
	v.reads.WithLabelValues("device").Inc()
	d, err := v.program.FetchDevice(ctx, v.reader, key)
	if errors.Is(err, chain.ErrAccountNotFound) {
		d, err = nil, ErrUnknownDevice
	} else if err != nil {
		return nil, err
	}
	v.mu.Lock()
	if now.Sub(v.swept) >= v.ttl { // drop what expired, so the map stays as small as the traffic
		for k, old := range v.devices {
			if now.Sub(old.at) >= v.ttl {
				delete(v.devices, k)
			}
		}
		v.swept = now
	}
	v.devices[key] = entry[*registry.Device]{v: d, err: err, at: now}
	v.mu.Unlock()
	return d, err
}
