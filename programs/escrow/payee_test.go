package escrow_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// The payee cannot block the renter (issue 9, attack 1): a one-device job runs, the oracles
// count 1 s, the provider makes its payout account unusable (closes it or hands it to a new
// owner; the payment mints cannot freeze it: initialize_config refuses a freeze authority),
// the job completes and the grace period passes. settle still succeeds (the pay waits in the
// provider's Unclaimed record, its rent paid by the settler), close_job succeeds (the renter gets back everything but the 1 s,
// and the job's and the vault's rent), and the provider later collects exactly what it earned;
// the settler gets the record's rent back.

func TestUnusablePayoutDoesNotBlock(t *testing.T) {
	e := newEnv(t)
	sabotages := []struct {
		name string
		do   func(owner solana.PrivateKey, payout solana.PublicKey)
	}{
		{"closed", func(owner solana.PrivateKey, payout solana.PublicKey) {
			require.NoError(t, e.Send([]solana.PrivateKey{owner}, token.NewCloseAccountInstruction(payout, owner.PublicKey(), owner.PublicKey(), nil).Build()))
			require.Zero(t, e.Lamports(t, payout))
		}},
		{"handed to a new owner", func(owner solana.PrivateKey, payout solana.PublicKey) {
			require.NoError(t, e.Send([]solana.PrivateKey{owner}, token.NewSetAuthorityInstruction(token.AuthorityAccountOwner,
				solana.NewWallet().PublicKey(), payout, owner.PublicKey(), nil).Build()))
		}},
	}
	const duration = 6
	jobs := make([]job, len(sabotages))
	for i := range jobs {
		jobs[i] = e.runningJob(t, 1, duration)
	}
	for i, j := range jobs {
		e.countUsage(t, j, e.endedWindow(e.job(t, j).StartedAt), 1)
		sabotages[i].do(j.providers[0].Owner, j.payouts[0])
	}
	for _, j := range jobs {
		waitUntil(e.job(t, j).StartedAt + duration)
		require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.ExpireJob(j.addr, j.renter.token, e.hired(t, j)))))
	}
	settlers := make([]solana.PrivateKey, len(jobs))
	for i, j := range jobs {
		waitUntil(e.job(t, j).EndedAt + e.params.UsageGraceSecs)
		if i > 0 { // the first owner's record exists: it is not this owner's
			ix := e.settleIx(e.Keeper.PublicKey(), j.addr, 0, j.payouts[0], e.treasuryIOSD, e.IOSDMint)
			first := e.prog.UnclaimedAddress(jobs[0].providers[0].Owner.PublicKey(), e.IOSDMint)
			_, err := e.SendSig([]solana.PrivateKey{e.Keeper}, chaintest.WithAccount(ix, 10, first))
			require.ErrorIs(t, err, escrow.ErrInvalidPda, sabotages[i].name)
		}
		settlers[i] = e.settleAndClose(t, sabotages[i].name, j, i == 0)
	}
	for i, j := range jobs {
		e.collectUnclaimed(t, sabotages[i].name, j, settlers[i])
	}
}

