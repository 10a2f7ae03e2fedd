package alerts

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The headers of a delivery.
const (
	HeaderEvent          = "Gpunet-Event"
	HeaderWebhook        = "Gpunet-Webhook"
	HeaderIdempotencyKey = "Gpunet-Idempotency-Key"
	HeaderTimestamp      = "Gpunet-Timestamp"
	HeaderSignature      = "Gpunet-Signature"
)

// Sign is a delivery's signature: "v1=" and the hex HMAC-SHA256, under the webhook's secret, of
// the timestamp (unix seconds, decimal), a ".", and the body's exact bytes.
func Sign(secret []byte, timestamp int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(timestamp, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// Errors of Verify.
var (
	ErrBadSignature = errors.New("webhook signature does not verify")
	ErrStale        = errors.New("webhook timestamp outside the tolerance")
)

// Verify is what a receiver runs on a delivery: the signature header is the HMAC of the
// timestamp header and the body under secret, and the timestamp is within tolerance of now
// (against replays; the idempotency key removes repeats).
func Verify(secret []byte, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: no timestamp", ErrBadSignature)
	}
	if !hmac.Equal([]byte(h.Get(HeaderSignature)), []byte(Sign(secret, ts, body))) {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrStale
	}
	return nil
}

// backoff is the wait after the attempts-th failed attempt.
func (s *Service) backoff(attempts int) time.Duration {
	d := s.cfg.Backoff
	for i := 1; i < attempts && d < s.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.cfg.MaxBackoff)
}

// Deliver POSTs the deliveries due now (at most 100) and returns how many were delivered.
// Each is leased for Timeout beyond now first, so two loops never send one at once.
func (s *Service) Deliver(ctx context.Context) (int, error) {
	now := s.Now()
	rows, err := s.db.Query(ctx, `WITH due AS (
			SELECT id FROM alert_deliveries WHERE delivered_at IS NULL AND failed_at IS NULL AND next_at <= $1
			ORDER BY next_at, id LIMIT 100 FOR UPDATE SKIP LOCKED),
		leased AS (UPDATE alert_deliveries a SET next_at = $2 FROM due WHERE a.id = due.id RETURNING a.id, a.webhook, a.key, a.event, a.body, a.attempts)
		SELECT l.id, l.webhook, l.key, l.event, l.body, l.attempts, w.url, w.secret FROM leased l JOIN webhooks w ON w.id = l.webhook ORDER BY l.id`,
		now, now.Add(2*s.cfg.Timeout))
	if err != nil {
		return 0, fmt.Errorf("lease deliveries: %w", err)
	}
	type delivery struct {
		id, webhook int64
		key, event  string
		body        []byte
		attempts    int
		url         string
		secret      []byte
	}
	due, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (delivery, error) {
		var d delivery
		return d, r.Scan(&d.id, &d.webhook, &d.key, &d.event, &d.body, &d.attempts, &d.url, &d.secret)
	})
	if err != nil {
		return 0, fmt.Errorf("lease deliveries: %w", err)
	}
	delivered := 0
	for _, d := range due {
		sendErr := s.post(ctx, d.url, d.webhook, d.key, d.event, d.secret, d.body)
		done := s.Now()
		attempts := d.attempts + 1
		switch {
		case sendErr == nil:
			delivered++
			_, err = s.db.Exec(ctx, `UPDATE alert_deliveries SET attempts = $2, delivered_at = $3, last_error = NULL WHERE id = $1`, d.id, attempts, done)
		case attempts >= s.cfg.Attempts:
			s.log.Warn("webhook delivery given up", "webhook", d.webhook, "key", d.key, "attempts", attempts, "err", sendErr)
			_, err = s.db.Exec(ctx, `UPDATE alert_deliveries SET attempts = $2, failed_at = $3, last_error = $4 WHERE id = $1`, d.id, attempts, done, sendErr.Error())
		default:
			_, err = s.db.Exec(ctx, `UPDATE alert_deliveries SET attempts = $2, next_at = $3, last_error = $4 WHERE id = $1`, d.id, attempts, done.Add(s.backoff(attempts)), sendErr.Error())
		}
		if err != nil {
			return delivered, fmt.Errorf("record delivery %d: %w", d.id, err)
		}
	}
	return delivered, nil
}

// post sends one signed delivery; any answer but 2xx is an error.
func (s *Service) post(ctx context.Context, url string, webhook int64, key, event string, secret, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	ts := s.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "gpunet-indexer-alerts/1")
	req.Header.Set(HeaderEvent, event)
	req.Header.Set(HeaderWebhook, strconv.FormatInt(webhook, 10))
	req.Header.Set(HeaderIdempotencyKey, key)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(secret, ts, body))
	resp, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("post: %w", err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("answered %d: %s", resp.StatusCode, strings.TrimSpace(string(snippet)))
	}
	return nil
}
