package candidates

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/internal/scheduler"
	"github.com/gpunet/gpunet/internal/wire"
)

// askers bounds the status requests in flight.
const askers = 8

// Live reports whether an oracle's status of a device shows it up now: its last heartbeat was
// credited (not late) until no earlier than one heartbeat interval ago (room for the oracle's
// clock and the request's time).
func Live(st *wire.DeviceStatus, now time.Time, interval time.Duration) bool {
	hb := st.LastHeartbeat
	return hb != nil && !hb.Late && hb.CreditedUntil >= now.Add(-interval).UnixMilli()
}

// liveness sets the Liveness of the candidates that nothing else excludes, from the oracles'
// signed public status of their device keys: Online when one oracle sees it up (Live),
// Offline when every oracle answered and none does, Unknown when none answered.
func (c Chain) liveness(ctx context.Context, cands []scheduler.Candidate, keys map[solana.PublicKey]solana.PublicKey, params *registry.ConfigParams) {
	oracles := protocol.LiveOracles(params)
	interval := time.Duration(params.HeartbeatIntervalSecs) * time.Second
	client := c.HTTP
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	var wg sync.WaitGroup
	slots := make(chan struct{}, askers)
	for i := range cands {
		if len(cands[i].NotHireable) > 0 {
			continue
		}
		wg.Add(1)
		slots <- struct{}{}
		go func(cand *scheduler.Candidate) {
			defer func() { <-slots; wg.Done() }()
			answered := 0
			for _, url := range c.Oracles {
				st, err := status(ctx, client, url, keys[cand.Address], oracles)
				if err != nil {
					continue
				}
				answered++
				if Live(st, time.Now(), interval) {
					cand.Liveness = scheduler.Online
					return
				}
			}
			if answered == len(c.Oracles) {
				cand.Liveness = scheduler.Offline
			}
		}(&cands[i])
	}
	wg.Wait()
}

// status is the oracle at url's status of device, its answer signed by one of oracles.
func status(ctx context.Context, client *http.Client, url string, device solana.PublicKey, oracles []solana.PublicKey) (*wire.DeviceStatus, error) {
	var st wire.DeviceStatus
	if _, err := wire.GetAnswer(ctx, client, url+wire.StatusPath+device.String(), oracles, &st); err != nil {
		return nil, err
	}
	return &st, nil
}
