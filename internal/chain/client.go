package chain

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"

	"github.com/gpunet/gpunet/client/programerr"
)

// Client sends transactions to one cluster and decodes their errors.
type Client struct {
	RPC        *rpc.Client
	Commitment rpc.CommitmentType
	// PollInterval is how often a pending signature's status is asked for.
	PollInterval time.Duration
	// Retry bounds the retries of transient RPC failures.
	Retry  Backoff
	errors errorRegistry
}

// New returns a client of the JSON-RPC endpoint at url that confirms at "confirmed".
func New(url string) *Client {
	return &Client{
		RPC:          rpc.New(url),
		Commitment:   rpc.CommitmentConfirmed,
		PollInterval: 200 * time.Millisecond,
		Retry:        DefaultBackoff,
		errors:       errorRegistry{tables: map[solana.PublicKey]programerr.Table{}},
	}
}

// RegisterErrors names the custom errors of the program deployed at id. It is safe to call
// while other goroutines send transactions and decode their errors.
func (c *Client) RegisterErrors(id solana.PublicKey, table programerr.Table) {
	c.errors.register(id, table)
}

// errorRegistry is the programs' error tables, read while transactions' errors are decoded.
type errorRegistry struct {
	mu     sync.RWMutex
	tables map[solana.PublicKey]programerr.Table
}

func (r *errorRegistry) register(id solana.PublicKey, table programerr.Table) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tables[id] = table
}

// lookup is the named error of code in program's table (nil when unknown).
func (r *errorRegistry) lookup(program solana.PublicKey, code uint32) *programerr.Error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.tables[program][code]
}

// Send builds a transaction of ixs paid by payer, signs it with payer and signers, sends it and
// waits until it is confirmed at c.Commitment. A failed transaction returns an
// *InstructionError or *TransactionError; one that could not land before its blockhash expired
// returns ErrBlockhashExpired. Resending the same signed transaction is harmless (the
// signature deduplicates it), so transient failures are retried with backoff.
func (c *Client) Send(ctx context.Context, ixs []solana.Instruction, payer solana.PrivateKey, signers ...solana.PrivateKey) (solana.Signature, error) {
	var latest *rpc.GetLatestBlockhashResult
	err := c.Retry.Do(ctx, isTransient, func() (err error) {
		latest, err = c.RPC.GetLatestBlockhash(ctx, c.Commitment)
		return err
	})
	if err != nil {
		return solana.Signature{}, fmt.Errorf("get latest blockhash: %w", err)
	}
	tx, err := solana.NewTransaction(ixs, latest.Value.Blockhash, solana.TransactionPayer(payer.PublicKey()))
	if err != nil {
		return solana.Signature{}, fmt.Errorf("build transaction: %w", err)
	}
	keys := map[solana.PublicKey]*solana.PrivateKey{payer.PublicKey(): &payer}
	for i := range signers {
		keys[signers[i].PublicKey()] = &signers[i]
	}
	if _, err := tx.Sign(func(k solana.PublicKey) *solana.PrivateKey { return keys[k] }); err != nil {
		return solana.Signature{}, fmt.Errorf("sign transaction: %w", err)
	}
	programs := make([]solana.PublicKey, len(tx.Message.Instructions))
	for i, ix := range tx.Message.Instructions {
		programs[i] = tx.Message.AccountKeys[ix.ProgramIDIndex]
	}
	sig := tx.Signatures[0]
	if err := c.send(ctx, tx, programs); err != nil {
		return sig, err
	}
	return sig, c.confirm(ctx, tx, programs, latest.Value.LastValidBlockHeight)
}

func (c *Client) send(ctx context.Context, tx *solana.Transaction, programs []solana.PublicKey) error {
	err := c.Retry.Do(ctx, isTransient, func() error {
		_, err := c.RPC.SendTransactionWithOpts(ctx, tx, rpc.TransactionOpts{PreflightCommitment: c.Commitment})
		return err
	})
	var rpcErr *jsonrpc.RPCError
	if errors.As(err, &rpcErr) && rpcErr.Code == rpcPreflightFailure {
		data, _ := rpcErr.Data.(map[string]any)
		return c.decodeTxError(data["err"], programs, logsOf(rpcErr.Data))
	}
	if err != nil {
		return fmt.Errorf("send transaction: %w", err)
	}
	return nil
}

