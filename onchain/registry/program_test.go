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

// SlashJob passes the job and the bump of its escrow's authority PDA; Slash passes the system
// program and bump 0 (no job).
func TestSlashJobAccountAndBump(t *testing.T) {
	p := New(solana.NewWallet().PublicKey())
	k := solana.NewWallet().PublicKey()
	escrowProgram, job := solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey()
	var evidence [32]byte
	_, bump, err := solana.FindProgramAddress([][]byte{[]byte("escrow_authority")}, escrowProgram)
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		ix      func() (solana.Instruction, error)
		account solana.PublicKey
		bump    uint8
	}{
		{"with a job", func() (solana.Instruction, error) {
			return p.SlashJob(k, k, k, k, AbandonedJob{Job: job, Escrow: escrowProgram}, registry.OffenceJobAbandonment, evidence)
		}, job, bump},
		{"without", func() (solana.Instruction, error) { return p.Slash(k, k, k, k, registry.OffenceDowntime, evidence) }, solana.SystemProgramID, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix, err := tc.ix()
			require.NoError(t, err)
			require.Equal(t, tc.account, ix.Accounts()[registry.SlashAccountJob].PublicKey)
			require.False(t, ix.Accounts()[registry.SlashAccountJob].IsWritable)
			data, err := ix.Data()
			require.NoError(t, err)
			require.Len(t, data, 8+1+32+1+1)
			require.Equal(t, tc.bump, data[len(data)-1])
		})
	}
}

// Compensation is the beneficiary's associated IO account, or the pool without one.
func TestCompensation(t *testing.T) {
	mint, pool, renter := solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey()
	got, err := Compensation(&registry.SlashRecord{}, mint, pool)
	require.NoError(t, err)
	require.Equal(t, pool, got)
	ata, _, err := solana.FindAssociatedTokenAddress(renter, mint)
	require.NoError(t, err)
	got, err = Compensation(&registry.SlashRecord{Beneficiary: renter}, mint, pool)
	require.NoError(t, err)
	require.Equal(t, ata, got)
}
