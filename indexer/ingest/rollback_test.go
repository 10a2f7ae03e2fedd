package ingest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	bin "github.com/gagliardetto/binary"
	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/indexer/decode"
	"github.com/gpunet/gpunet/indexer/ingest"
	"github.com/gpunet/gpunet/indexer/store"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/localnet"
	"github.com/gpunet/gpunet/internal/pg/pgtest"
)

// recorded is a Source replaying a recorded chain: the transactions of each program in order,
// the accounts as they are now, and each signature's finality, which a test changes to play a
// fork that finalization dropped.
type recorded struct {
	mu        sync.Mutex
	streams   map[solana.PublicKey][]chain.Event
	txs       map[solana.Signature]*rpc.GetTransactionResult
	accounts  map[solana.PublicKey]*chain.Account
	finality  map[solana.Signature]ingest.Finality
	finalized uint64
}

func (r *recorded) Stream(ctx context.Context, program solana.PublicKey, cursor solana.Signature, handle func(context.Context, chain.Event) error) error {
	r.mu.Lock()
	evs := r.streams[program]
	r.mu.Unlock()
	after := cursor.IsZero()
	for _, ev := range evs {
		if after {
			if err := handle(ctx, ev); err != nil {
				return err
			}
		}
		after = after || ev.Signature == cursor
	}
	<-ctx.Done()
	return ctx.Err()
}

func (r *recorded) Transaction(_ context.Context, sig solana.Signature) (*rpc.GetTransactionResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.txs[sig], nil
}

func (r *recorded) Accounts(_ context.Context, addrs []solana.PublicKey) ([]*chain.Account, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*chain.Account, len(addrs))
	for i, a := range addrs {
		out[i] = r.accounts[a]
	}
	return out, nil
}

func (r *recorded) Slot(context.Context) (uint64, error) { return r.finalized + 32, nil }

func (r *recorded) Finality(_ context.Context, sigs []solana.Signature) ([]ingest.Finality, uint64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]ingest.Finality, len(sigs))
	for i, s := range sigs {
		out[i] = r.finality[s]
	}
	return out, r.finalized, nil
}

// stakeTx records a registry stake of amount on deviceKey's device at slot, with its Staked
// event, and returns its signature.
func (r *recorded) stakeTx(t *testing.T, owner solana.PrivateKey, deviceKey solana.PublicKey, amount, total, slot uint64) solana.Signature {
	id := registry.ProgramID
	device, _, err := registry.FindDeviceAddress(id, deviceKey)
	require.NoError(t, err)
	config, _, err := registry.FindConfigAddress(id)
	require.NoError(t, err)
	provider, _, err := registry.FindProviderAddress(id, owner.PublicKey())
	require.NoError(t, err)
	vault, _, err := registry.FindVaultAddress(id, device)
	require.NoError(t, err)
	ix, err := registry.NewStakeInstruction(amount, config, provider, device, vault, owner.PublicKey(), solana.NewWallet().PublicKey(), solana.TokenProgramID)
	require.NoError(t, err)
	event := borsh(t, registry.Event_Staked, registry.Staked{Device: device, Amount: amount, Stake: total})
	return r.record(t, owner, []solana.Instruction{ix}, []string{"Program data: " + base64.StdEncoding.EncodeToString(event)}, slot)
}

// record records a successful transaction of ixs by payer at slot whose registry logs
// between its invoke and success lines are data.
func (r *recorded) record(t *testing.T, payer solana.PrivateKey, ixs []solana.Instruction, data []string, slot uint64) solana.Signature {
	id := registry.ProgramID
	var hash solana.Hash
	hash[0] = byte(slot)
	tx, err := solana.NewTransaction(ixs, hash, solana.TransactionPayer(payer.PublicKey()))
	require.NoError(t, err)
	_, err = tx.Sign(func(solana.PublicKey) *solana.PrivateKey { return &payer })
	require.NoError(t, err)
	raw, err := tx.MarshalBinary()
	require.NoError(t, err)
	logs := append(append([]string{"Program " + id.String() + " invoke [1]"}, data...), "Program "+id.String()+" success")
	res := map[string]any{"slot": slot, "blockTime": 1_700_000_000 + slot, "transaction": []string{base64.StdEncoding.EncodeToString(raw), "base64"},
		"meta": map[string]any{"err": nil, "fee": 5000, "preBalances": []uint64{}, "postBalances": []uint64{}, "logMessages": logs, "innerInstructions": []any{},
			"loadedAddresses": map[string]any{"writable": []string{}, "readonly": []string{}}}}
	js, err := json.Marshal(res)
	require.NoError(t, err)
	var got rpc.GetTransactionResult
	require.NoError(t, json.Unmarshal(js, &got))
	sig := tx.Signatures[0]
	r.mu.Lock()
	defer r.mu.Unlock()
	r.txs[sig] = &got
	r.streams[id] = append(r.streams[id], chain.Event{Signature: sig, Slot: slot, Logs: logs})
	r.finality[sig] = ingest.Pending
	return sig
}

