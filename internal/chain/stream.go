package chain

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/ws"
)

// Event is one transaction that mentions a streamed address.
type Event struct {
	Signature solana.Signature
	Slot      uint64
	// Err is the transaction's error as Solana's JSON has it, nil when it succeeded.
	Err  any
	Logs []string
	// BlockTime is the unix time of the transaction's block (the programs' Clock then), from
	// the history calls; 0 for a live notification, which does not carry it.
	BlockTime int64
}

// maxSignaturesPerPage is getSignaturesForAddress's limit.
const maxSignaturesPerPage = 1000

// dedupWindow is how many delivered signatures Stream remembers: enough to cover the overlap of
// a backfill with the notifications queued while it ran.
const dedupWindow = 4096

// handlerError is an error of the caller's handler: it ends Stream instead of a reconnect.
type handlerError struct{ err error }

func (e handlerError) Error() string { return e.err.Error() }

// Stream calls handle, in chain order and exactly once, for each transaction that mentions
// address and landed after cursor (a signature the caller handled and stored; the zero
// signature means from now on). It subscribes to logsSubscribe at the client's commitment
// and, on every (re)connection, backfills what landed since the cursor with
// getSignaturesForAddress and getTransaction, so a dropped websocket or a restarted daemon
// misses nothing; reconnections back off up to the client's Backoff.Max. It returns when ctx
// ends (ctx.Err()) or handle fails (its error, with the event not counted as handled).
func (c *Client) Stream(ctx context.Context, address solana.PublicKey, cursor solana.Signature, handle func(context.Context, Event) error) error {
	s := &stream{c: c, address: address, cursor: cursor, handle: handle, seen: map[solana.Signature]bool{}}
	if cursor.IsZero() {
		newest, err := s.signatures(ctx, 1)
		if err != nil {
			return err
		}
		if len(newest) > 0 {
			s.cursor = newest[0].Signature
		}
	}
	pause := c.retry.First
	for {
		delivered := s.delivered
		err := s.session(ctx)
		var he handlerError
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.As(err, &he):
			return he.err
		case s.delivered > delivered:
			pause = c.retry.First
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, c.retry.Max)
	}
}

// History calls handle, in chain order and once each, for every transaction that mentions
// address and landed after cursor (the zero signature: since the first), with its block time,
// then returns: Stream's backfill without the subscription, for a caller that polls and keeps
// its own cursor. A failing handle ends it with its error, that transaction not handled.
func (c *Client) History(ctx context.Context, address solana.PublicKey, cursor solana.Signature, handle func(context.Context, Event) error) error {
	s := &stream{c: c, address: address, cursor: cursor, handle: handle, seen: map[solana.Signature]bool{}}
	err := s.backfill(ctx)
	var he handlerError
	if errors.As(err, &he) {
		return he.err
	}
	return err
}

type stream struct {
	c         *Client
	address   solana.PublicKey
	cursor    solana.Signature
	handle    func(context.Context, Event) error
	seen      map[solana.Signature]bool
	order     []solana.Signature // seen's signatures, oldest first
	delivered int
}

// session subscribes, then backfills since the cursor, then delivers notifications until the
// connection fails: subscribing first leaves no gap, and seen drops what both report.
func (s *stream) session(ctx context.Context) error {
	conn, err := ws.Connect(ctx, s.c.wsURL)
	if err != nil {
		return fmt.Errorf("connect %s: %w", s.c.wsURL, err)
	}
	defer conn.Close()
	sub, err := conn.LogsSubscribeMentions(s.address, s.c.commitment)
	if err != nil {
		return fmt.Errorf("logs subscribe: %w", err)
	}
	defer sub.Unsubscribe()
	if err := s.backfill(ctx); err != nil {
		return err
	}
	for {
		res, err := sub.Recv(ctx)
		if err != nil {
			return fmt.Errorf("logs notification: %w", err)
		}
		if err := s.deliver(ctx, Event{Signature: res.Value.Signature, Slot: res.Context.Slot, Err: res.Value.Err, Logs: res.Value.Logs}); err != nil {
			return err
		}
	}
}

// historyCommitment is the client's commitment for the history calls, which do not serve
// processed.
func (s *stream) historyCommitment() rpc.CommitmentType {
	if s.c.commitment == rpc.CommitmentProcessed {
		return rpc.CommitmentConfirmed
	}
	return s.c.commitment
}

// signatures lists, newest first, up to limit signatures mentioning the address after the
// cursor (all of them when limit is 0).
func (s *stream) signatures(ctx context.Context, limit int) ([]*rpc.TransactionSignature, error) {
	var all []*rpc.TransactionSignature
	page := maxSignaturesPerPage
	if limit > 0 {
		page = limit
	}
	opts := rpc.GetSignaturesForAddressOpts{Limit: &page, Until: s.cursor, Commitment: s.historyCommitment()}
	for {
		var got []*rpc.TransactionSignature
		err := s.c.retry.Do(ctx, isTransient, func() (err error) {
			got, err = s.c.rpc.GetSignaturesForAddressWithOpts(ctx, s.address, &opts)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("get signatures for %s: %w", s.address, err)
		}
		all = append(all, got...)
		if len(got) < page || (limit > 0 && len(all) >= limit) {
			return all, nil
		}
		opts.Before = got[len(got)-1].Signature
	}
}

func (s *stream) backfill(ctx context.Context) error {
	missed, err := s.signatures(ctx, 0)
	if err != nil {
		return err
	}
	for i := len(missed) - 1; i >= 0; i-- {
		m := missed[i]
		if s.seen[m.Signature] {
			continue
		}
		tx, err := s.c.transaction(ctx, m.Signature, s.historyCommitment())
		if err != nil {
			return err
		}
		var logs []string
		if tx.Meta != nil {
			logs = tx.Meta.LogMessages
		}
		ev := Event{Signature: m.Signature, Slot: m.Slot, Err: m.Err, Logs: logs}
		if tx.BlockTime != nil {
			ev.BlockTime = int64(*tx.BlockTime)
		}
		if err := s.deliver(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

// deliver hands ev to the handler unless it was delivered already, and moves the cursor.
func (s *stream) deliver(ctx context.Context, ev Event) error {
	if s.seen[ev.Signature] {
		return nil
	}
	if err := s.handle(ctx, ev); err != nil {
		return handlerError{err}
	}
	s.cursor = ev.Signature
	s.delivered++
	s.seen[ev.Signature] = true
	s.order = append(s.order, ev.Signature)
	if len(s.order) > dedupWindow {
		delete(s.seen, s.order[0])
		s.order = s.order[1:]
	}
	return nil
}
