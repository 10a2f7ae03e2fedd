package economy_test

import (
	"testing"

	bin "github.com/gagliardetto/binary"
	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// Finding 8: burn_fee checked only that its signer is owned by the escrow program, and anyone
// can make such a signer: a keypair account assigned to the escrow (the review's 0-byte
// account), or created with a Job's size under the escrow as owner. Either now fails with
// NotEscrowJob: the signer must be a Job (discriminator and size) at the address its own
// seeds derive. Nothing is burned or counted. (A real IOSD job's settlement still burns its
// fee: the escrow's TestIOSDJobEndToEnd.)
func TestFinding8BurnFeeRefusesAnAccountThatIsNotAJob(t *testing.T) {
	e := newEnv(t, nil)
	payer := e.Funded(t)
	job, err := bin.MarshalBorsh(&escrow.Job{})
	require.NoError(t, err)
	jobSize := uint64(8 + len(job)) // discriminator and fields
	rent, err := e.Client.RentExempt(e.Ctx, jobSize)
	require.NoError(t, err)
	assigned, sized := solana.NewWallet().PrivateKey, solana.NewWallet().PrivateKey
	require.NoError(t, e.Send([]solana.PrivateKey{payer, assigned, sized},
		system.NewTransferInstruction(solana.LAMPORTS_PER_SOL, payer.PublicKey(), assigned.PublicKey()).Build(),
		system.NewAssignInstruction(e.escrowID(), assigned.PublicKey()).Build(),
		system.NewCreateAccountInstruction(rent, jobSize, e.escrowID(), payer.PublicKey(), sized.PublicKey()).Build()))

	for _, c := range []struct {
		name string
		job  solana.PrivateKey
		size uint64
	}{{"a 0-byte account assigned to the escrow", assigned, 0}, {"a Job-sized account the escrow owns", sized, jobSize}} {
		t.Run(c.name, func(t *testing.T) {
			info, err := e.Client.Account(e.Ctx, c.job.PublicKey())
			require.NoError(t, err)
			require.Equal(t, e.escrowID(), info.Owner)
			require.Len(t, info.Data, int(c.size))
			vault := e.TokenAccount(t, e.IOSDMint, c.job.PublicKey(), 5*iosd)
			before, supply := e.config(t), e.Supply(t, e.IOSDMint)
			err = e.Send([]solana.PrivateKey{payer, c.job}, chaintest.Must(e.prog.BurnFee(c.job.PublicKey(), vault, 5*iosd)))
			require.ErrorIs(t, err, economy.ErrNotEscrowJob)
			require.Equal(t, uint64(5*iosd), e.TokenBalance(t, vault))
			require.Equal(t, supply, e.Supply(t, e.IOSDMint))
			require.Equal(t, before, e.config(t))
		})
	}
}

// Initialize takes only the registry's mints, which cannot have a freeze authority (whoever held
// one could freeze any holder, the community pool or a job's vault): a freezable IOSD is refused
// (InvalidMint) and stays with its authority.
func TestInitializeRefusesAFreezableMint(t *testing.T) {
	ce := chaintest.New(t)
	ce.InitRegistry(t, solana.NewWallet().PublicKey())
	mint, _ := ce.FreezableMint(t, 6, 1_000_000*iosd)
	ce.Economy.IOSDMint = mint
	e := &env{Env: ce, prog: ce.Economy, params: ce.EconomyParams(t)}
	old := e.Node.Key("admin")
	err := e.Send([]solana.PrivateKey{e.Admin, old}, chaintest.Must(e.prog.Initialize(e.Admin.PublicKey(), old.PublicKey(), e.escrowID(), e.params, chaintest.EconomyLimits())))
	require.ErrorIs(t, err, economy.ErrInvalidMint)
	require.Equal(t, old.PublicKey(), e.mintAuthority(t, mint))
	require.Equal(t, old.PublicKey(), e.mintAuthority(t, e.IOMint))
}
