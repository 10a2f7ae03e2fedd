package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// States of a Challenge.
const (
	Offered = "offered"
	Rooted  = "rooted"
	Passed  = "passed"
	Fail    = "failed"
)

// Findings: why a challenge failed, kept as evidence of hardware that is not what it claims.
const (
	FindingSlow       = "slow"       // the root came after the class's deadline
	FindingWrong      = "wrong"      // the opened entries or the multiproof did not check
	FindingUnanswered = "unanswered" // no root, or no proof, by its deadline
)

// ErrStep means a challenge is not in the state a step needs (it moved on meanwhile).
var ErrStep = errors.New("challenge not in the state this step needs")

// Challenge is one proof-of-compute challenge as stored.
type Challenge struct {
	ID             string
	Device         string
	Period         uint64
	Model          uint32
	N              int
	Seed           []byte
	IssuedMs       int64
	RootDeadlineMs int64
	OpenWithinMs   int64
	Root           []byte
	RootMs         *int64
	Positions      []byte
	ProofDeadline  *int64
	State          string
	Finding        string
	Failure        string
	ElapsedMs      *int64
	GOPS           *float64
	Score          uint64
	DecidedMs      *int64
	ReportedWindow *int64
}

const challengeColumns = `id, device, period, model, n, seed, issued_ms, root_deadline_ms, open_within_ms, root, root_ms, positions,
	proof_deadline_ms, state, finding, failure, elapsed_ms, gops, score, decided_ms, reported_window`

func scanChallenge(r pgx.CollectableRow) (Challenge, error) {
	var (
		c             Challenge
		period, score int64
		model         int32
	)
	err := r.Scan(&c.ID, &c.Device, &period, &model, &c.N, &c.Seed, &c.IssuedMs, &c.RootDeadlineMs, &c.OpenWithinMs, &c.Root, &c.RootMs,
		&c.Positions, &c.ProofDeadline, &c.State, &c.Finding, &c.Failure, &c.ElapsedMs, &c.GOPS, &score, &c.DecidedMs, &c.ReportedWindow)
	c.Period, c.Model, c.Score = uint64(period), uint32(model), uint64(score)
	return c, err
}

func (s *Store) oneChallenge(ctx context.Context, where string, args ...any) (*Challenge, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+challengeColumns+` FROM challenges WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read challenge: %w", err)
	}
	cs, err := pgx.CollectRows(rows, scanChallenge)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	return &cs[0], nil
}

// Offer stores c unless the device already has a challenge in c's period, and returns the
// device's challenge of that period (c, or the one stored before).
func (s *Store) Offer(ctx context.Context, c Challenge) (*Challenge, error) {
	_, err := s.pool.Exec(ctx, `INSERT INTO challenges (id, device, period, model, n, seed, issued_ms, root_deadline_ms, open_within_ms, state)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (device, period) DO NOTHING`,
		c.ID, c.Device, int64(c.Period), int32(c.Model), c.N, c.Seed, c.IssuedMs, c.RootDeadlineMs, c.OpenWithinMs, Offered)
	if err != nil {
		return nil, fmt.Errorf("store challenge: %w", err)
	}
	return s.oneChallenge(ctx, `device = $1 AND period = $2`, c.Device, int64(c.Period))
}

// ChallengeByID is the challenge id, or nil.
func (s *Store) ChallengeByID(ctx context.Context, id string) (*Challenge, error) {
	return s.oneChallenge(ctx, `id = $1`, id)
}

// Root records a challenge's root and the positions drawn for it: offered -> rooted, once
// (ErrStep when it is not offered any more).
func (s *Store) Root(ctx context.Context, id string, root []byte, rootMs int64, positions []byte, proofDeadlineMs int64) error {
	tag, err := s.pool.Exec(ctx, `UPDATE challenges SET state = $2, root = $3, root_ms = $4, positions = $5, proof_deadline_ms = $6
		WHERE id = $1 AND state = $7`, id, Rooted, root, rootMs, positions, proofDeadlineMs, Offered)
	if err != nil {
		return fmt.Errorf("record root: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrStep
	}
	return nil
}

// Decide records a challenge's outcome (c.State Passed or Fail, with c's finding, failure,
// elapsed time, throughput and score) if it is still in state from (ErrStep otherwise).
func (s *Store) Decide(ctx context.Context, c Challenge, from string, nowMs int64) error {
	tag, err := s.pool.Exec(ctx, `UPDATE challenges SET state = $2, finding = $3, failure = $4, elapsed_ms = $5, gops = $6, score = $7, decided_ms = $8
		WHERE id = $1 AND state = $9`, c.ID, c.State, c.Finding, c.Failure, c.ElapsedMs, c.GOPS, int64(c.Score), nowMs, from)
	if err != nil {
		return fmt.Errorf("record outcome: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrStep
	}
	return nil
}

// Expire fails device's challenges whose root or proof is overdue at nowMs (unanswered), and
// says how many.
func (s *Store) Expire(ctx context.Context, device string, nowMs int64) (int64, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE challenges SET state = $3, finding = $4, decided_ms = $2,
			failure = CASE state WHEN $5 THEN 'no root by the deadline' ELSE 'no proof by the deadline' END
		WHERE device = $1 AND (state = $5 AND root_deadline_ms < $2 OR state = $6 AND proof_deadline_ms < $2)`,
		device, nowMs, Fail, FindingUnanswered, Offered, Rooted)
	if err != nil {
		return 0, fmt.Errorf("expire challenges: %w", err)
	}
	return tag.RowsAffected(), nil
}

// Unreported is device's oldest decided challenge whose outcome no landed vote carried yet, or nil.
func (s *Store) Unreported(ctx context.Context, device string) (*Challenge, error) {
	return s.oneChallenge(ctx, `device = $1 AND reported_window IS NULL AND state IN ($2, $3) ORDER BY decided_ms, id LIMIT 1`, device, Passed, Fail)
}

// Reported records that the landed vote on window carried challenge id's outcome.
func (s *Store) Reported(ctx context.Context, id string, window uint64) error {
	_, err := s.pool.Exec(ctx, `UPDATE challenges SET reported_window = $2 WHERE id = $1`, id, int64(window))
	if err != nil {
		return fmt.Errorf("record report: %w", err)
	}
	return nil
}

// Challenges are device's latest challenges, newest first.
func (s *Store) Challenges(ctx context.Context, device string, limit int) ([]Challenge, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+challengeColumns+` FROM challenges WHERE device = $1 ORDER BY issued_ms DESC LIMIT $2`, device, limit)
	if err != nil {
		return nil, fmt.Errorf("read challenges: %w", err)
	}
	return pgx.CollectRows(rows, scanChallenge)
}
