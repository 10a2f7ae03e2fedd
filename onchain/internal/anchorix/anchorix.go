// Package anchorix holds what the program wrappers (onchain/registry, onchain/escrow,
// onchain/economy) share: taking the address of a generated PDA helper, the loader's
// ProgramData address, addressing generated instructions to a cluster's program id, and
// fetching accounts.
package anchorix

import (
	"context"
	"fmt"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/internal/chain"
)

// PDA takes what a generated Find...Address helper returns (client/<program>/pda.go): the
// address and its canonical bump. Finding none is astronomically unlikely, so it panics.
func PDA(addr solana.PublicKey, bump uint8, err error) (solana.PublicKey, uint8) {
	if err != nil {
		panic(fmt.Sprintf("no program address: %v", err))
	}
	return addr, bump
}

// Addr is PDA without the bump.
func Addr(addr solana.PublicKey, bump uint8, err error) solana.PublicKey {
	addr, _ = PDA(addr, bump, err)
	return addr
}

// ProgramDataAddress is the BPF Loader Upgradeable account holding a program's code and
// upgrade authority.
func ProgramDataAddress(programID solana.PublicKey) solana.PublicKey {
	return Addr(solana.FindProgramAddress([][]byte{programID[:]}, solana.BPFLoaderUpgradeableProgramID))
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
func Fetch[T any](ctx context.Context, r chain.Reader, addr solana.PublicKey, parse func([]byte) (T, error)) (T, error) {
	data, err := r.AccountData(ctx, addr)
	if err != nil {
		var zero T
		return zero, err
	}
	return parse(data)
}
