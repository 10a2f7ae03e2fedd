package chain

import (
	"context"

	"github.com/gagliardetto/solana-go"
)

// Reader reads accounts: what a program wrapper needs to fetch and decode its accounts.
type Reader interface {
	AccountData(ctx context.Context, address solana.PublicKey) ([]byte, error)
	Accounts(ctx context.Context, addrs []solana.PublicKey) ([]*Account, error)
}

// Scanner finds a program's accounts by their contents.
type Scanner interface {
	ProgramAccounts(ctx context.Context, program solana.PublicKey, filters ...Filter) ([]*Account, error)
}

// Sender lands transactions.
type Sender interface {
	Send(ctx context.Context, ixs []solana.Instruction, payer Signer, signers ...Signer) (solana.Signature, error)
}

var (
	_ Reader  = (*Client)(nil)
	_ Scanner = (*Client)(nil)
	_ Sender  = (*Client)(nil)
	_ Signer  = solana.PrivateKey(nil)
)
