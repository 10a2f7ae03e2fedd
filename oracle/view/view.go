// Package view reads the registry for the oracle: the Config (heartbeat interval, oracle set,
// proof windows) and Devices, each cached for a short time so a stream of heartbeats costs the
// RPC one read per device per TTL. A missing device is cached too, so unknown keys cannot turn
// into a flood of reads.
package view

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	onregistry "github.com/gpunet/gpunet/onchain/registry"
)

// ErrUnknownDevice means the registry has no Device for a key.
var ErrUnknownDevice = errors.New("no such device in the registry")

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
	now     func() time.Time

	mu      sync.Mutex
	config  *entry[*registry.Config]
	devices map[solana.PublicKey]entry[*registry.Device]
	swept   time.Time
}

// New is a view of program read through r, cached for ttl.
func New(program onregistry.Program, r chain.Reader, ttl time.Duration) *Registry {
	return &Registry{program: program, reader: r, ttl: ttl, now: time.Now, devices: map[solana.PublicKey]entry[*registry.Device]{}}
}

// Config is the registry's Config, at most ttl old.
func (v *Registry) Config(ctx context.Context) (*registry.Config, error) {
	v.mu.Lock()
	c := v.config
	v.mu.Unlock()
	if c != nil && v.now().Sub(c.at) < v.ttl {
		return c.v, nil
	}
	cfg, err := v.program.FetchConfig(ctx, v.reader)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	v.config = &entry[*registry.Config]{v: cfg, at: v.now()}
	v.mu.Unlock()
	return cfg, nil
}

// Device is the Device of key, at most ttl old, or ErrUnknownDevice. Other read errors are
// not cached.
func (v *Registry) Device(ctx context.Context, key solana.PublicKey) (*registry.Device, error) {
	now := v.now()
	v.mu.Lock()
	e, ok := v.devices[key]
	v.mu.Unlock()
	if ok && now.Sub(e.at) < v.ttl {
		return e.v, e.err
	}
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