// setDevice records deviceKey's device account with stake.
func (r *recorded) setDevice(t *testing.T, owner solana.PublicKey, deviceKey solana.PublicKey, stake uint64) solana.PublicKey {
	device, _, err := registry.FindDeviceAddress(registry.ProgramID, deviceKey)
	require.NoError(t, err)
	data := borsh(t, registry.Account_Device, registry.Device{Owner: owner, DeviceKey: deviceKey, Stake: stake, Spec: registry.DeviceSpec{HardwareModel: 3, GpuCount: 1, VramGib: 80, Region: 276}})
	r.mu.Lock()
	defer r.mu.Unlock()
	r.accounts[device] = &chain.Account{Address: device, Owner: registry.ProgramID, Data: data}
	return device
}

func borsh(t *testing.T, disc [8]byte, v interface{ MarshalWithEncoder(*bin.Encoder) error }) []byte {
	var buf bytes.Buffer
	buf.Write(disc[:])
	require.NoError(t, v.MarshalWithEncoder(bin.NewBorshEncoder(&buf)))
	return buf.Bytes()
}

// At confirmed commitment, a transaction the finalized chain dropped (a fork) is deleted with
// its instructions and events, and the account it wrote is read again; the one finalized
// stays, no longer pending.
func TestConfirmedRollbackOfADroppedFork(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := pgtest.DB(t)
	st, err := store.New(ctx, db)
	require.NoError(t, err)
	src := newRecorded()
	owner := solana.NewWallet().PrivateKey
	keyA, keyB := solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey()
	kept := src.stakeTx(t, owner, keyA, 100, 100, 10)
	forked := src.stakeTx(t, owner, keyB, 500, 600, 11)
	deviceA := src.setDevice(t, owner.PublicKey(), keyA, 100)
	deviceB := src.setDevice(t, owner.PublicKey(), keyB, 600) // as the fork left it

	in, err := ingest.New(ingest.Config{BatchSize: 10, BatchWait: 10 * time.Millisecond, Fetchers: 2, Confirmed: true, FinalityEvery: time.Hour}, src, st,
		decode.Programs{Registry: registry.ProgramID, Escrow: escrow.ProgramID, Economy: economy.ProgramID},
		slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})), nil)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	waitStored(t, db, 2)
	require.Equal(t, map[string]int{kept.String(): 10, forked.String(): 11}, counts(t, db, `SELECT signature, slot FROM unfinalized`))
	require.Equal(t, map[string]int{deviceA.String(): 100, deviceB.String(): 600}, counts(t, db, `SELECT address, stake FROM devices`))

	// Nothing is final yet: a pass changes nothing.
	require.NoError(t, in.Finality(ctx))
	require.Equal(t, 2, len(counts(t, db, `SELECT signature, 1 FROM unfinalized`)))

	// The fork is dropped: the finalized chain has the first stake, not the second, and the
	// second device is back to its stake before it.
	src.mu.Lock()
	src.finality[kept], src.finality[forked], src.finalized = ingest.Final, ingest.Gone, 12
	src.mu.Unlock()
	src.setDevice(t, owner.PublicKey(), keyB, 100)
	require.NoError(t, in.Finality(ctx))

	require.Equal(t, map[string]int{kept.String(): 10}, counts(t, db, `SELECT signature, slot FROM transactions`))
	require.Equal(t, map[string]int{kept.String(): 1}, counts(t, db, `SELECT signature, count(*) FROM instructions GROUP BY 1`))
	require.Equal(t, map[string]int{fmt.Sprint(kept, " Staked"): 1}, counts(t, db, `SELECT signature || ' ' || name, count(*) FROM events GROUP BY 1`))
	require.Equal(t, map[string]int{}, counts(t, db, `SELECT signature, 1 FROM unfinalized`))
	require.Equal(t, map[string]int{deviceA.String(): 100, deviceB.String(): 100}, counts(t, db, `SELECT address, stake FROM devices`))
	require.Equal(t, map[string]int{deviceB.String(): 12}, counts(t, db, `SELECT address, slot FROM accounts WHERE address = '`+deviceB.String()+`'`))
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}

