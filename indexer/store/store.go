// Package store is the indexer's PostgreSQL: its schema (migrations/, embedded and applied by
// New) and the writer that stores a batch of decoded transactions, the accounts they wrote and
// the streams' cursors in one database transaction, so a restart resumes exactly after what
// was stored: no gap, no duplicate.
package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/indexer/decode"
	"github.com/gpunet/gpunet/internal/pg"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the schema's migrations (001_chain.sql, ...), for pg.Migrate.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the embedded directory exists
	}
	return sub
}

// Migrate applies the schema's migrations the database behind pool has not seen yet.
func Migrate(ctx context.Context, pool *pgxpool.Pool) (int32, error) {
	return pg.Migrate(ctx, pool, Migrations())
}

// writerLock serializes writers (two indexers on one database) for the check-then-COPY of
// new signatures; any constant unique to this use.
const writerLock = 0x6770756e6574 // "gpunet"

// Store is the indexer's database.
type Store struct{ pool *pgxpool.Pool }

// New migrates the database behind pool to the latest schema.
func New(ctx context.Context, pool *pgxpool.Pool) (*Store, error) {
	if _, err := Migrate(ctx, pool); err != nil {
		return nil, err
	}
	return &Store{pool: pool}, nil
}

// Pool is the store's pool.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Cursor is where a program's stream stands: the newest signature fully stored.
type Cursor struct {
	Signature string
	Slot      uint64
}

// Cursors are the stored cursors by program.
func (s *Store) Cursors(ctx context.Context) (map[string]Cursor, error) {
	rows, err := s.pool.Query(ctx, `SELECT program, signature, slot FROM ingest_cursors`)
	if err != nil {
		return nil, fmt.Errorf("read cursors: %w", err)
	}
	out := map[string]Cursor{}
	for rows.Next() {
		var p string
		var c Cursor
		var slot int64
		if err := rows.Scan(&p, &c.Signature, &slot); err != nil {
			return nil, fmt.Errorf("read cursors: %w", err)
		}
		c.Slot = uint64(slot)
		out[p] = c
	}
	return out, rows.Err()
}

// Stored reports which of sigs are stored already.
func (s *Store) Stored(ctx context.Context, sigs []string) (map[string]bool, error) {
	return stored(ctx, s.pool, sigs)
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func stored(ctx context.Context, q querier, sigs []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(sigs) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, `SELECT signature FROM transactions WHERE signature = ANY($1)`, sigs)
	if err != nil {
		return nil, fmt.Errorf("read stored signatures: %w", err)
	}
	for rows.Next() {
		var sig string
		if err := rows.Scan(&sig); err != nil {
			return nil, err
		}
		out[sig] = true
	}
	return out, rows.Err()
}

