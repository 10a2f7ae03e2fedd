package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/gagliardetto/solana-go"
	"github.com/jackc/pgx/v5"
)

// RewardProof is a device's proven uptime in an epoch not folded yet, with its last reputation.
type RewardProof struct {
	Epoch      uint64
	Device     solana.PublicKey
	Uptime     uint64
	Reputation uint16
}

// RewardConfig is a registry configuration with the block time it became live at.
type RewardConfig struct {
	BlockTime int64
	Params    []byte // Borsh
}

// RewardProgress is the rewarder's state (migrations/005_rewards.sql).
type RewardProgress struct {
	EconomyCursor, RegistryCursor solana.Signature
	Folded                        uint64
	Totals                        map[solana.PublicKey]uint64 // SaveRewards: only the changed ones
	Pools                         map[uint64]uint64
	Proofs                        []RewardProof
	Configs                       []RewardConfig // in chain order; SaveRewards adds those past the stored ones
}

// LoadRewards reads the rewarder's state; the zero one (cursors at the first transaction)
// before its first save.
func (s *Store) LoadRewards(ctx context.Context) (*RewardProgress, error) {
	p := &RewardProgress{Totals: map[solana.PublicKey]uint64{}, Pools: map[uint64]uint64{}}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var economy, registry []byte
		var folded int64
		err := tx.QueryRow(ctx, `SELECT economy_cursor, registry_cursor, folded FROM reward_progress`).Scan(&economy, &registry, &folded)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		p.EconomyCursor, p.RegistryCursor, p.Folded = solana.SignatureFromBytes(economy), solana.SignatureFromBytes(registry), uint64(folded)
		if err := each(ctx, tx, `SELECT device, total FROM reward_totals`, func(r pgx.Rows) error {
			var d []byte
			var total int64
			err := r.Scan(&d, &total)
			p.Totals[solana.PublicKeyFromBytes(d)] = uint64(total)
			return err
		}); err != nil {
			return err
		}
		if err := each(ctx, tx, `SELECT epoch, pool FROM reward_pools`, func(r pgx.Rows) error {
			var epoch, pool int64
			err := r.Scan(&epoch, &pool)
			p.Pools[uint64(epoch)] = uint64(pool)
			return err
		}); err != nil {
			return err
		}
		if err := each(ctx, tx, `SELECT epoch, device, uptime, reputation FROM reward_proofs ORDER BY epoch, device`, func(r pgx.Rows) error {
			var epoch, up int64
			var d []byte
			var rep int32
			err := r.Scan(&epoch, &d, &up, &rep)
			p.Proofs = append(p.Proofs, RewardProof{Epoch: uint64(epoch), Device: solana.PublicKeyFromBytes(d), Uptime: uint64(up), Reputation: uint16(rep)})
			return err
		}); err != nil {
			return err
		}
		return each(ctx, tx, `SELECT block_time, params FROM reward_configs ORDER BY seq`, func(r pgx.Rows) error {
			var c RewardConfig
			err := r.Scan(&c.BlockTime, &c.Params)
			p.Configs = append(p.Configs, c)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("load rewards progress: %w", err)
	}
	return p, nil
}

// SaveRewards writes p in one transaction: the cursors with exactly what was read up to them.
func (s *Store) SaveRewards(ctx context.Context, p *RewardProgress) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(`INSERT INTO reward_progress (economy_cursor, registry_cursor, folded) VALUES ($1, $2, $3)
			ON CONFLICT (id) DO UPDATE SET economy_cursor = EXCLUDED.economy_cursor,
				registry_cursor = EXCLUDED.registry_cursor, folded = EXCLUDED.folded`,
			p.EconomyCursor[:], p.RegistryCursor[:], int64(p.Folded))
		for d, total := range p.Totals {
			b.Queue(`INSERT INTO reward_totals (device, total) VALUES ($1, $2)
				ON CONFLICT (device) DO UPDATE SET total = EXCLUDED.total`, d[:], int64(total))
		}
		b.Queue(`DELETE FROM reward_pools`)
		for epoch, pool := range p.Pools {
			b.Queue(`INSERT INTO reward_pools (epoch, pool) VALUES ($1, $2)`, int64(epoch), int64(pool))
		}
		b.Queue(`DELETE FROM reward_proofs`)
		for _, r := range p.Proofs {
			b.Queue(`INSERT INTO reward_proofs (epoch, device, uptime, reputation) VALUES ($1, $2, $3, $4)`,
				int64(r.Epoch), r.Device[:], int64(r.Uptime), int32(r.Reputation))
		}
		for i, c := range p.Configs {
			b.Queue(`INSERT INTO reward_configs (seq, block_time, params) VALUES ($1, $2, $3) ON CONFLICT (seq) DO NOTHING`,
				i, c.BlockTime, c.Params)
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return fmt.Errorf("save rewards progress: %w", err)
	}
	return nil
}

// each calls scan for every row of query.
func each(ctx context.Context, tx pgx.Tx, query string, scan func(pgx.Rows) error) error {
	rows, err := tx.Query(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
