package chain_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/localnet"
)

// recorder collects a stream's events.
type recorder struct {
	mu     sync.Mutex
	events []chain.Event
}

func (r *recorder) handle(_ context.Context, ev chain.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	return nil
}

func (r *recorder) signatures() []solana.Signature {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]solana.Signature, len(r.events))
	for i, ev := range r.events {
		out[i] = ev.Signature
	}
	return out
}

// history is every signature that mentions address after cursor, oldest first, as the node's
// ledger has it.
func history(t *testing.T, ctx context.Context, node *localnet.Node, address solana.PublicKey, cursor solana.Signature) []solana.Signature {
	list, err := node.RPC.GetSignaturesForAddressWithOpts(ctx, address, &rpc.GetSignaturesForAddressOpts{Until: cursor, Commitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	out := make([]solana.Signature, len(list))
	for i, s := range list {
		out[len(list)-1-i] = s.Signature
	}
	return out
}

// The localnet is stopped and started again (same state, same ports) while transactions that
// mention an address keep being sent: the stream reconnects, backfills and delivers every one
// of them exactly once, in chain order, beginning after its cursor. A second stream started
// later from a stored cursor (a restarted daemon) backfills exactly what followed it.
func TestStreamSurvivesALocalnetRestart(t *testing.T) {
	opts := []localnet.Option{localnet.WithSlotMs(50), localnet.WithStateDir(t.TempDir()), localnet.WithKeysDir(t.TempDir()),
		localnet.WithPorts(harness.Port(t), harness.Port(t))}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	node, err := localnet.Launch(ctx, opts...)
	require.NoError(t, err)
	defer func() { _ = node.Close() }()
	c := chain.New(node.RPCURL, chain.WithWebsocket(node.WSURL), chain.WithPollInterval(10*time.Millisecond),
		chain.WithRetry(chain.Backoff{Attempts: 3, First: 50 * time.Millisecond, Max: 500 * time.Millisecond}))
	payer, topic := funded(t, ctx, node), solana.NewWallet().PublicKey()
	lamports := uint64(1_000_000) // each transfer a distinct amount, so none repeats a signature
	transfer := func(ctx context.Context) (solana.Signature, error) {
		lamports++
		return c.Send(ctx, []solana.Instruction{system.NewTransferInstruction(lamports, payer.PublicKey(), topic).Build()}, payer)
	}

	// Three transactions before the stream starts; the first is its cursor.
	var cursor solana.Signature
	for i := range 3 {
		sig, err := transfer(ctx)
		require.NoError(t, err)
		if i == 0 {
			cursor = sig
		}
	}
	var got recorder
	streamCtx, stopStream := context.WithCancel(ctx)
	streamDone := make(chan error, 1)
	go func() { streamDone <- c.Stream(streamCtx, topic, cursor, got.handle) }()

	// A sender that keeps going through the restart (failures while the node is down are
	// expected: what landed is what the ledger says).
	sendCtx, stopSending := context.WithCancel(ctx)
	sent := make(chan int, 1)
	go func() {
		landed := 0
		for sendCtx.Err() == nil {
			if _, err := transfer(sendCtx); err == nil {
				landed++
			}
		}
		sent <- landed
	}()
	waitFor := func(n int) {
		require.Eventually(t, func() bool { return len(got.signatures()) >= n }, time.Minute, 20*time.Millisecond)
	}
	waitFor(10)
	require.NoError(t, node.Close())
	time.Sleep(500 * time.Millisecond) // transactions sent now fail; the stream retries
	node, err = localnet.Launch(ctx, opts...)
	require.NoError(t, err)
	waitFor(len(got.signatures()) + 10)
	stopSending()
	landed := <-sent
	want := history(t, ctx, node, topic, cursor)
	require.GreaterOrEqual(t, len(want), 2+landed)
	t.Logf("%d transactions after the cursor, %d sent while streaming landed", len(want), landed)
	require.Eventually(t, func() bool { return len(got.signatures()) >= len(want) }, time.Minute, 20*time.Millisecond)
	stopStream()
	require.ErrorIs(t, <-streamDone, context.Canceled)
	require.Equal(t, want, got.signatures())
	for _, ev := range got.events {
		require.Nil(t, ev.Err)
		require.Contains(t, ev.Logs, "Program 11111111111111111111111111111111 success")
	}

	// A daemon restarted from a stored cursor gets exactly what followed it.
	stored := want[len(want)/2]
	var again recorder
	streamCtx, stopStream = context.WithCancel(ctx)
	go func() { streamDone <- c.Stream(streamCtx, topic, stored, again.handle) }()
	rest := want[len(want)/2+1:]
	require.Eventually(t, func() bool { return len(again.signatures()) >= len(rest) }, time.Minute, 20*time.Millisecond)
	stopStream()
	require.ErrorIs(t, <-streamDone, context.Canceled)
	require.Equal(t, rest, again.signatures())
}