// NewestSlot is the slot of the newest stored transaction (0 when none).
func (s *Store) NewestSlot(ctx context.Context) (uint64, error) {
	var slot int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(slot), 0) FROM transactions`).Scan(&slot); err != nil {
		return 0, fmt.Errorf("newest slot: %w", err)
	}
	return uint64(slot), nil
}

// Batch is what one database transaction stores.
type Batch struct {
	Txs []*decode.Tx
	// Accounts are the latest states of the accounts Txs wrote; Closed the addresses that
	// hold no account any more (their rows are deleted); AccountUndecoded the program
	// accounts that did not decode.
	Accounts         []*decode.Account
	Closed           []string
	AccountUndecoded []decode.Undecoded
	// Cursors move each program's stream to the newest signature of the batch.
	Cursors map[string]Cursor
	// Unfinalized marks Txs as read at confirmed commitment: they are kept in unfinalized until
	// Finalize or Rollback.
	Unfinalized bool
}

// Rows counts what a write stored.
type Rows struct{ Transactions, Instructions, Events, Undecoded, Accounts int }

// Write stores b in one database transaction. A transaction already stored (another
// program's stream delivered it, or a run killed after its commit) is skipped with its rows:
// each signature is stored exactly once.
func (s *Store) Write(ctx context.Context, b *Batch) (Rows, error) {
	var n Rows
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		n, err = write(ctx, tx, b)
		return err
	})
	if err != nil {
		return Rows{}, fmt.Errorf("write batch: %w", err)
	}
	return n, nil
}

func write(ctx context.Context, tx pgx.Tx, b *Batch) (Rows, error) {
	var n Rows
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(writerLock)); err != nil {
		return n, err
	}
	sigs := make([]string, 0, len(b.Txs))
	for _, t := range b.Txs {
		sigs = append(sigs, t.Signature)
	}
	known, err := stored(ctx, tx, sigs)
	if err != nil {
		return n, err
	}
	var txRows, ixRows, evRows, unRows [][]any
	seen := map[string]bool{}
	for _, t := range b.Txs {
		if known[t.Signature] || seen[t.Signature] {
			continue
		}
		seen[t.Signature] = true
		var errJSON any
		if t.Err != nil {
			errJSON = string(t.Err)
		}
		txRows = append(txRows, []any{t.Signature, int64(t.Slot), t.BlockTime, t.FeePayer, errJSON, t.Instructions})
		for _, ix := range t.Ixs {
			ixRows = append(ixRows, []any{t.Signature, int16(ix.Position), ix.Program, ix.Name, string(ix.Accounts), string(ix.Args)})
		}
		for _, ev := range t.Events {
			evRows = append(evRows, []any{t.Signature, int16(ev.Position), int64(t.Slot), t.BlockTime, ev.Program, ev.Name, string(ev.Data)})
		}
		for _, u := range t.Undecoded {
			unRows = append(unRows, []any{u.Kind, u.Program, u.Signature, int16(u.Position), int64(u.Slot), u.Data, u.Reason})
		}
	}
	copyRows := func(table string, cols []string, rows [][]any) (int, error) {
		if len(rows) == 0 {
			return 0, nil
		}
		c, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		if err != nil {
			return 0, fmt.Errorf("copy %s: %w", table, err)
		}
		return int(c), nil
	}
	if n.Transactions, err = copyRows("transactions", TransactionColumns, txRows); err != nil {
		return n, err
	}
	if n.Instructions, err = copyRows("instructions", InstructionColumns, ixRows); err != nil {
		return n, err
	}
	if n.Events, err = copyRows("events", EventColumns, evRows); err != nil {
		return n, err
	}
	if b.Unfinalized {
		var rows [][]any
		for _, t := range b.Txs {
			if !seen[t.Signature] {
				continue
			}
			written := make([]string, len(t.Written))
			for i, a := range t.Written {
				written[i] = a.String()
			}
			rows = append(rows, []any{t.Signature, int64(t.Slot), written})
			delete(seen, t.Signature) // once
		}
		if _, err := copyRows("unfinalized", []string{"signature", "slot", "written"}, rows); err != nil {
			return n, err
		}
	}
	if n.Undecoded, err = copyRows("undecoded", []string{"kind", "program", "signature", "position", "slot", "data", "reason"}, unRows); err != nil {
		return n, err
	}
	if err := writeAccounts(ctx, tx, b); err != nil {
		return n, err
	}
	n.Accounts = len(b.Accounts)
	batch := &pgx.Batch{}
	for program, c := range b.Cursors {
		batch.Queue(`INSERT INTO ingest_cursors (program, signature, slot) VALUES ($1, $2, $3)
			ON CONFLICT (program) DO UPDATE SET signature = excluded.signature, slot = excluded.slot`, program, c.Signature, int64(c.Slot))
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return n, fmt.Errorf("move cursors: %w", err)
	}
	return n, nil
}

// Pending is a transaction stored at confirmed commitment, not yet finalized.
type Pending struct {
	Signature string
	Slot      uint64
	Written   []string
}

// Unfinalized lists up to limit pending transactions, oldest first.
func (s *Store) Unfinalized(ctx context.Context, limit int) ([]Pending, error) {
	rows, err := s.pool.Query(ctx, `SELECT signature, slot, written FROM unfinalized ORDER BY slot, signature LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("read unfinalized: %w", err)
	}
	var out []Pending
	for rows.Next() {
		var p Pending
		var slot int64
		if err := rows.Scan(&p.Signature, &slot, &p.Written); err != nil {
			return nil, fmt.Errorf("read unfinalized: %w", err)
		}
		p.Slot = uint64(slot)
		out = append(out, p)
	}
	return out, rows.Err()
}

