package store_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/indexer/decode"
	"github.com/gpunet/gpunet/indexer/store"
	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/pg/pgtest"
)

// synthetic is n decoded transactions of three instructions and three events each, as a
// settle with its CPIs decodes, with fresh signatures from slot on.
func synthetic(n int, slot uint64) []*decode.Tx {
	at := time.Unix(1_700_000_000, 0).UTC()
	accounts := json.RawMessage(`{"job": "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin", "payer": "4WVjiks4g1CsnP2tAWgTUZZ9B3fKwRxWBNptTvNpuv8t", "payout": "CHa3mFRiBdkDTNQV1TBnXfgUyk7hJyJcPFGY9jupiym5"}`)
	data := json.RawMessage(`{"job": "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin", "device": "EVSXC7YhfWjXB1tXTUfGr5VASbtN7wz3fnXioSYEFias", "secs": 3600, "payout": 3420000, "feeTreasury": 90000, "feeBurned": 90000}`)
	out := make([]*decode.Tx, n)
	for i := range out {
		var sig solana.Signature
		_, _ = rand.Read(sig[:])
		t := &decode.Tx{Signature: sig.String(), Slot: slot + uint64(i), BlockTime: &at, FeePayer: "4WVjiks4g1CsnP2tAWgTUZZ9B3fKwRxWBNptTvNpuv8t",
			Instructions: []string{"escrow.settle", "economy.burn_fee", "registry.set_device_job"}}
		for p, name := range []string{"settle", "burn_fee", "set_device_job"} {
			t.Ixs = append(t.Ixs, decode.Instruction{Position: p, Program: "escrow", Name: name, Accounts: accounts, Args: json.RawMessage(`{"slot": 0}`)})
			t.Events = append(t.Events, decode.Event{Position: p, Program: "escrow", Name: "Settled", Data: data})
		}
		out[i] = t
	}
	return out
}

func newStore(t harness.TB) *store.Store {
	st, err := store.New(context.Background(), pgtest.DB(t))
	if err != nil {
		t.Fatalf("%v", err)
	}
	return st
}

// A batch written twice, and a transaction two programs' streams delivered, are stored once;
// the cursors move with the rows.
func TestWriteExactlyOnce(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	txs := synthetic(3, 100)
	b := &store.Batch{Txs: append(txs, txs[1]), Cursors: map[string]store.Cursor{"escrow": {Signature: txs[2].Signature, Slot: 102}, "economy": {Signature: txs[1].Signature, Slot: 101}}}
	n, err := st.Write(ctx, b)
	require.NoError(t, err)
	require.Equal(t, store.Rows{Transactions: 3, Instructions: 9, Events: 9}, n)
	n, err = st.Write(ctx, b)
	require.NoError(t, err)
	require.Equal(t, store.Rows{}, n)
	cursors, err := st.Cursors(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]store.Cursor{"escrow": {Signature: txs[2].Signature, Slot: 102}, "economy": {Signature: txs[1].Signature, Slot: 101}}, cursors)
	var rows int
	require.NoError(t, st.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM transactions) + (SELECT count(*) FROM instructions) + (SELECT count(*) FROM events)`).Scan(&rows))
	require.Equal(t, 21, rows)
	newest, err := st.NewestSlot(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(102), newest)
}

// BenchmarkIngestWrite writes batches of 500 transactions (7 rows each) through the writer
// and, in the same run, the same shape of rows with a raw pgx CopyFrom in one transaction;
// it reports both rates and the writer's share of COPY's.
func BenchmarkIngestWrite(b *testing.B) {
	ctx := context.Background()
	st := newStore(b)
	const perBatch = 500
	var writer, raw time.Duration
	var rows int
	slot := uint64(1)
	for b.Loop() {
		txs := synthetic(perBatch, slot)
		slot += perBatch
		start := time.Now()
		n, err := st.Write(ctx, &store.Batch{Txs: txs, Cursors: map[string]store.Cursor{"escrow": {Signature: txs[perBatch-1].Signature, Slot: slot}}})
		writer += time.Since(start)
		if err != nil || n.Transactions != perBatch {
			b.Fatalf("write: %v %+v", err, n)
		}
		rows += n.Transactions + n.Instructions + n.Events

		txs = synthetic(perBatch, slot)
		slot += perBatch
		start = time.Now()
		if err := rawCopy(ctx, st, txs); err != nil {
			b.Fatal(err)
		}
		raw += time.Since(start)
	}
	b.ReportMetric(float64(rows)/writer.Seconds(), "writer-rows/s")
	b.ReportMetric(float64(rows)/raw.Seconds(), "copy-rows/s")
	b.ReportMetric(100*raw.Seconds()/writer.Seconds(), "%-of-copy")
}

// rawCopy is the floor: the same rows by CopyFrom, no check, no cursor.
func rawCopy(ctx context.Context, st *store.Store, txs []*decode.Tx) error {
	var txRows, ixRows, evRows [][]any
	for _, t := range txs {
		txRows = append(txRows, []any{t.Signature, int64(t.Slot), t.BlockTime, t.FeePayer, nil, t.Instructions})
		for _, ix := range t.Ixs {
			ixRows = append(ixRows, []any{t.Signature, int16(ix.Position), ix.Program, ix.Name, string(ix.Accounts), string(ix.Args)})
		}
		for _, ev := range t.Events {
			evRows = append(evRows, []any{t.Signature, int16(ev.Position), int64(t.Slot), t.BlockTime, ev.Program, ev.Name, string(ev.Data)})
		}
	}
	return pgx.BeginFunc(ctx, st.Pool(), func(tx pgx.Tx) error {
		for _, c := range []struct {
			table string
			cols  []string
			rows  [][]any
		}{{"transactions", store.TransactionColumns, txRows}, {"instructions", store.InstructionColumns, ixRows}, {"events", store.EventColumns, evRows}} {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
				return fmt.Errorf("copy %s: %w", c.table, err)
			}
		}
		return nil
	})
}

// The programs' streams interleave, so a batch may carry an older transaction that wrote an
// account after a newer one did: the newest read's state is kept and the row's slot stays the
// newest writer's, whatever the order.
func TestAccountSlotOnlyGrows(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	job := func(state uint8, slot uint64) *store.Batch {
		v := &escrow.Job{State: state, DeviceCount: 1}
		return &store.Batch{Accounts: []*decode.Account{{Address: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin", Program: "escrow", Kind: "Job",
			Data: json.RawMessage(fmt.Sprintf(`{"state": %d}`, state)), Raw: []byte{state}, Slot: slot, Value: v}}}
	}
	for _, b := range []*store.Batch{job(1, 20), job(2, 18)} {
		_, err := st.Write(ctx, b)
		require.NoError(t, err)
	}
	var accountSlot, jobSlot int64
	var data string
	var state int16
	require.NoError(t, st.Pool().QueryRow(ctx, `SELECT a.slot, a.data::text, j.slot, j.state FROM accounts a JOIN jobs j USING (address)`).Scan(&accountSlot, &data, &jobSlot, &state))
	require.Equal(t, int64(20), accountSlot)
	require.Equal(t, int64(20), jobSlot)
	require.JSONEq(t, `{"state": 2}`, data)
	require.Equal(t, int16(2), state)
}