// settleAndClose settles and closes j, whose provider made its payout account unusable after
// 1 s was counted, and returns the settler; newVault: the unclaimed vault is made now.
func (e *env) settleAndClose(t *testing.T, name string, j job, newVault bool) solana.PrivateKey {
	p := j.providers[0]
	owner := p.Owner.PublicKey()
	closeJob := chaintest.Must(e.prog.CloseJob(j.addr, j.renter.key.PublicKey(), j.renter.token, solana.PublicKey{}))
	_, err := e.SendSig([]solana.PrivateKey{e.Keeper}, closeJob)
	require.ErrorIs(t, err, escrow.ErrUnsettledUsage, name)

	// settle: the pay goes to the owner's Unclaimed record, made now at the settler's cost.
	want := pay(0, 1)
	settler := e.Funded(t)
	uvault := e.prog.UnclaimedVaultAddress(e.IOSDMint)
	treasury, held := e.TokenBalance(t, e.treasuryIOSD), e.TokenBalance(t, uvault)
	sig, err := e.SendSig([]solana.PrivateKey{settler}, e.settleIx(settler.PublicKey(), j.addr, 0, j.payouts[0], e.treasuryIOSD, e.IOSDMint))
	require.NoError(t, err, name)
	require.Equal(t, []any{
		&escrow.PayoutUnclaimed{Job: j.addr, Device: p.Device, Owner: owner, Payout: j.payouts[0], Amount: want.Payout},
		&escrow.Settled{Job: j.addr, Device: p.Device, Secs: 1, Payout: want.Payout, FeeTreasury: want.FeeTreasury, FeeBurned: want.FeeBurned},
	}, e.eventsOf(t, sig), name)
	rent := e.rent(t, escrow.UnclaimedSize)
	if newVault {
		rent += e.rent(t, 165)
	}
	require.Equal(t, 10*solana.LAMPORTS_PER_SOL-e.Tx(t, sig).Meta.Fee-rent, e.Lamports(t, settler.PublicKey()), name)
	u, err := e.prog.FetchUnclaimed(e.Ctx, e.Client, owner, e.IOSDMint)
	require.NoError(t, err)
	require.Equal(t, escrow.Unclaimed{Owner: owner, Mint: e.IOSDMint, Vault: uvault, Payer: settler.PublicKey(), Amount: want.Payout,
		Bump: u.Bump, VaultBump: u.VaultBump, Version: escrow.LayoutVersion}, *u, name)
	require.Equal(t, held+want.Payout, e.TokenBalance(t, uvault), name)
	require.Equal(t, treasury+want.FeeTreasury, e.TokenBalance(t, e.treasuryIOSD), name)
	e.conserved(t, e.job(t, j))

	// close_job: the renter gets the rest of the deposit and the rent.
	jobRent := e.Lamports(t, j.addr) + e.Lamports(t, e.prog.VaultAddress(j.addr))
	lamports := e.Lamports(t, j.renter.key.PublicKey())
	_, err = e.SendSig([]solana.PrivateKey{e.Keeper}, closeJob)
	require.NoError(t, err, name)
	require.Equal(t, uint64(iosd+6*perSec)-want.Gross, e.TokenBalance(t, j.renter.token), name)
	require.Equal(t, lamports+jobRent, e.Lamports(t, j.renter.key.PublicKey()), name)
	return settler
}

// collectUnclaimed has j's provider collect what it earned into an account it owns; the
// settler gets its rent back.
func (e *env) collectUnclaimed(t *testing.T, name string, j job, settler solana.PrivateKey) {
	p := j.providers[0]
	owner := p.Owner.PublicKey()
	want := pay(0, 1)
	record, uvault := e.prog.UnclaimedAddress(owner, e.IOSDMint), e.prog.UnclaimedVaultAddress(e.IOSDMint)
	held := e.TokenBalance(t, uvault)
	collect := func(signer solana.PrivateKey, to, payer solana.PublicKey) (solana.Signature, error) {
		return e.SendSig([]solana.PrivateKey{signer}, chaintest.Must(e.prog.CollectUnclaimed(signer.PublicKey(), e.IOSDMint, to, payer)))
	}
	to := e.freshTokenAccount(t, p.Owner)
	_, err := collect(p.Owner, to, owner)
	require.ErrorIs(t, err, escrow.ErrWrongRentPayer, name)
	settlerLamports := e.Lamports(t, settler.PublicKey())
	sig, err := collect(p.Owner, to, settler.PublicKey())
	require.NoError(t, err, name)
	require.Equal(t, []any{&escrow.UnclaimedCollected{Owner: owner, Mint: e.IOSDMint, OwnerToken: to, Amount: want.Payout}}, e.eventsOf(t, sig), name)
	require.Equal(t, want.Payout, e.TokenBalance(t, to), name)
	require.Equal(t, held-want.Payout, e.TokenBalance(t, uvault), name)
	require.Zero(t, e.Lamports(t, record), name)
	require.Equal(t, settlerLamports+e.rent(t, escrow.UnclaimedSize), e.Lamports(t, settler.PublicKey()), name)
	_, err = e.SendSig([]solana.PrivateKey{e.Keeper, p.Owner}, chaintest.Must(e.prog.CollectUnclaimed(owner, e.IOSDMint, to, settler.PublicKey())))
	require.ErrorIs(t, err, escrow.ErrInvalidAccountOwner, name) // collected: the record is gone
}

// rent is the rent-exempt minimum of an account of size bytes.
func (e *env) rent(t testing.TB, size uint64) uint64 {
	rent, err := e.Client.RentExempt(e.Ctx, size)
	require.NoError(t, err)
	return rent
}

// freshTokenAccount is a new (non-associated) IOSD account of owner's.
func (e *env) freshTokenAccount(t testing.TB, owner solana.PrivateKey) solana.PublicKey {
	fresh := solana.NewWallet().PrivateKey
	require.NoError(t, e.Send([]solana.PrivateKey{owner, fresh},
		system.NewCreateAccountInstruction(e.rent(t, 165), 165, solana.TokenProgramID, owner.PublicKey(), fresh.PublicKey()).Build(),
		token.NewInitializeAccount3Instruction(owner.PublicKey(), fresh.PublicKey(), e.IOSDMint).Build()))
	return fresh.PublicKey()
}
