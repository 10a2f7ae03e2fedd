// Package anchorix holds what the hand-written layers of the generated program clients
// (client/registry, client/escrow) share: PDA derivation, the loader's ProgramData address,
// addressing generated instructions to a cluster's program id, and fetching accounts.
package anchorix

import (
	"context"
	"fmt"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/internal/chain"
)

// FindPDA finds a PDA of programID and its canonical bump, off-chain where the search costs
// nothing.
func FindPDA(programID solana.PublicKey, seeds ...[]byte) (solana.PublicKey, uint8) {
	addr, bump, err := solana.FindProgramAddress(seeds, programID)
	if err != nil {
		panic(fmt.Sprintf("no program address for %q under %s: %v", seeds, programID, err)) // astronomically unlikely
	}
	return addr, bump
}

// ProgramDataAddress is the BPF Loader Upgradeable account holding a program's code and
// upgrade authority.
func ProgramDataAddress(programID solana.PublicKey) solana.PublicKey {
	addr, _ := FindPDA(solana.BPFLoaderUpgradeableProgramID, programID[:])
	return addr
}

// Build addresses a generated instruction to programID, appending extra accounts (remaining
// accounts). anchor-go v1.0.0 leaves the data of an instruction without arguments empty,
// dropping its discriminator: Build puts it back.
func Build(programID solana.PublicKey, discriminator [8]byte, ix solana.Instruction, err error, extra ...*solana.AccountMeta) (solana.Instruction, error) {
	if err != nil {
		return nil, err
	}
	data, err := ix.Data()
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		data = discriminator[:]
	}
	return solana.NewInstruction(programID, append(ix.Accounts(), extra...), data), nil
}

// Fetch reads the account at addr and decodes it with parse.
func Fetch[T any](ctx context.Context, c *chain.Client, addr solana.PublicKey, parse func([]byte) (T, error)) (T, error) {
	data, err := c.AccountData(ctx, addr)
	if err != nil {
		var zero T
		return zero, err
	}
	return parse(data)
}
