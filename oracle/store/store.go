// Package store is the oracle's PostgreSQL state: the last accepted sequence per device, the
// heartbeats it received (telemetry and the uptime they credit) and what it sent on-chain. Its
// migrations are embedded and run by Open.
package store

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gpunet/gpunet/internal/pg"
	"github.com/gpunet/gpunet/internal/wire"
	"github.com/gpunet/gpunet/oracle/uptime"
)

//go:embed migrations/*.sql
var migrations embed.FS

// ErrReplayed means a heartbeat's sequence is not above the last one accepted from its device.
var ErrReplayed = errors.New("sequence not above the last accepted")

// Store is the oracle's database.
type Store struct{ pool *pgxpool.Pool }

// New migrates the database behind pool to the latest schema.
func New(ctx context.Context, pool *pgxpool.Pool) (*Store, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	if _, err := pg.Migrate(ctx, pool, sub); err != nil {
		return nil, err
	}
	return &Store{pool: pool}, nil
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

// Heartbeat is an accepted heartbeat as stored.
type Heartbeat struct {
	Device    string
	Sequence  uint64
	WorkerMs  int64
	Credit    uptime.Interval
	Credited  bool
	Telemetry wire.Telemetry
}

// Accept stores hb if its sequence is above the device's last accepted one (ErrReplayed
// otherwise, and nothing is stored).
func (s *Store) Accept(ctx context.Context, hb Heartbeat) error {
	telemetry, err := json.Marshal(hb.Telemetry)
	if err != nil {
		return fmt.Errorf("encode telemetry: %w", err)
	}
	var until *int64
	if hb.Credited {
		until = &hb.Credit.Until
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO devices (device, last_sequence) VALUES ($1, $2)
			ON CONFLICT (device) DO UPDATE SET last_sequence = EXCLUDED.last_sequence
			WHERE devices.last_sequence < EXCLUDED.last_sequence`, hb.Device, int64(hb.Sequence))
		if err != nil {
			return fmt.Errorf("advance sequence: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return ErrReplayed
		}
		_, err = tx.Exec(ctx, `INSERT INTO heartbeats (device, sequence, worker_ms, received_ms, credited_until_ms, telemetry)
			VALUES ($1, $2, $3, $4, $5, $6)`, hb.Device, int64(hb.Sequence), hb.WorkerMs, hb.Credit.From, until, telemetry)
		if err != nil {
			return fmt.Errorf("insert heartbeat: %w", err)
		}
		return nil
	})
}

// Credits are the intervals credited to device that overlap [fromMs, untilMs).
func (s *Store) Credits(ctx context.Context, device string, fromMs, untilMs int64) ([]uptime.Interval, error) {
	return s.credits(ctx, ``, device, fromMs, untilMs)
}

// JobCredits are the intervals credited to device while it said its Ray node for job was alive.
func (s *Store) JobCredits(ctx context.Context, device, job string, fromMs, untilMs int64) ([]uptime.Interval, error) {
	return s.credits(ctx, onJob, device, fromMs, untilMs, job)
}

// HeadCredits are the intervals credited to head while it said its Ray node for job was alive
// and listed member's node alive in its cluster.
func (s *Store) HeadCredits(ctx context.Context, head, job, member string, fromMs, untilMs int64) ([]uptime.Interval, error) {
	return s.credits(ctx, listedByHead, head, fromMs, untilMs, job, member)
}

// Filters of the heartbeats credited to a job's nodes, on the arguments after the device and
// the span ($4 the job, $5 a member): the device's node alive on the job; and the head's node
// alive listing the member's.
const (
	onJob        = `AND telemetry ? 'job' AND telemetry->'job'->>'job' = $4 AND (telemetry->'job'->>'alive')::boolean`
	listedByHead = onJob + ` AND jsonb_exists(telemetry->'job'->'members', $5)`
)

// LastCredit is the end of device's last credit, among those ending after sinceMs (0: none).
func (s *Store) LastCredit(ctx context.Context, device string, sinceMs, nowMs int64) (int64, error) {
	return s.lastCredit(ctx, ``, device, sinceMs, nowMs)
}

// LastJobCredit is the end of device's last credit while its node was alive on job, among
// those ending after sinceMs (0: none).
func (s *Store) LastJobCredit(ctx context.Context, device, job string, sinceMs, nowMs int64) (int64, error) {
	return s.lastCredit(ctx, onJob, device, sinceMs, nowMs, job)
}

// LastHeadCredit is the end of head's last credit while it listed member's node alive on job,
// among those ending after sinceMs (0: none).
func (s *Store) LastHeadCredit(ctx context.Context, head, job, member string, sinceMs, nowMs int64) (int64, error) {
	return s.lastCredit(ctx, listedByHead, head, sinceMs, nowMs, job, member)
}

func (s *Store) lastCredit(ctx context.Context, where, device string, sinceMs, nowMs int64, args ...any) (int64, error) {
	var last *int64
	err := s.pool.QueryRow(ctx, `SELECT max(credited_until_ms) FROM heartbeats
		WHERE device = $1 AND credited_until_ms > $2 AND received_ms < $3 `+where, append([]any{device, sinceMs, nowMs}, args...)...).Scan(&last)
	if err != nil || last == nil {
		return 0, err
	}
	return *last, nil
}

// credits are device's credited intervals overlapping [fromMs, untilMs) among the heartbeats
// that also match where (on arguments from $4).
func (s *Store) credits(ctx context.Context, where, device string, fromMs, untilMs int64, args ...any) ([]uptime.Interval, error) {
	rows, err := s.pool.Query(ctx, `SELECT received_ms, credited_until_ms FROM heartbeats
		WHERE device = $1 AND credited_until_ms > $2 AND received_ms < $3 `+where+` ORDER BY received_ms`,
		append([]any{device, fromMs, untilMs}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("read credits: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (uptime.Interval, error) {
		var iv uptime.Interval
		return iv, r.Scan(&iv.From, &iv.Until)
	})
}

// CreditedSince lists the devices credited with uptime after sinceMs.
func (s *Store) CreditedSince(ctx context.Context, sinceMs int64) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT device FROM heartbeats WHERE credited_until_ms > $1 ORDER BY device`, sinceMs)
	if err != nil {
		return nil, fmt.Errorf("read devices: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// Last is the last heartbeat accepted from device, or nil.
func (s *Store) Last(ctx context.Context, device string) (*Heartbeat, error) {
	var (
		hb        = Heartbeat{Device: device}
		seq       int64
		until     *int64
		telemetry []byte
	)
	err := s.pool.QueryRow(ctx, `SELECT sequence, worker_ms, received_ms, credited_until_ms, telemetry FROM heartbeats
		WHERE device = $1 ORDER BY sequence DESC LIMIT 1`, device).Scan(&seq, &hb.WorkerMs, &hb.Credit.From, &until, &telemetry)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read last heartbeat: %w", err)
	}
	hb.Sequence, hb.Credit.Until, hb.Credited = uint64(seq), hb.Credit.From, until != nil
	if until != nil {
		hb.Credit.Until = *until
	}
	if err := json.Unmarshal(telemetry, &hb.Telemetry); err != nil {
		return nil, fmt.Errorf("decode telemetry: %w", err)
	}
	return &hb, nil
}

// Kinds of Action.
const (
	Vote  = "vote"
	Count = "count"
	Close = "close"
	Usage = "usage" // a record_usage vote: Device is the job's address
)

// States of an Action.
const (
	Pending = "pending" // signed and stored; sent or about to be
	Landed  = "landed"
	Failed  = "failed" // refused by the chain: it did not land
)

// Action is one transaction this oracle sent on-chain about a window of a device.
type Action struct {
	Kind       string
	Device     string
	Window     uint64
	Base       uint64
	UptimeSecs uint32
	Signature  string
	Tx         []byte
	State      string
	Error      string
	UpdatedAt  time.Time
}

// Action is the action of kind on (device, window, base), or nil.
func (s *Store) Action(ctx context.Context, kind, device string, window, base uint64) (*Action, error) {
	rows, err := s.pool.Query(ctx, `SELECT kind, device, window_id, base, uptime_secs, signature, tx, state, error, updated_at
		FROM actions WHERE kind = $1 AND device = $2 AND window_id = $3 AND base = $4`, kind, device, int64(window), int64(base))
	if err != nil {
		return nil, fmt.Errorf("read action: %w", err)
	}
	as, err := collectActions(rows)
	if err != nil || len(as) == 0 {
		return nil, err
	}
	return &as[0], nil
}

// Actions are device's latest actions, newest first.
func (s *Store) Actions(ctx context.Context, device string, limit int) ([]Action, error) {
	rows, err := s.pool.Query(ctx, `SELECT kind, device, window_id, base, uptime_secs, signature, tx, state, error, updated_at
		FROM actions WHERE device = $1 ORDER BY updated_at DESC, window_id DESC LIMIT $2`, device, limit)
	if err != nil {
		return nil, fmt.Errorf("read actions: %w", err)
	}
	return collectActions(rows)
}

// Pending are the actions stored before they were sent whose outcome is not recorded yet
// (sent or not: a crash may have come between), oldest first.
func (s *Store) Pending(ctx context.Context) ([]Action, error) {
	rows, err := s.pool.Query(ctx, `SELECT kind, device, window_id, base, uptime_secs, signature, tx, state, error, updated_at
		FROM actions WHERE state = $1 ORDER BY updated_at, window_id`, Pending)
	if err != nil {
		return nil, fmt.Errorf("read pending actions: %w", err)
	}
	return collectActions(rows)
}

func collectActions(rows pgx.Rows) ([]Action, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Action, error) {
		var (
			a                    Action
			window, base, uptime int64
		)
		err := r.Scan(&a.Kind, &a.Device, &window, &base, &uptime, &a.Signature, &a.Tx, &a.State, &a.Error, &a.UpdatedAt)
		a.Window, a.Base, a.UptimeSecs = uint64(window), uint64(base), uint32(uptime)
		return a, err
	})
}

// Put records a (the signed transaction before it is sent, or its outcome), replacing the
// previous action on the same (kind, device, window, base).
func (s *Store) Put(ctx context.Context, a Action) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO actions (kind, device, window_id, base, uptime_secs, signature, tx, state, error, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
		ON CONFLICT (kind, device, window_id, base) DO UPDATE SET uptime_secs = EXCLUDED.uptime_secs, signature = EXCLUDED.signature,
			tx = EXCLUDED.tx, state = EXCLUDED.state, error = EXCLUDED.error, updated_at = now()`,
		a.Kind, a.Device, int64(a.Window), int64(a.Base), int64(a.UptimeSecs), a.Signature, a.Tx, a.State, a.Error)
	if err != nil {
		return fmt.Errorf("record %s: %w", a.Kind, err)
	}
	return nil
}
