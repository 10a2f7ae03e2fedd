// Package view reads the chain for the oracle: the registry's Config (heartbeat interval,
// oracle set, proof windows) and Devices, and the escrow's Jobs (for the job relay), each
// cached for a short time so a stream of requests costs the RPC one read per account per TTL.
// A missing account is cached too, and reads of keys not in the cache share one budget (a
// token bucket): a flood of random keys costs the RPC at most the budget's reads, and the
// caches hold at most what the budget let in over two TTLs.
package view

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
	onregistry "github.com/gpunet/gpunet/onchain/registry"
)

// ErrUnknownDevice means the registry has no Device for a key.
var ErrUnknownDevice = errors.New("no such device in the registry")

// ErrUnknownJob means no escrow Job is at an address.
var ErrUnknownJob = errors.New("no such job in the escrow")

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
	reads   *prometheus.CounterVec // by account: config, device, job
	now     func() time.Time
	devices *cache[*registry.Device]

	mu     sync.Mutex
	config *entry[*registry.Config]
}

// cache holds accounts by address, each read at most ttl ago; an address without the
// account is cached as missing too.
type cache[T any] struct {
	label   string // of the reads counter
	missing error  // answered for an address without the account
	fetch   func(context.Context, solana.PublicKey) (T, error)

	mu      sync.Mutex
	entries map[solana.PublicKey]entry[T]
	swept   time.Time
}

// New is a view of program read through r, cached for ttl; Devices not cached are read burst
// at once, then one per every; reads counts the RPC reads by account (config, device).
func New(program onregistry.Program, r chain.Reader, ttl time.Duration, burst int, every time.Duration, reads *prometheus.CounterVec) *Registry {
	v := &Registry{program: program, reader: r, ttl: ttl, budget: rate.NewLimiter(rate.Every(every), burst), reads: reads, now: time.Now}
	v.devices = &cache[*registry.Device]{label: "device", missing: ErrUnknownDevice, entries: map[solana.PublicKey]entry[*registry.Device]{},
		fetch: func(ctx context.Context, key solana.PublicKey) (*registry.Device, error) {
			d, err := program.FetchDevice(ctx, r, key)
			if errors.Is(err, chain.ErrAccountNotFound) {
				return nil, ErrUnknownDevice
			}
			return d, err
		}}
	return v
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
	return get(ctx, v, v.devices, key)
}

// Jobs is a cached view of program's Jobs, and of the Devices their slots name, sharing v's
// TTL, read budget and counter.
func (v *Registry) Jobs(program onescrow.Program) *Jobs {
	return &Jobs{program: program, view: v,
		jobs:    at(v, "job", program.ID, ErrUnknownJob, escrow.ParseAccount_Job),
		devices: at(v, "device", program.Registry.ID, ErrUnknownDevice, registry.ParseAccount_Device)}
}

// at is a cache of owner's accounts read by address and decoded by parse; an account another
// program owns, or that does not decode, is missing.
func at[T any](v *Registry, label string, owner solana.PublicKey, missing error, parse func([]byte) (T, error)) *cache[T] {
	return &cache[T]{label: label, missing: missing, entries: map[solana.PublicKey]entry[T]{}, fetch: func(ctx context.Context, addr solana.PublicKey) (T, error) {
		var zero T
		a, err := v.reader.Accounts(ctx, []solana.PublicKey{addr})
		if err != nil {
			return zero, err
		}
		if a[0] == nil || a[0].Owner != owner { // the programs write these only at their PDAs
			return zero, missing
		}
		out, err := parse(a[0].Data)
		if err != nil {
			return zero, missing
		}
		return out, nil
	}}
}

// Jobs is a cached view of the escrow's Jobs.
type Jobs struct {
	program onescrow.Program
	view    *Registry
	jobs    *cache[*escrow.Job]
	devices *cache[*registry.Device] // by address
}

// Job is the Job at addr, at most the view's ttl old, or ErrUnknownJob (no account, or not an
// escrow Job), or ErrBusy when addr is not cached and the read budget is spent.
func (j *Jobs) Job(ctx context.Context, addr solana.PublicKey) (*escrow.Job, error) {
	return get(ctx, j.view, j.jobs, addr)
}

// DeviceAddress is the registry Device of deviceKey, as a Job's slots name it.
func (j *Jobs) DeviceAddress(deviceKey solana.PublicKey) solana.PublicKey {
	return j.program.Registry.DeviceAddress(deviceKey)
}

// RegistryID is the registry program's id.
func (j *Jobs) RegistryID() solana.PublicKey { return j.program.Registry.ID }

// DeviceAt is the registry Device at address (a Job slot's device), like Job.
func (j *Jobs) DeviceAt(ctx context.Context, address solana.PublicKey) (*registry.Device, error) {
	return get(ctx, j.view, j.devices, address)
}

// get is c's account at key, read through v's budget when not cached.
func get[T any](ctx context.Context, v *Registry, c *cache[T], key solana.PublicKey) (T, error) {
	now := v.now()
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < v.ttl {
		return e.v, e.err
	}
	if !v.budget.AllowN(now, 1) {
		var zero T
		return zero, ErrBusy
	}
	v.reads.WithLabelValues(c.label).Inc()
	a, err := c.fetch(ctx, key)
	if err != nil && !errors.Is(err, c.missing) {
		return a, err
	}
	c.mu.Lock()
	if now.Sub(c.swept) >= v.ttl { // drop what expired, so the map stays as small as the traffic
		for k, old := range c.entries {
			if now.Sub(old.at) >= v.ttl {
				delete(c.entries, k)
			}
		}
		c.swept = now
	}
	c.entries[key] = entry[T]{v: a, err: err, at: now}
	c.mu.Unlock()
	return a, err
}
