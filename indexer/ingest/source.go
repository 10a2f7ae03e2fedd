package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/gpunet/gpunet/internal/chain"
)

// Source is what the ingester reads: a chain.Client (ChainSource), or in a test a recorded
// chain, such as a synthetic fork.
type Source interface {
	// Stream calls handle in chain order, once each, for every transaction that mentions
	// program after cursor (the zero signature: since the first), then follows new ones until
	// ctx ends or handle fails.
	Stream(ctx context.Context, program solana.PublicKey, cursor solana.Signature, handle func(context.Context, chain.Event) error) error
	// Transaction is a transaction with its meta at the source's commitment.
	Transaction(ctx context.Context, sig solana.Signature) (*rpc.GetTransactionResult, error)
	// Accounts are the accounts at addrs in their order, nil for one that holds none.
	Accounts(ctx context.Context, addrs []solana.PublicKey) ([]*chain.Account, error)
	// Slot is the tip at the source's commitment.
	Slot(ctx context.Context) (uint64, error)
	// Finality is each of sigs' standing in the finalized chain, and the finalized slot.
	Finality(ctx context.Context, sigs []solana.Signature) ([]Finality, uint64, error)
}

// Finality is a transaction's standing in the finalized chain.
type Finality int

const (
	// Pending: the cluster has it, not finalized yet.
	Pending Finality = iota
	// Final: finalized.
	Final
	// Gone: the cluster does not have it (it was on a fork that was dropped).
	Gone
)

// ChainSource is a Source on a chain client at the client's commitment.
type ChainSource struct {
	*chain.Client
	// Poll is how often a program with no transaction yet is looked at again.
	Poll time.Duration
}

// Stream backfills the whole history with History while the cursor is zero (chain.Stream's
// zero cursor means "from now on"), then follows with chain.Stream, which reconnects, backs
// off and backfills on every reconnection.
func (s ChainSource) Stream(ctx context.Context, program solana.PublicKey, cursor solana.Signature, handle func(context.Context, chain.Event) error) error {
	poll := s.Poll
	if poll <= 0 {
		poll = time.Second
	}
	for cursor.IsZero() {
		err := s.History(ctx, program, cursor, func(ctx context.Context, ev chain.Event) error {
			if err := handle(ctx, ev); err != nil {
				return err
			}
			cursor = ev.Signature
			return nil
		})
		if err != nil {
			return fmt.Errorf("backfill %s: %w", program, err)
		}
		if !cursor.IsZero() {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
	return s.Client.Stream(ctx, program, cursor, handle)
}

// Finality asks the node for the signatures' statuses and the finalized slot.
func (s ChainSource) Finality(ctx context.Context, sigs []solana.Signature) ([]Finality, uint64, error) {
	slot, err := s.SlotAt(ctx, rpc.CommitmentFinalized)
	if err != nil {
		return nil, 0, err
	}
	st, err := s.SignatureStatuses(ctx, sigs)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Finality, len(st))
	for i, v := range st {
		switch v {
		case rpc.ConfirmationStatusFinalized:
			out[i] = Final
		case "":
			out[i] = Gone
		default:
			out[i] = Pending
		}
	}
	return out, slot, nil
}
