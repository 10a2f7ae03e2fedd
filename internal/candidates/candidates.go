// Package candidates is the scheduler's Source on the chain: the registry's Device accounts
// of the hardware models asked for, each read with one filtered program scan, judged under the
// registry's live Config. The explorer API will be another Source.
package candidates

import (
	"context"
	"fmt"

	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/scheduler"
	onregistry "github.com/gpunet/gpunet/onchain/registry"
)

// Client is what Chain reads through (a *chain.Client is one).
type Client interface {
	chain.Reader
	chain.Scanner
}

// Chain reads candidates from the registry through Client.
type Chain struct {
	Client   Client
	Registry onregistry.Program
}

var _ scheduler.Source = Chain{}

// Candidates are the registered devices of models (every device when none), whatever their
// status: the scheduler counts the unhireable ones in its explanation.
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
	for i, d := range devices {
		out[i] = scheduler.FromDevice(config, d.Address, d.Device)
	}
	return out, nil
}
