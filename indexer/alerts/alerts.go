package alerts

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gpunet/gpunet/internal/daemon"
)

// The events a webhook may subscribe to.
const (
	EventOffline   = "device.offline"
	EventUnhealthy = "device.unhealthy"
	EventSlashed   = "device.slashed"
)

// Events are the event names, in order.
var Events = []string{EventOffline, EventUnhealthy, EventSlashed}

// Config is the alerts' configuration.
type Config struct {
	// Window is how far a signed request's timestamp may be from the server's clock.
	Window time.Duration
	// MaxWebhooks bounds an owner's webhooks.
	MaxWebhooks int
	// AllowPrivate lets webhooks target loopback, private and link-local addresses and plain
	// http (tests and make dev); off, only https to public hosts is taken.
	AllowPrivate bool
	// Interval is the detector's and the delivery loop's period.
	Interval time.Duration
	// Attempts is how many POSTs a delivery gets before it is given up.
	Attempts int
	// Backoff is the wait after the first failed attempt, doubled after each, up to MaxBackoff.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Timeout bounds one POST.
	Timeout time.Duration
	// SlotMargin is how many slots behind its cursor the slash detector reads again (events
	// ingested late within it are still alerted; the idempotency key removes repeats).
	SlotMargin int64
}

// DefaultConfig is the configuration the indexer starts from.
func DefaultConfig() Config {
	return Config{Window: 5 * time.Minute, MaxWebhooks: 10, Interval: 5 * time.Second, Attempts: 12,
		Backoff: 5 * time.Second, MaxBackoff: time.Hour, Timeout: 10 * time.Second, SlotMargin: 150}
}

// Validate refuses a configuration that cannot work.
func (c Config) Validate() error {
	switch {
	case c.Window <= 0 || c.Interval <= 0 || c.Backoff <= 0 || c.Timeout <= 0:
		return fmt.Errorf("alerts: window, interval, backoff and timeout must be > 0")
	case c.MaxBackoff < c.Backoff:
		return fmt.Errorf("alerts: max-backoff %s below backoff %s", c.MaxBackoff, c.Backoff)
	case c.MaxWebhooks < 1 || c.Attempts < 1 || c.SlotMargin < 0:
		return fmt.Errorf("alerts: max-webhooks and attempts must be >= 1, slot-margin >= 0")
	}
	return nil
}

// Service is the alerts: the webhook API, the detector and the delivery loop.
type Service struct {
	db     *pgxpool.Pool
	cfg    Config
	prober Prober
	log    *slog.Logger
	http   *http.Client
	// Now is the clock (tests set it).
	Now func() time.Time
}

// New is the alerts over db (migrated with indexer/store's migrations, 002 included); prober
// tells the devices' health (Oracles asks the oracles; nil: no offline or unhealthy alerts).
func New(db *pgxpool.Pool, cfg Config, prober Prober, log *slog.Logger) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// No proxy (the dialer must see the webhook's own address) and, unless private addresses
	// are allowed, a check of every address the client connects to.
	dialer := &net.Dialer{Timeout: cfg.Timeout}
	if !cfg.AllowPrivate {
		dialer.Control = refusePrivate
	}
	transport := &http.Transport{DialContext: dialer.DialContext, TLSHandshakeTimeout: cfg.Timeout, MaxIdleConnsPerHost: 2, IdleConnTimeout: time.Minute}
	client := &http.Client{Timeout: cfg.Timeout, Transport: transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &Service{db: db, cfg: cfg, prober: prober, log: log.With("component", "alerts"), http: client, Now: time.Now}, nil
}

// Prune forgets the signed requests whose timestamps left the window: a replay of one is
// refused as stale, so remembering its signature is no longer needed.
func (s *Service) Prune(ctx context.Context) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM webhook_requests WHERE at < $1`, s.Now().Add(-s.cfg.Window)); err != nil {
		return fmt.Errorf("prune signed requests: %w", err)
	}
	return nil
}

// Run prunes, detects and delivers every Interval until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	return daemon.Every(ctx, s.cfg.Interval, s.log, "alerts round", func(ctx context.Context) error {
		if err := s.Prune(ctx); err != nil {
			s.log.Warn("prune", "err", err)
		}
		if err := s.Detect(ctx); err != nil {
			s.log.Warn("detect", "err", err)
		}
		_, err := s.Deliver(ctx)
		return err
	})
}
