// Package renter is what a renter sees of its jobs: finding one by id or address, and a
// summary of it (terms, slots, usage, money, what is refundable now and at the end, the next
// step) computed with the escrow's own arithmetic (internal/protocol). gpunet's job commands
// print it; the explorer can serve the same summary.
package renter

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	bin "github.com/gagliardetto/binary"
	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/token"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/chain"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
)

// ErrNoJob means no job matches the id or address asked for (never created, or closed).
var ErrNoJob = errors.New("no such job")

// Find reads the job ref names: a job id of renter's, or a job's address.
func Find(ctx context.Context, r chain.Reader, prog onescrow.Program, renter solana.PublicKey, ref string) (onescrow.JobAt, error) {
	var addr solana.PublicKey
	id, idErr := strconv.ParseUint(ref, 10, 64)
	if idErr == nil {
		addr = prog.JobAddress(renter, id)
	} else if a, err := solana.PublicKeyFromBase58(ref); err == nil {
		addr = a
	} else {
		return onescrow.JobAt{}, fmt.Errorf("job %q: want a job id (a number) or a job address", ref)
	}
	j, err := prog.FetchJob(ctx, r, addr)
	switch {
	case errors.Is(err, chain.ErrAccountNotFound) && idErr == nil:
		return onescrow.JobAt{}, fmt.Errorf("%w: renter %s has no job %d (closed, or never created): `gpunet jobs` lists yours", ErrNoJob, renter, id)
	case errors.Is(err, chain.ErrAccountNotFound):
		return onescrow.JobAt{}, fmt.Errorf("%w at %s (closed, or never created): `gpunet jobs` lists yours", ErrNoJob, addr)
	case err != nil:
		return onescrow.JobAt{}, fmt.Errorf("read job %s: %w", addr, err)
	}
	return onescrow.JobAt{Address: addr, Job: j}, nil
}

// Now is the chain's clock (the Clock sysvar's unix timestamp): the time the escrow judges by.
func Now(ctx context.Context, r chain.Reader) (int64, error) {
	data, err := r.AccountData(ctx, solana.SysVarClockPubkey)
	if err != nil {
		return 0, fmt.Errorf("read the clock: %w", err)
	}
	if len(data) < 40 {
		return 0, fmt.Errorf("read the clock: %d bytes", len(data))
	}
	return int64(binary.LittleEndian.Uint64(data[32:40])), nil
}

// Mine checks that job j is renter's: the job commands that sign act on the -k key's jobs only.
func Mine(j onescrow.JobAt, renter solana.PublicKey) error {
	if j.Job.Renter != renter {
		return fmt.Errorf("job %s is renter %s's, not yours (%s): %w", j.Address, j.Job.Renter, renter, escrow.ErrNotRenter)
	}
	return nil
}

// TokenAccount is an SPL token account's balance and lamports (its rent).
type TokenAccount struct {
	Amount, Lamports uint64
}

// ReadTokenAccount reads the token account at addr.
func ReadTokenAccount(ctx context.Context, r chain.Reader, addr solana.PublicKey) (TokenAccount, error) {
	accounts, err := r.Accounts(ctx, []solana.PublicKey{addr})
	if err != nil {
		return TokenAccount{}, err
	}
	if accounts[0] == nil {
		return TokenAccount{}, fmt.Errorf("token account %s: %w", addr, chain.ErrAccountNotFound)
	}
	var t token.Account
	if err := t.UnmarshalWithDecoder(bin.NewBinDecoder(accounts[0].Data)); err != nil {
		return TokenAccount{}, fmt.Errorf("token account %s: %w", addr, err)
	}
	return TokenAccount{Amount: t.Amount, Lamports: accounts[0].Lamports}, nil
}