// Finalize forgets that sigs were pending: the finalized chain has them.
func (s *Store) Finalize(ctx context.Context, sigs []string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM unfinalized WHERE signature = ANY($1)`, sigs); err != nil {
		return fmt.Errorf("finalize: %w", err)
	}
	return nil
}

// Rollback deletes the transactions the finalized chain dropped, with every row they made
// (instructions, events and unfinalized by cascade, their undecoded rows), and stores the
// accounts they wrote as read again (b.Accounts, b.Closed, b.AccountUndecoded), in one
// database transaction.
func (s *Store) Rollback(ctx context.Context, sigs []string, b *Batch) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(writerLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM undecoded WHERE signature = ANY($1)`, sigs); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM transactions WHERE signature = ANY($1)`, sigs); err != nil {
			return err
		}
		return writeAccounts(ctx, tx, b)
	})
	if err != nil {
		return fmt.Errorf("roll back: %w", err)
	}
	return nil
}

// Column lists of the tables Write copies into (the benchmark copies the same).
var (
	TransactionColumns = []string{"signature", "slot", "block_time", "fee_payer", "err", "instructions"}
	InstructionColumns = []string{"signature", "position", "program", "name", "accounts", "args"}
	EventColumns       = []string{"signature", "position", "slot", "block_time", "program", "name", "data"}
)

// writeAccounts upserts the accounts and their typed copies and deletes the closed ones.
// Batches are written one at a time and each reads its accounts after the one before, so the
// newest read's data wins; a row's slot only grows, because the programs' streams interleave:
// a batch may carry an older transaction that wrote the account (seen first on another
// program's stream) after a newer one, and the row's slot must not depend on that order.
func writeAccounts(ctx context.Context, tx pgx.Tx, b *Batch) error {
	batch := &pgx.Batch{}
	for _, addr := range b.Closed {
		for _, table := range []string{"accounts", "providers", "devices", "clusters", "jobs"} {
			batch.Queue(`DELETE FROM `+table+` WHERE address = $1`, addr)
		}
		batch.Queue(`DELETE FROM undecoded WHERE kind = 'account' AND address = $1`, addr)
	}
	for _, a := range b.Accounts {
		batch.Queue(`INSERT INTO accounts (address, program, kind, data, raw, slot) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (address) DO UPDATE SET program = excluded.program, kind = excluded.kind, data = excluded.data, raw = excluded.raw, slot = greatest(accounts.slot, excluded.slot)`,
			a.Address, a.Program, a.Kind, string(a.Data), a.Raw, int64(a.Slot))
		batch.Queue(`DELETE FROM undecoded WHERE kind = 'account' AND address = $1`, a.Address)
		if err := typed(batch, a); err != nil {
			return err
		}
	}
	for _, u := range b.AccountUndecoded {
		batch.Queue(`INSERT INTO undecoded (kind, program, address, slot, data, reason) VALUES ('account', $1, $2, $3, $4, $5)
			ON CONFLICT (kind, signature, position, address) DO UPDATE SET program = excluded.program, slot = excluded.slot, data = excluded.data, reason = excluded.reason`,
			u.Program, u.Address, int64(u.Slot), u.Data, u.Reason)
	}
	if batch.Len() == 0 {
		return nil
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("write accounts: %w", err)
	}
	return nil
}

// typed queues the upsert of an account's typed copy (providers, devices, clusters, jobs and
// job_slots); other kinds have none.
func typed(batch *pgx.Batch, a *decode.Account) error {
	slot := int64(a.Slot)
	switch v := a.Value.(type) {
	case *registry.Provider:
		uri := v.MetadataUri[:min(int(v.UriLen), len(v.MetadataUri))]
		batch.Queue(`INSERT INTO providers (address, owner, total_stake, device_count, metadata_uri, created_at, slot) VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (address) DO UPDATE SET owner = excluded.owner, total_stake = excluded.total_stake, device_count = excluded.device_count,
			metadata_uri = excluded.metadata_uri, created_at = excluded.created_at, slot = greatest(providers.slot, excluded.slot)`,
			a.Address, v.Owner.String(), numeric(v.TotalStake), int32(v.DeviceCount), string(uri), unix(v.CreatedAt), slot)
	case *registry.Device:
		batch.Queue(`INSERT INTO devices (address, device_key, provider, owner, status, hardware_model, gpu_count, vram_gib, region, stake, reputation,
				benchmark_score, proven_uptime_secs, challenges_passed, challenges_failed, slash_count, current_job, registered_at, slot)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
			ON CONFLICT (address) DO UPDATE SET device_key = excluded.device_key, provider = excluded.provider, owner = excluded.owner,
			status = excluded.status, hardware_model = excluded.hardware_model, gpu_count = excluded.gpu_count, vram_gib = excluded.vram_gib,
			region = excluded.region, stake = excluded.stake, reputation = excluded.reputation, benchmark_score = excluded.benchmark_score,
			proven_uptime_secs = excluded.proven_uptime_secs, challenges_passed = excluded.challenges_passed,
			challenges_failed = excluded.challenges_failed, slash_count = excluded.slash_count, current_job = excluded.current_job,
			registered_at = excluded.registered_at, slot = greatest(devices.slot, excluded.slot)`,
			a.Address, v.DeviceKey.String(), v.Provider.String(), v.Owner.String(), int16(v.Status), int64(v.Spec.HardwareModel),
			int32(v.Spec.GpuCount), int64(v.Spec.VramGib), int32(v.Spec.Region), numeric(v.Stake), int32(v.Reputation),
			numeric(v.BenchmarkScore), numeric(v.ProvenUptimeSecs), int64(v.ChallengesPassed), int64(v.ChallengesFailed),
			int32(v.SlashCount), key(v.CurrentJob), unix(v.RegisteredAt), slot)
	case *escrow.Cluster:
		batch.Queue(`INSERT INTO clusters (address, renter, cluster_id, open_jobs, total_jobs, slot) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (address) DO UPDATE SET renter = excluded.renter, cluster_id = excluded.cluster_id, open_jobs = excluded.open_jobs,
			total_jobs = excluded.total_jobs, slot = greatest(clusters.slot, excluded.slot)`,
			a.Address, v.Renter.String(), numeric(v.ClusterId), int64(v.OpenJobs), int64(v.TotalJobs), slot)
	case *escrow.Job:
		batch.Queue(`INSERT INTO jobs (address, renter, cluster, mint, job_id, state, device_count, price_per_hour, duration_secs, deposited,
				paid_out, fees_treasury, fees_burned, refunded, created_at, started_at, ended_at, slot)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
			ON CONFLICT (address) DO UPDATE SET renter = excluded.renter, cluster = excluded.cluster, mint = excluded.mint,
			job_id = excluded.job_id, state = excluded.state, device_count = excluded.device_count, price_per_hour = excluded.price_per_hour,
			duration_secs = excluded.duration_secs, deposited = excluded.deposited, paid_out = excluded.paid_out,
			fees_treasury = excluded.fees_treasury, fees_burned = excluded.fees_burned, refunded = excluded.refunded,
			created_at = excluded.created_at, started_at = excluded.started_at, ended_at = excluded.ended_at, slot = greatest(jobs.slot, excluded.slot)`,
			a.Address, v.Renter.String(), key(v.Cluster), v.Mint.String(), numeric(v.JobId), int16(v.State), int32(v.DeviceCount),
			numeric(v.PricePerHour), v.DurationSecs, numeric(v.Deposited), numeric(v.PaidOut), numeric(v.FeesTreasury),
			numeric(v.FeesBurned), numeric(v.Refunded), unix(v.CreatedAt), optUnix(v.StartedAt), optUnix(v.EndedAt), slot)
		batch.Queue(`DELETE FROM job_slots WHERE job = $1`, a.Address)
		for i := range min(int(v.SlotCount), len(v.Slots)) {
			s := v.Slots[i]
			batch.Queue(`INSERT INTO job_slots (job, slot_index, device, payout, state, joined_at, left_at, verified_secs, paid_secs)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
				a.Address, int16(i), key(s.Device), key(s.Payout), int16(s.State), optUnix(s.JoinedAt), optUnix(s.LeftAt),
				numeric(s.VerifiedSecs), numeric(s.PaidSecs))
		}
	case nil:
		return errors.New("account without its decoded value")
	}
	return nil
}

func numeric(v uint64) pgtype.Numeric {
	return pgtype.Numeric{Int: new(big.Int).SetUint64(v), Valid: true}
}

func unix(t int64) time.Time { return time.Unix(t, 0).UTC() }

// optUnix is null for 0 (not yet).
func optUnix(t int64) *time.Time {
	if t == 0 {
		return nil
	}
	u := unix(t)
	return &u
}

// key is null for the zero key (none).
func key(k solana.PublicKey) *string {
	if k.IsZero() {
		return nil
	}
	s := k.String()
	return &s
}
