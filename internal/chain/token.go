package chain

import (
	"github.com/gagliardetto/solana-go"
	ata "github.com/gagliardetto/solana-go/programs/associated-token-account"
)

// CreateAssociatedTokenAccount creates owner's associated token account of mint, payer paying
// the rent, and does nothing when it exists (the program's CreateIdempotent, which solana-go
// does not build): safe to send again.
func CreateAssociatedTokenAccount(payer, owner, mint solana.PublicKey) solana.Instruction {
	create := ata.NewCreateInstruction(payer, owner, mint).Build()
	return solana.NewInstruction(solana.SPLAssociatedTokenAccountProgramID, create.Accounts(), []byte{1})
}
