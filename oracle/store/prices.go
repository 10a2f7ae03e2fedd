package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// PriceSubmission is one submit_price this oracle sent (State Landed or Failed).
type PriceSubmission struct {
	PublishTime int64
	Price       uint64 // micro-USD per IO
	Conf        uint64
	Sources     int // readings combined; 0 for a fixed price
	Signature   string
	State       string
	Error       string
	CreatedAt   time.Time
}

// PutPrice records a submission's outcome.
func (s *Store) PutPrice(ctx context.Context, p PriceSubmission) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO price_submissions (publish_time, price, conf, sources, signature, state, error)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (publish_time) DO UPDATE SET price = EXCLUDED.price, conf = EXCLUDED.conf, sources = EXCLUDED.sources,
			signature = EXCLUDED.signature, state = EXCLUDED.state, error = EXCLUDED.error, created_at = now()`,
		p.PublishTime, int64(p.Price), int64(p.Conf), p.Sources, p.Signature, p.State, p.Error)
	if err != nil {
		return fmt.Errorf("record price: %w", err)
	}
	return nil
}

// LastPrice is the latest submission that landed, or nil.
func (s *Store) LastPrice(ctx context.Context) (*PriceSubmission, error) {
	var (
		p           PriceSubmission
		price, conf int64
	)
	err := s.pool.QueryRow(ctx, `SELECT publish_time, price, conf, sources, signature, state, error, created_at
		FROM price_submissions WHERE state = $1 ORDER BY publish_time DESC LIMIT 1`, Landed).
		Scan(&p.PublishTime, &price, &conf, &p.Sources, &p.Signature, &p.State, &p.Error, &p.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read last price: %w", err)
	}
	p.Price, p.Conf = uint64(price), uint64(conf)
	return &p, nil
}
