package registry

import (
	"context"
	"fmt"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/internal/chain"
)

// Program is the registry program as deployed at ID on one cluster. Its methods derive the
// program's addresses and build instructions addressed to ID, so the same code serves every
// cluster (the generated builders alone would use the IDL's localnet address).
type Program struct {
	ID solana.PublicKey
}

// ConfigAddress is the Config PDA, ["config"].
func (p Program) ConfigAddress() solana.PublicKey {
	addr, _, err := solana.FindProgramAddress([][]byte{[]byte("config")}, p.ID)
	if err != nil {
		panic(fmt.Sprintf("no config address for program %s: %v", p.ID, err)) // cannot happen: a bump always exists in practice
	}
	return addr
}

// ProgramDataAddress is the BPF Loader Upgradeable account holding the program's code and
// upgrade authority.
func (p Program) ProgramDataAddress() solana.PublicKey {
	addr, _, err := solana.FindProgramAddress([][]byte{p.ID[:]}, solana.BPFLoaderUpgradeableProgramID)
	if err != nil {
		panic(fmt.Sprintf("no program data address for program %s: %v", p.ID, err))
	}
	return addr
}

// InitializeConfig creates the Config; admin must be the program's upgrade authority.
func (p Program) InitializeConfig(admin, ioMint, iosdMint solana.PublicKey, params ConfigParams) (solana.Instruction, error) {
	ix, err := NewInitializeConfigInstruction(params, p.ConfigAddress(), admin, p.ID, p.ProgramDataAddress(), ioMint, iosdMint, solana.SystemProgramID)
	return p.retarget(ix, err)
}

// UpdateConfig replaces every parameter; admin must be the current admin.
func (p Program) UpdateConfig(admin solana.PublicKey, params ConfigParams) (solana.Instruction, error) {
	ix, err := NewUpdateConfigInstruction(params, p.ConfigAddress(), admin)
	return p.retarget(ix, err)
}

// FetchConfig reads and decodes the Config account.
func (p Program) FetchConfig(ctx context.Context, c *chain.Client) (*Config, error) {
	data, err := c.AccountData(ctx, p.ConfigAddress())
	if err != nil {
		return nil, err
	}
	return ParseAccount_Config(data)
}

func (p Program) retarget(ix solana.Instruction, err error) (solana.Instruction, error) {
	if err != nil {
		return nil, err
	}
	data, err := ix.Data()
	if err != nil {
		return nil, err
	}
	return solana.NewInstruction(p.ID, ix.Accounts(), data), nil
}