// confirm polls the signature's status, resending now and then as RPC nodes drop
// transactions under load, until it is confirmed, fails, or its blockhash expires.
func (c *Client) confirm(ctx context.Context, tx *solana.Transaction, programs []solana.PublicKey, lastValid uint64) error {
	sig := tx.Signatures[0]
	ticker := time.NewTicker(c.PollInterval)
	defer ticker.Stop()
	for polls := 1; ; polls++ {
		select {
		case <-ctx.Done():
			return fmt.Errorf("confirm %s: %w", sig, ctx.Err())
		case <-ticker.C:
		}
		res, err := c.RPC.GetSignatureStatuses(ctx, false, sig)
		if err != nil {
			if isTransient(ctx, err) {
				continue
			}
			return fmt.Errorf("get signature status: %w", err)
		}
		if st := res.Value[0]; st != nil {
			if st.Err != nil {
				return c.failure(ctx, sig, st.Err, programs)
			}
			if reached(st.ConfirmationStatus, c.Commitment) {
				return nil
			}
			continue
		}
		height, err := c.RPC.GetBlockHeight(ctx, c.Commitment)
		if err == nil && height > lastValid {
			return fmt.Errorf("confirm %s: %w", sig, ErrBlockhashExpired)
		}
		if polls%10 == 0 {
			_, _ = c.RPC.SendTransactionWithOpts(ctx, tx, rpc.TransactionOpts{SkipPreflight: true})
		}
	}
}

// failure decodes a landed transaction's error, with its logs when the node still has them.
func (c *Client) failure(ctx context.Context, sig solana.Signature, raw any, programs []solana.PublicKey) error {
	var logs []string
	version := uint64(0)
	if tx, err := c.RPC.GetTransaction(ctx, sig, &rpc.GetTransactionOpts{Commitment: rpc.CommitmentConfirmed, MaxSupportedTransactionVersion: &version}); err == nil && tx.Meta != nil {
		logs = tx.Meta.LogMessages
	}
	return c.decodeTxError(raw, programs, logs)
}

var commitmentRank = map[rpc.CommitmentType]int{
	rpc.CommitmentProcessed: 0, rpc.CommitmentConfirmed: 1, rpc.CommitmentFinalized: 2,
}

func reached(status rpc.ConfirmationStatusType, want rpc.CommitmentType) bool {
	return commitmentRank[rpc.CommitmentType(status)] >= commitmentRank[want]
}

// ErrAccountNotFound is returned for an address that holds no account.
var ErrAccountNotFound = errors.New("account not found")

// AccountData returns an account's data at c.Commitment.
func (c *Client) AccountData(ctx context.Context, address solana.PublicKey) ([]byte, error) {
	var res *rpc.GetAccountInfoResult
	err := c.Retry.Do(ctx, isTransient, func() (err error) {
		res, err = c.RPC.GetAccountInfoWithOpts(ctx, address, &rpc.GetAccountInfoOpts{Commitment: c.Commitment})
		return err
	})
	if errors.Is(err, rpc.ErrNotFound) {
		return nil, fmt.Errorf("account %s: %w", address, ErrAccountNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get account %s: %w", address, err)
	}
	return res.Value.Data.GetBinary(), nil
}

// GenesisHash returns the cluster's genesis hash, which tells devnet, testnet, mainnet-beta and
// a local chain apart.
func (c *Client) GenesisHash(ctx context.Context) (solana.Hash, error) {
	var h solana.Hash
	err := c.Retry.Do(ctx, isTransient, func() (err error) {
		h, err = c.RPC.GetGenesisHash(ctx)
		return err
	})
	if err != nil {
		return solana.Hash{}, fmt.Errorf("get genesis hash: %w", err)
	}
	return h, nil
}

// ComputeUnits returns the compute units a confirmed transaction consumed.
func (c *Client) ComputeUnits(ctx context.Context, sig solana.Signature) (uint64, error) {
	version := uint64(0)
	tx, err := c.RPC.GetTransaction(ctx, sig, &rpc.GetTransactionOpts{Commitment: c.Commitment, MaxSupportedTransactionVersion: &version})
	if err != nil {
		return 0, fmt.Errorf("get transaction %s: %w", sig, err)
	}
	if tx.Meta == nil || tx.Meta.ComputeUnitsConsumed == nil {
		return 0, fmt.Errorf("transaction %s: no compute units in its meta", sig)
	}
	return *tx.Meta.ComputeUnitsConsumed, nil
}