func newRecorded() *recorded {
	return &recorded{streams: map[solana.PublicKey][]chain.Event{}, txs: map[solana.Signature]*rpc.GetTransactionResult{},
		accounts: map[solana.PublicKey]*chain.Account{}, finality: map[solana.Signature]ingest.Finality{}}
}

// An instruction with an unknown discriminator, an event that does not decode and an account
// of a layout the clients do not know are each kept raw with the reason; the rest of the
// transaction is stored as usual.
func TestUndecodedKeptRaw(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := pgtest.DB(t)
	st, err := store.New(ctx, db)
	require.NoError(t, err)
	src := newRecorded()
	owner := solana.NewWallet().PrivateKey
	odd := solana.NewWallet().PublicKey() // a registry account of an unknown layout
	src.accounts[odd] = &chain.Account{Address: odd, Owner: registry.ProgramID, Data: []byte{9, 9, 9, 9, 9, 9, 9, 9, 1}}
	unknown := solana.NewInstruction(registry.ProgramID, solana.AccountMetaSlice{solana.Meta(odd).WRITE()}, []byte{1, 2, 3, 4, 5, 6, 7, 8, 42})
	device, _, err := registry.FindDeviceAddress(registry.ProgramID, owner.PublicKey())
	require.NoError(t, err)
	stake, err := registry.NewStakeInstruction(7, solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey(), device, solana.NewWallet().PublicKey(),
		owner.PublicKey(), solana.NewWallet().PublicKey(), solana.TokenProgramID)
	require.NoError(t, err)
	badEvent := base64.StdEncoding.EncodeToString(registry.Event_Staked[:]) // no fields
	sig := src.record(t, owner, []solana.Instruction{unknown, stake}, []string{"Program data: " + badEvent}, 5)

	in, err := ingest.New(ingest.Config{BatchSize: 10, BatchWait: 10 * time.Millisecond, Fetchers: 1}, src, st,
		decode.Programs{Registry: registry.ProgramID, Escrow: escrow.ProgramID, Economy: economy.ProgramID},
		slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})), nil)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	waitStored(t, db, 1)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)

	var names []string
	require.NoError(t, db.QueryRow(context.Background(), `SELECT instructions FROM transactions`).Scan(&names))
	require.Equal(t, []string{"registry.unknown", "registry.stake"}, names)
	require.Equal(t, map[string]int{"stake": 1}, counts(t, db, `SELECT name, position FROM instructions`))
	require.Equal(t, map[string]int{}, counts(t, db, `SELECT name, 1 FROM events`))
	rows, err := db.Query(context.Background(), `SELECT kind, coalesce(signature, ''), coalesce(position, -1), coalesce(address, ''), encode(data, 'hex'), reason FROM undecoded ORDER BY kind`)
	require.NoError(t, err)
	var got [][]any
	for rows.Next() {
		var kind, s, addr, data, reason string
		var pos int
		require.NoError(t, rows.Scan(&kind, &s, &pos, &addr, &data, &reason))
		got = append(got, []any{kind, s, pos, addr, data, reason})
	}
	require.Equal(t, [][]any{
		{"account", "", -1, odd.String(), "090909090909090901", "unknown discriminator: {9, 9, 9, 9, 9, 9, 9, 9}"},
		{"event", sig.String(), 0, "", fmt.Sprintf("%x", registry.Event_Staked[:]), "failed to unmarshal event as Staked: Device: unexpected EOF"},
		{"instruction", sig.String(), 0, "", "01020304050607082a", "unknown instruction discriminator 0102030405060708"},
	}, got)
}

// On the localnet at confirmed commitment, every stored transaction becomes final (none is
// rolled back: the localnet never forks) and leaves unfinalized.
func TestConfirmedOnLocalnetFinalizes(t *testing.T) {
	e := chaintest.New(t, localnet.WithSlotMs(50))
	e.InitRegistry(t, solana.SystemProgramID)
	e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO)
	want := signatures(t, e)
	db := pgtest.DB(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.New(ctx, db)
	require.NoError(t, err)
	c := chain.New(e.Node.RPCURL, chain.WithWebsocket(e.Node.WSURL), chain.WithCommitment(rpc.CommitmentConfirmed))
	cfg := ingest.DefaultConfig()
	cfg.Confirmed, cfg.FinalityEvery = true, 50*time.Millisecond
	in, err := ingest.New(cfg, ingest.ChainSource{Client: c, Poll: 50 * time.Millisecond}, st, ids(e),
		slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), nil)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	waitStored(t, db, len(want))
	waitFor(t, "finality", func() bool { return len(counts(t, db, `SELECT signature, 1 FROM unfinalized`)) == 0 })
	require.Equal(t, len(want), stored(t, db))
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}
