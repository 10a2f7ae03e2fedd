package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/gagliardetto/solana-go"
	"github.com/jackc/pgx/v5"

	"github.com/gpunet/gpunet/internal/wire"
)

// PutSpec stores a job's spec as signed (checked against the chain before), replacing the one
// stored: only a body whose hash is the job's requirements_hash gets here.
func (s *Store) PutSpec(ctx context.Context, job solana.PublicKey, spec wire.Signed) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO job_specs (job, body, signer, signature) VALUES ($1, $2, $3, $4)
		ON CONFLICT (job) DO UPDATE SET body = EXCLUDED.body, signer = EXCLUDED.signer, signature = EXCLUDED.signature, updated_at = now()
		WHERE job_specs.body <> EXCLUDED.body`, job.String(), spec.Body, spec.Signer.String(), spec.Signature[:])
	if err != nil {
		return fmt.Errorf("store spec: %w", err)
	}
	return nil
}

// Node is a device's announcement on a job as stored.
type Node struct {
	Job, Device solana.PublicKey
	Slot        uint8
	Timestamp   int64
	Body        []byte
	Signature   solana.Signature
}

// PutNode stores n if it is newer than the one stored for its job and device; the same
// announcement again is accepted as it is, anything else ErrReplayed (nothing stored).
func (s *Store) PutNode(ctx context.Context, n Node) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO job_nodes (job, device, slot, timestamp_ms, body, signature) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (job, device) DO UPDATE SET slot = EXCLUDED.slot, timestamp_ms = EXCLUDED.timestamp_ms, body = EXCLUDED.body,
				signature = EXCLUDED.signature, updated_at = now()
			WHERE job_nodes.timestamp_ms < EXCLUDED.timestamp_ms`,
			n.Job.String(), n.Device.String(), int16(n.Slot), n.Timestamp, n.Body, n.Signature[:])
		if err != nil {
			return fmt.Errorf("store node: %w", err)
		}
		if tag.RowsAffected() == 1 {
			return nil
		}
		var stored []byte
		err = tx.QueryRow(ctx, `SELECT body FROM job_nodes WHERE job = $1 AND device = $2 AND timestamp_ms = $3`,
			n.Job.String(), n.Device.String(), n.Timestamp).Scan(&stored)
		if errors.Is(err, pgx.ErrNoRows) || err == nil && !bytes.Equal(stored, n.Body) {
			return ErrReplayed
		}
		return err
	})
}

// Board is what is stored for job: its spec (nil if none) and each slot's latest announcement.
// Found is false when nothing is.
func (s *Store) Board(ctx context.Context, job solana.PublicKey) (board wire.JobBoard, found bool, err error) {
	board.Nodes = map[uint8]wire.Signed{}
	var (
		spec   wire.Signed
		signer string
		sig    []byte
	)
	err = s.pool.QueryRow(ctx, `SELECT body, signer, signature FROM job_specs WHERE job = $1`, job.String()).Scan(&spec.Body, &signer, &sig)
	switch {
	case err == nil:
		if spec.Signer, err = solana.PublicKeyFromBase58(signer); err != nil {
			return board, false, fmt.Errorf("read spec: %w", err)
		}
		copy(spec.Signature[:], sig)
		board.Spec, found = &spec, true
	case !errors.Is(err, pgx.ErrNoRows):
		return board, false, fmt.Errorf("read spec: %w", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT ON (slot) slot, device, body, signature FROM job_nodes WHERE job = $1
		ORDER BY slot, timestamp_ms DESC`, job.String())
	if err != nil {
		return board, false, fmt.Errorf("read nodes: %w", err)
	}
	var (
		slot   int16
		device string
		n      wire.Signed
	)
	_, err = pgx.ForEachRow(rows, []any{&slot, &device, &n.Body, &sig}, func() error {
		key, err := solana.PublicKeyFromBase58(device)
		if err != nil {
			return err
		}
		entry := wire.Signed{Body: bytes.Clone(n.Body), Signer: key}
		copy(entry.Signature[:], sig)
		board.Nodes[uint8(slot)] = entry
		return nil
	})
	if err != nil {
		return board, false, fmt.Errorf("read nodes: %w", err)
	}
	return board, found || len(board.Nodes) > 0, nil
}
