package registry

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
)

// Every builder addresses the given program and starts its data with the discriminator,
// including instructions without arguments (which anchor-go leaves empty).
func TestBuildersCarryDiscriminators(t *testing.T) {
	p := New(solana.NewWallet().PublicKey())
	k := solana.NewWallet().PublicKey()
	var evidence [32]byte
	cases := map[[8]byte]func() (solana.Instruction, error){
		registry.Instruction_AcceptAdmin:      func() (solana.Instruction, error) { return p.AcceptAdmin(k) },
		registry.Instruction_WithdrawUnstaked: func() (solana.Instruction, error) { return p.WithdrawUnstaked(k, k, k) },
		registry.Instruction_DeregisterDevice: func() (solana.Instruction, error) { return p.DeregisterDevice(k, k, k) },
		registry.Instruction_ResolveAppeal:    func() (solana.Instruction, error) { return p.ResolveAppeal(k, k, k, evidence, k) },
		registry.Instruction_FinalizeSlash:    func() (solana.Instruction, error) { return p.FinalizeSlash(k, evidence, k, k, k, k) },
		registry.Instruction_Stake:            func() (solana.Instruction, error) { return p.Stake(k, k, k, 7) },
		registry.Instruction_Slash:            func() (solana.Instruction, error) { return p.Slash(k, k, k, k, registry.OffenceDowntime, evidence) },
		registry.Instruction_SetAsks:          func() (solana.Instruction, error) { return p.SetAsks(k, k, 450, 0) },
	}
	for disc, build := range cases {
		ix, err := build()
		require.NoError(t, err)
		require.Equal(t, p.ID, ix.ProgramID())
		data, err := ix.Data()
		require.NoError(t, err)
		require.Equal(t, disc[:], data[:8])
	}
}
