package chain

import (
	"bytes"
	"context"
	"fmt"

	bin "github.com/gagliardetto/binary"
	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
)

// NonceAccountSize is the size of a System Program nonce account.
const NonceAccountSize = 80

// nonceInitialized is the nonce account state (after its version) that holds a nonce.
const nonceInitialized = 1

// NonceAccount is an initialized durable-nonce account.
type NonceAccount struct {
	Authority solana.PublicKey
	// Nonce is what a transaction on this nonce carries as its blockhash.
	Nonce                solana.Hash
	LamportsPerSignature uint64
}

// NonceAccount reads and decodes the durable-nonce account at address.
func (c *Client) NonceAccount(ctx context.Context, address solana.PublicKey) (*NonceAccount, error) {
	a, err := c.Account(ctx, address)
	if err != nil {
		return nil, err
	}
	if a.Owner != solana.SystemProgramID || len(a.Data) != NonceAccountSize {
		return nil, fmt.Errorf("account %s is not a nonce account (owner %s, %d bytes)", address, a.Owner, len(a.Data))
	}
	var n system.NonceAccount
	if err := n.UnmarshalWithDecoder(bin.NewBinDecoder(a.Data)); err != nil {
		return nil, fmt.Errorf("decode nonce account %s: %w", address, err)
	}
	if n.State != nonceInitialized {
		return nil, fmt.Errorf("nonce account %s is not initialized", address)
	}
	return &NonceAccount{Authority: n.AuthorizedPubkey, Nonce: solana.Hash(n.Nonce), LamportsPerSignature: n.FeeCalculator.LamportsPerSignature}, nil
}

// CreateNonceAccount creates the durable-nonce account account (a new keypair, which signs
// once here) with authority as the key that advances it; payer pays its rent.
func (c *Client) CreateNonceAccount(ctx context.Context, payer, account Signer, authority solana.PublicKey) (solana.Signature, error) {
	rent, err := c.RentExempt(ctx, NonceAccountSize)
	if err != nil {
		return solana.Signature{}, err
	}
	return c.Send(ctx, []solana.Instruction{
		system.NewCreateAccountInstruction(rent, NonceAccountSize, solana.SystemProgramID, payer.PublicKey(), account.PublicKey()).Build(),
		system.NewInitializeNonceAccountInstruction(authority, account.PublicKey(), solana.SysVarRecentBlockHashesPubkey, solana.SysVarRentPubkey).Build(),
	}, payer, account)
}

func advanceNonce(account, authority solana.PublicKey) solana.Instruction {
	return system.NewAdvanceNonceAccountInstruction(account, solana.SysVarRecentBlockHashesPubkey, authority).Build()
}

// nonceAccountOf is the nonce account of a durable-nonce transaction: one whose first
// instruction is the System Program's AdvanceNonceAccount.
func nonceAccountOf(tx *solana.Transaction) (solana.PublicKey, bool) {
	if len(tx.Message.Instructions) == 0 {
		return solana.PublicKey{}, false
	}
	ix := tx.Message.Instructions[0]
	advance := []byte{byte(system.Instruction_AdvanceNonceAccount), 0, 0, 0}
	if tx.Message.AccountKeys[ix.ProgramIDIndex] != solana.SystemProgramID || !bytes.Equal(ix.Data, advance) || len(ix.Accounts) == 0 {
		return solana.PublicKey{}, false
	}
	return tx.Message.AccountKeys[ix.Accounts[0]], true
}
