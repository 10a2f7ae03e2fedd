package indexer

import (
	"context"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/indexer/alerts"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/internal/protocol"
)

// oracleSetTTL is how long the oracle set read from the registry is used before it is read
// again: a rotation is seen within a minute.
const oracleSetTTL = time.Minute

// oracleProber tells the alerts a device's health through the oracles' signed status, checked
// against the oracle keys and heartbeat interval of the registry's Config as the chain holds it
// (read lazily: the indexer may start before the programs are configured).
type oracleProber struct {
	urls    []string
	network *network.Network

	mu     sync.Mutex
	set    alerts.Oracles
	readAt time.Time
}

func (p *oracleProber) Probe(ctx context.Context, deviceKey solana.PublicKey) (alerts.Health, error) {
	set, err := p.oracles(ctx)
	if err != nil {
		return alerts.Health{}, err
	}
	return set.Probe(ctx, deviceKey)
}

func (p *oracleProber) oracles(ctx context.Context) (alerts.Oracles, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.readAt) < oracleSetTTL {
		return p.set, nil
	}
	rc, err := p.network.Registry.FetchConfig(ctx, p.network.Client)
	if err != nil {
		return alerts.Oracles{}, err
	}
	params := rc.Params
	keys := protocol.LiveOracles(&params)
	p.set = alerts.Oracles{URLs: p.urls, Keys: keys, Interval: time.Duration(params.HeartbeatIntervalSecs) * time.Second}
	p.readAt = time.Now()
	return p.set, nil
}
