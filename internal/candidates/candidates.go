// Package candidates is the scheduler's Source on the chain: the registry's Device accounts
// of the hardware models asked for, each read with one filtered program scan, judged under the
// registry's live Config. The explorer API will be another Source.
package candidates

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/scheduler"
	onregistry "github.com/gpunet/gpunet/onchain/registry"
)

// Client is what Chain reads through (a *chain.Client is one).
type Client interface {
	chain.Reader
	chain.Scanner
}

// Chain reads candidates from the registry through Client and, when Oracles are named, asks
// them which devices are up.
type Chain struct {
	Client   Client
	Registry onregistry.Program
	Oracles  []string     // the oracles' base URLs; none: every device's liveness is Unknown
	HTTP     *http.Client // for the oracles; nil: one with a 5 s timeout
}

var _ scheduler.Source = Chain{}

// Candidates are the registered devices of models (every device when none), whatever their
// status: the scheduler counts the unhireable ones in its explanation, and the offline ones
// when the oracles were asked.
func (c Chain) Candidates(ctx context.Context, models ...uint32) ([]scheduler.Candidate, error) {
	config, err := c.Registry.FetchConfig(ctx, c.Client)
	if err != nil {
		return nil, fmt.Errorf("read the registry config: %w", err)
	}
	devices, err := c.Registry.Devices(ctx, c.Client, models...)
	if err != nil {
		return nil, fmt.Errorf("scan devices: %w", err)
	}
	out := make([]scheduler.Candidate, len(devices))
	keys := make(map[solana.PublicKey]solana.PublicKey, len(devices))
	for i, d := range devices {
		out[i] = scheduler.FromDevice(config, d.Address, d.Device)
		keys[d.Address] = d.Device.DeviceKey
	}
	if len(c.Oracles) > 0 {
		c.liveness(ctx, out, keys, &config.Params)
	}
	return out, nil
}
