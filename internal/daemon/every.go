package daemon

import (
	"context"
	"log/slog"
	"time"
)

// Every runs round at once and then every interval until ctx ends: the loop of a daemon's
// periodic work. A failed round is logged under what and the next one runs on time, so one
// bad RPC answer or database hiccup never stops the daemon.
func Every(ctx context.Context, interval time.Duration, log *slog.Logger, what string, round func(context.Context) error) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := round(ctx); err != nil && ctx.Err() == nil {
			log.Warn(what, "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
