package chain

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
)

// ErrAccountNotFound is returned for an address that holds no account.
var ErrAccountNotFound = errors.New("account not found")

// MaxAccountsPerRequest is getMultipleAccounts' limit; Accounts splits longer lists.
const MaxAccountsPerRequest = 100

// Account is an account's state at the client's commitment.
type Account struct {
	Address    solana.PublicKey
	Owner      solana.PublicKey
	Lamports   uint64
	Data       []byte
	Executable bool
}

func accountOf(addr solana.PublicKey, a *rpc.Account) *Account {
	if a == nil {
		return nil
	}
	return &Account{Address: addr, Owner: a.Owner, Lamports: a.Lamports, Data: a.Data.GetBinary(), Executable: a.Executable}
}

// Account returns the account at address, or ErrAccountNotFound.
func (c *Client) Account(ctx context.Context, address solana.PublicKey) (*Account, error) {
	var res *rpc.GetAccountInfoResult
	err := c.retry.Do(ctx, isTransient, func() (err error) {
		res, err = c.rpc.GetAccountInfoWithOpts(ctx, address, &rpc.GetAccountInfoOpts{Commitment: c.commitment, Encoding: solana.EncodingBase64})
		return err
	})
	if errors.Is(err, rpc.ErrNotFound) {
		return nil, fmt.Errorf("account %s: %w", address, ErrAccountNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get account %s: %w", address, err)
	}
	return accountOf(address, res.Value), nil
}

// AccountData returns an account's data, or ErrAccountNotFound.
func (c *Client) AccountData(ctx context.Context, address solana.PublicKey) ([]byte, error) {
	a, err := c.Account(ctx, address)
	if err != nil {
		return nil, err
	}
	return a.Data, nil
}

// Accounts reads many accounts at one slot per MaxAccountsPerRequest addresses
// (getMultipleAccounts): the result has addrs' order, with nil for an address that holds no
// account.
func (c *Client) Accounts(ctx context.Context, addrs []solana.PublicKey) ([]*Account, error) {
	out := make([]*Account, 0, len(addrs))
	for start := 0; start < len(addrs); start += MaxAccountsPerRequest {
		chunk := addrs[start:min(start+MaxAccountsPerRequest, len(addrs))]
		var res *rpc.GetMultipleAccountsResult
		err := c.retry.Do(ctx, isTransient, func() (err error) {
			res, err = c.rpc.GetMultipleAccountsWithOpts(ctx, chunk, &rpc.GetMultipleAccountsOpts{Commitment: c.commitment, Encoding: solana.EncodingBase64})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("get %d accounts: %w", len(chunk), err)
		}
		if len(res.Value) != len(chunk) {
			return nil, fmt.Errorf("get %d accounts: the node answered %d", len(chunk), len(res.Value))
		}
		for i, a := range res.Value {
			out = append(out, accountOf(chunk[i], a))
		}
	}
	return out, nil
}

// Filter narrows a program scan (ProgramAccounts) on the node.
type Filter struct{ f rpc.RPCFilter }

// Memcmp keeps the accounts whose data holds bytes at offset.
func Memcmp(offset uint64, bytes []byte) Filter {
	return Filter{rpc.RPCFilter{Memcmp: &rpc.RPCFilterMemcmp{Offset: offset, Bytes: bytes}}}
}

// DataSize keeps the accounts whose data is exactly size bytes.
func DataSize(size uint64) Filter { return Filter{rpc.RPCFilter{DataSize: size}} }

// ProgramAccounts returns the accounts program owns that pass every filter (getProgramAccounts),
// in the node's order.
func (c *Client) ProgramAccounts(ctx context.Context, program solana.PublicKey, filters ...Filter) ([]*Account, error) {
	opts := &rpc.GetProgramAccountsOpts{Commitment: c.commitment, Encoding: solana.EncodingBase64}
	for _, f := range filters {
		opts.Filters = append(opts.Filters, f.f)
	}
	var res rpc.GetProgramAccountsResult
	err := c.retry.Do(ctx, isTransient, func() (err error) {
		res, err = c.rpc.GetProgramAccountsWithOpts(ctx, program, opts)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get program accounts of %s: %w", program, err)
	}
	out := make([]*Account, len(res))
	for i, k := range res {
		out[i] = accountOf(k.Pubkey, k.Account)
	}
	return out, nil
}

// Balance returns an address's lamports (0 when it holds no account).
func (c *Client) Balance(ctx context.Context, address solana.PublicKey) (uint64, error) {
	var res *rpc.GetBalanceResult
	err := c.retry.Do(ctx, isTransient, func() (err error) {
		res, err = c.rpc.GetBalance(ctx, address, c.commitment)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("get balance of %s: %w", address, err)
	}
	return res.Value, nil
}

// RentExempt returns the lamports an account of size bytes needs to be rent-exempt.
func (c *Client) RentExempt(ctx context.Context, size uint64) (uint64, error) {
	var n uint64
	err := c.retry.Do(ctx, isTransient, func() (err error) {
		n, err = c.rpc.GetMinimumBalanceForRentExemption(ctx, size, c.commitment)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("get rent-exempt minimum of %d bytes: %w", size, err)
	}
	return n, nil
}

// TokenSupply returns a mint's supply in base units.
func (c *Client) TokenSupply(ctx context.Context, mint solana.PublicKey) (uint64, error) {
	var res *rpc.GetTokenSupplyResult
	err := c.retry.Do(ctx, isTransient, func() (err error) {
		res, err = c.rpc.GetTokenSupply(ctx, mint, c.commitment)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("get supply of %s: %w", mint, err)
	}
	n, err := strconv.ParseUint(res.Value.Amount, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("supply of %s: %w", mint, err)
	}
	return n, nil
}

// Transaction returns a transaction the node has at the client's commitment, with its meta.
func (c *Client) Transaction(ctx context.Context, sig solana.Signature) (*rpc.GetTransactionResult, error) {
	return c.transaction(ctx, sig, c.commitment)
}

func (c *Client) transaction(ctx context.Context, sig solana.Signature, commitment rpc.CommitmentType) (*rpc.GetTransactionResult, error) {
	version := uint64(0)
	var tx *rpc.GetTransactionResult
	err := c.retry.Do(ctx, isTransient, func() (err error) {
		tx, err = c.rpc.GetTransaction(ctx, sig, &rpc.GetTransactionOpts{Commitment: commitment, MaxSupportedTransactionVersion: &version})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get transaction %s: %w", sig, err)
	}
	return tx, nil
}

// ComputeUnits returns the compute units a confirmed transaction consumed.
func (c *Client) ComputeUnits(ctx context.Context, sig solana.Signature) (uint64, error) {
	tx, err := c.Transaction(ctx, sig)
	if err != nil {
		return 0, err
	}
	if tx.Meta == nil || tx.Meta.ComputeUnitsConsumed == nil {
		return 0, fmt.Errorf("transaction %s: no compute units in its meta", sig)
	}
	return *tx.Meta.ComputeUnitsConsumed, nil
}

// Slot returns the newest slot the node has at the client's commitment: the chain's tip as
// the client sees it.
func (c *Client) Slot(ctx context.Context) (uint64, error) { return c.SlotAt(ctx, c.commitment) }

// SlotAt returns the newest slot the node has at commitment.
func (c *Client) SlotAt(ctx context.Context, commitment rpc.CommitmentType) (uint64, error) {
	var slot uint64
	err := c.retry.Do(ctx, isTransient, func() (err error) {
		slot, err = c.rpc.GetSlot(ctx, commitment)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("get slot: %w", err)
	}
	return slot, nil
}

// maxStatusesPerRequest is getSignatureStatuses' limit.
const maxStatusesPerRequest = 256

// SignatureStatuses returns each signature's confirmation status (processed, confirmed or
// finalized), searching the node's whole history: "" for a signature the node does not know
// (it never landed, or landed on a fork the cluster dropped).
func (c *Client) SignatureStatuses(ctx context.Context, sigs []solana.Signature) ([]rpc.ConfirmationStatusType, error) {
	out := make([]rpc.ConfirmationStatusType, 0, len(sigs))
	for start := 0; start < len(sigs); start += maxStatusesPerRequest {
		chunk := sigs[start:min(start+maxStatusesPerRequest, len(sigs))]
		var res *rpc.GetSignatureStatusesResult
		err := c.retry.Do(ctx, isTransient, func() (err error) {
			res, err = c.rpc.GetSignatureStatuses(ctx, true, chunk...)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("get signature statuses: %w", err)
		}
		if len(res.Value) != len(chunk) {
			return nil, fmt.Errorf("get signature statuses: %d answers for %d signatures", len(res.Value), len(chunk))
		}
		for _, st := range res.Value {
			if st == nil {
				out = append(out, "")
				continue
			}
			out = append(out, st.ConfirmationStatus)
		}
	}
	return out, nil
}
