package registry_test

import (
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
)

// Rent-exempt minimums on the localnet (mainnet values): a 96-byte UnstakeTicket and a
// 165-byte token account. Every test transaction here has one signature: a 5,000 lamport fee.
const (
	auTicketRent = 1_559_040
	auVaultRent  = 2_039_280
	auFee        = 5_000
)

func (e *env) auRequestUnstake(p provider, amount uint64) solana.Instruction {
	return must(e.prog.RequestUnstake(p.owner.PublicKey(), p.deviceKey.PublicKey(), amount))
}

func (e *env) auWithdraw(p provider, to solana.PublicKey) solana.Instruction {
	return must(e.prog.WithdrawUnstaked(p.owner.PublicKey(), p.deviceKey.PublicKey(), to))
}

func (e *env) auDeregister(p provider) solana.Instruction {
	return must(e.prog.DeregisterDevice(p.owner.PublicKey(), p.deviceKey.PublicKey(), p.token))
}

// auTicket fetches a device's unstake ticket.
func (e *env) auTicket(t testing.TB, p provider) *registry.UnstakeTicket {
	data, err := e.client.AccountData(e.ctx, e.prog.TicketAddress(p.device))
	require.NoError(t, err)
	ticket, err := registry.ParseAccount_UnstakeTicket(data)
	require.NoError(t, err)
	return ticket
}

// auGone asserts that no account lives at addr any more.
func (e *env) auGone(t testing.TB, addr solana.PublicKey) {
	_, err := e.client.AccountData(e.ctx, addr)
	require.ErrorIs(t, err, chain.ErrAccountNotFound)
}

func (e *env) auProvider(t testing.TB, p provider) *registry.Provider {
	prov, err := e.prog.FetchProvider(e.ctx, e.client, p.owner.PublicKey())
	require.NoError(t, err)
	return prov
}

// auCheckVault asserts the vault invariant: it holds exactly stake + pending_unstake.
func (e *env) auCheckVault(t testing.TB, p provider) {
	d := e.device(t, p)
	require.Equal(t, d.Stake+d.PendingUnstake, e.tokenBalance(t, e.prog.VaultAddress(p.device)))
}

// auWaitUnlock sleeps until a transaction sent now lands in a slot whose clock has reached
// unlockAt (the localnet's clock is wall-clock seconds, set when each slot opens).
func auWaitUnlock(unlockAt int64) {
	time.Sleep(time.Until(time.Unix(unlockAt+1, 0)))
}

// The whole round trip: a ticket is created, topped up (cooldown restarted), refused while
// locked, paid out to the token and closed with its rent returned; the vault always holds
// stake + pending_unstake.
func TestUnstakeLifecycle(t *testing.T) {
	e := newEnv(t)
	params := e.initialize(t)
	params.ProbationSecs = 0 // so a device with the minimum stake is Active at once
	require.NoError(t, e.update(t, e.admin, params))
	p := e.newProvider(t, H100, 5_000*IO, 2_500*IO) // H100 minimum: 2,000 IO
	owner := p.owner.PublicKey()
	vault := e.prog.VaultAddress(p.device)
	ticketAddr := e.prog.TicketAddress(p.device)
	require.Equal(t, registry.StatusActive, e.device(t, p).Status)
	e.auCheckVault(t, p)

	lamports := e.lamports(t, owner)
	sig, err := e.auSend([]solana.PrivateKey{p.owner}, e.auRequestUnstake(p, 300*IO))
	require.NoError(t, err)
	ticket := e.auTicket(t, p)
	_, bump, err := solana.FindProgramAddress([][]byte{[]byte("ticket"), p.device[:]}, e.prog.ID)
	require.NoError(t, err)
	require.Equal(t, p.device, ticket.Device)
	require.Equal(t, owner, ticket.Owner)
	require.Equal(t, uint64(300*IO), ticket.Amount)
	require.Equal(t, uint8(1), ticket.Version)
	require.Equal(t, bump, ticket.Bump)
	require.Equal(t, int64(*e.txOf(t, sig).BlockTime)+params.UnstakeCooldownSecs, ticket.UnlockAt) // the Clock of its block
	require.Equal(t, []any{&registry.UnstakeRequested{Device: p.device, Amount: 300 * IO, PendingUnstake: 300 * IO, UnlockAt: ticket.UnlockAt}}, e.eventsOf(t, sig))
	d := e.device(t, p)
	require.Equal(t, uint64(2_200*IO), d.Stake)
	require.Equal(t, uint64(300*IO), d.PendingUnstake)
	require.Equal(t, registry.StatusActive, d.Status) // still above the minimum
	require.Equal(t, uint64(2_200*IO), e.auProvider(t, p).TotalStake)
	require.Equal(t, uint64(2_500*IO), e.tokenBalance(t, vault)) // nothing moves before the withdrawal
	require.Equal(t, uint64(2_500*IO), e.tokenBalance(t, p.token))
	require.Equal(t, lamports-auFee-auTicketRent, e.lamports(t, owner)) // the owner paid the ticket's rent
	require.Equal(t, uint64(auTicketRent), e.lamports(t, ticketAddr))
	e.auCheckVault(t, p)

	t.Run("withdraw before the cooldown", func(t *testing.T) {
		err := e.send([]solana.PrivateKey{p.owner}, e.auWithdraw(p, p.token))
		require.ErrorIs(t, err, registry.ErrUnstakeLocked)
	})

	time.Sleep(1100 * time.Millisecond) // so the restarted cooldown ends later
	first := ticket.UnlockAt
	lamports = e.lamports(t, owner)
	sig, err = e.auSend([]solana.PrivateKey{p.owner}, e.auRequestUnstake(p, 300*IO))
	require.NoError(t, err)
	ticket = e.auTicket(t, p)
	require.Equal(t, uint64(600*IO), ticket.Amount)
	require.Greater(t, ticket.UnlockAt, first)
	require.Equal(t, []any{
		&registry.DeviceStatusChanged{Device: p.device, From: registry.StatusActive, To: registry.StatusProbation},
		&registry.UnstakeRequested{Device: p.device, Amount: 300 * IO, PendingUnstake: 600 * IO, UnlockAt: ticket.UnlockAt},
	}, e.eventsOf(t, sig))
	d = e.device(t, p)
	require.Equal(t, uint64(1_900*IO), d.Stake)
	require.Equal(t, uint64(600*IO), d.PendingUnstake)
	require.Equal(t, registry.StatusProbation, d.Status) // below the minimum now
	require.Equal(t, uint64(1_900*IO), e.auProvider(t, p).TotalStake)
	require.Equal(t, lamports-auFee, e.lamports(t, owner)) // no second rent
	e.auCheckVault(t, p)

	t.Run("withdraw before the restarted cooldown", func(t *testing.T) {
		auWaitUnlock(first)
		// a different payer: not the identical transaction refused above
		err := e.send([]solana.PrivateKey{e.funded(t), p.owner}, e.auWithdraw(p, p.token))
		require.ErrorIs(t, err, registry.ErrUnstakeLocked)
	})

	auWaitUnlock(ticket.UnlockAt)
	lamports = e.lamports(t, owner)
	sig, err = e.auSend([]solana.PrivateKey{p.owner}, e.auWithdraw(p, p.token))
	require.NoError(t, err)
	require.Equal(t, []any{&registry.UnstakeWithdrawn{Device: p.device, Amount: 600 * IO}}, e.eventsOf(t, sig))
	require.Equal(t, uint64(3_100*IO), e.tokenBalance(t, p.token))
	require.Equal(t, uint64(1_900*IO), e.tokenBalance(t, vault))
	d = e.device(t, p)
	require.Equal(t, uint64(1_900*IO), d.Stake)
	require.Equal(t, uint64(0), d.PendingUnstake)
	require.Equal(t, uint64(1_900*IO), e.auProvider(t, p).TotalStake)
	e.auGone(t, ticketAddr)
	require.Equal(t, lamports-auFee+auTicketRent, e.lamports(t, owner)) // the rent came back
	e.auCheckVault(t, p)

	t.Run("a second withdrawal", func(t *testing.T) {
		// the ticket is gone: a system account with no data now
		err := e.send([]solana.PrivateKey{e.funded(t), p.owner}, e.auWithdraw(p, p.token))
		require.ErrorIs(t, err, registry.ErrInvalidAccountOwner)
		require.Equal(t, uint64(3_100*IO), e.tokenBalance(t, p.token))
	})
	t.Run("a new ticket at the same address", func(t *testing.T) {
		require.NoError(t, e.send([]solana.PrivateKey{p.owner}, e.auRequestUnstake(p, 100*IO)))
		ticket := e.auTicket(t, p)
		require.Equal(t, uint64(100*IO), ticket.Amount)
		require.Equal(t, bump, ticket.Bump)
		require.Equal(t, uint64(100*IO), e.device(t, p).PendingUnstake)
		e.auCheckVault(t, p)
	})
}

func TestRequestUnstakeNegative(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	p := e.newProvider(t, H100, 5_000*IO, 2_500*IO)
	other := e.newProvider(t, H100, 5_000*IO, 1_000*IO)
	send := func(ix solana.Instruction, signers ...solana.PrivateKey) error {
		if len(signers) == 0 {
			signers = []solana.PrivateKey{p.owner}
		}
		return e.send(signers, ix)
	}

	cases := []struct {
		name    string
		ix      func() solana.Instruction
		signers []solana.PrivateKey
		err     error
	}{
		{"zero amount", func() solana.Instruction { return e.auRequestUnstake(p, 0) }, nil, registry.ErrInvalidAmount},
		{"more than the stake", func() solana.Instruction { return e.auRequestUnstake(p, 2_500*IO+1) }, nil, registry.ErrInsufficientStake},
		{"owner did not sign", func() solana.Instruction {
			ix := e.auRequestUnstake(p, IO)
			ix.Accounts()[4].IsSigner = false
			return ix
		}, []solana.PrivateKey{other.owner}, registry.ErrMissingSigner},
		{"someone else's device", func() solana.Instruction {
			return must(e.prog.RequestUnstake(other.owner.PublicKey(), p.deviceKey.PublicKey(), IO))
		}, []solana.PrivateKey{other.owner}, registry.ErrWrongOwner},
		{"someone else's provider", func() solana.Instruction {
			ix := e.auRequestUnstake(p, IO)
			ix.Accounts()[1].PublicKey = e.prog.ProviderAddress(other.owner.PublicKey())
			return ix
		}, nil, registry.ErrWrongOwner},
		{"a provider as the device", func() solana.Instruction {
			ix := e.auRequestUnstake(p, IO)
			ix.Accounts()[2].PublicKey = e.prog.ProviderAddress(p.owner.PublicKey())
			return ix
		}, nil, registry.ErrInvalidAccountData},
		{"a ticket at a non-PDA address", func() solana.Instruction {
			ix := e.auRequestUnstake(p, IO)
			ix.Accounts()[3].PublicKey = solana.NewWallet().PublicKey()
			return ix
		}, nil, registry.ErrInvalidPda},
		{"the device as its ticket", func() solana.Instruction {
			ix := e.auRequestUnstake(p, IO)
			ix.Accounts()[3].PublicKey = p.device
			return ix
		}, nil, registry.ErrInvalidAccountData},
		{"another program as the system program", func() solana.Instruction {
			ix := e.auRequestUnstake(p, IO)
			ix.Accounts()[5].PublicKey = solana.TokenProgramID
			return ix
		}, nil, registry.ErrInvalidProgramId},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, send(tc.ix(), tc.signers...), tc.err)
		})
	}

	require.NoError(t, e.send([]solana.PrivateKey{other.owner}, e.auRequestUnstake(other, 100*IO)))
	t.Run("another device's ticket", func(t *testing.T) {
		ix := e.auRequestUnstake(p, IO)
		ix.Accounts()[3].PublicKey = e.prog.TicketAddress(other.device)
		require.ErrorIs(t, send(ix), registry.ErrInvalidPda)
		require.Equal(t, uint64(100*IO), e.auTicket(t, other).Amount)
	})
	t.Run("someone else's ticket through their device", func(t *testing.T) {
		ix := must(e.prog.RequestUnstake(p.owner.PublicKey(), other.deviceKey.PublicKey(), IO))
		require.ErrorIs(t, send(ix), registry.ErrWrongOwner)
	})

	// nothing changed
	d := e.device(t, p)
	require.Equal(t, uint64(2_500*IO), d.Stake)
	require.Equal(t, uint64(0), d.PendingUnstake)
	e.auGone(t, e.prog.TicketAddress(p.device))

	require.NoError(t, send(e.auRequestUnstake(p, 2_500*IO)))
	d = e.device(t, p)
	require.Equal(t, uint64(0), d.Stake)
	require.Equal(t, uint64(2_500*IO), d.PendingUnstake)
	require.Equal(t, uint64(0), e.auProvider(t, p).TotalStake)
	e.auCheckVault(t, p)
	t.Run("nothing left to unstake", func(t *testing.T) {
		require.ErrorIs(t, send(e.auRequestUnstake(p, 1)), registry.ErrInsufficientStake)
	})
}

func TestWithdrawUnstakedNegative(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	p := e.newProvider(t, H100, 5_000*IO, 2_500*IO)
	other := e.newProvider(t, H100, 5_000*IO, 1_000*IO)
	faucet := e.node.Key("faucet")
	iosd, _, err := solana.FindAssociatedTokenAddress(faucet.PublicKey(), e.iosdMint)
	require.NoError(t, err)
	vault := e.prog.VaultAddress(p.device)

	t.Run("no ticket", func(t *testing.T) {
		err := e.send([]solana.PrivateKey{p.owner}, e.auWithdraw(p, p.token))
		require.ErrorIs(t, err, registry.ErrInvalidAccountOwner)
	})
	require.NoError(t, e.send([]solana.PrivateKey{p.owner}, e.auRequestUnstake(p, 500*IO)))
	require.NoError(t, e.send([]solana.PrivateKey{other.owner}, e.auRequestUnstake(other, 100*IO)))
	t.Run("before the cooldown", func(t *testing.T) {
		err := e.send([]solana.PrivateKey{p.owner}, e.auWithdraw(p, p.token))
		require.ErrorIs(t, err, registry.ErrUnstakeLocked)
	})
	auWaitUnlock(e.auTicket(t, other).UnlockAt)

	cases := []struct {
		name    string
		edit    func(ix solana.Instruction) solana.Instruction
		signers []solana.PrivateKey
		err     error
	}{
		{"owner did not sign", func(ix solana.Instruction) solana.Instruction {
			ix.Accounts()[4].IsSigner = false
			return ix
		}, []solana.PrivateKey{other.owner}, registry.ErrMissingSigner},
		{"someone else's device", func(solana.Instruction) solana.Instruction {
			return must(e.prog.WithdrawUnstaked(other.owner.PublicKey(), p.deviceKey.PublicKey(), other.token))
		}, []solana.PrivateKey{other.owner}, registry.ErrWrongOwner},
		{"another device's ticket", func(ix solana.Instruction) solana.Instruction {
			ix.Accounts()[2].PublicKey = e.prog.TicketAddress(other.device)
			return ix
		}, nil, registry.ErrInvalidPda},
		{"the device as its ticket", func(ix solana.Instruction) solana.Instruction {
			ix.Accounts()[2].PublicKey = p.device
			return ix
		}, nil, registry.ErrInvalidAccountData},
		{"a token account as the vault", func(ix solana.Instruction) solana.Instruction {
			ix.Accounts()[3].PublicKey = other.token
			return ix
		}, nil, registry.ErrInvalidPda},
		{"another device's vault", func(ix solana.Instruction) solana.Instruction {
			ix.Accounts()[3].PublicKey = e.prog.VaultAddress(other.device)
			return ix
		}, nil, registry.ErrInvalidPda},
		{"a token account of another mint", func(ix solana.Instruction) solana.Instruction {
			ix.Accounts()[5].PublicKey = iosd
			return ix
		}, nil, registry.ErrInvalidMint},
		{"a wallet instead of a token account", func(ix solana.Instruction) solana.Instruction {
			ix.Accounts()[5].PublicKey = p.owner.PublicKey()
			return ix
		}, nil, registry.ErrInvalidAccountOwner},
		{"paid back into the vault", func(ix solana.Instruction) solana.Instruction {
			ix.Accounts()[5].PublicKey = vault
			return ix
		}, nil, registry.ErrDuplicateAccount},
		{"another program as the token program", func(ix solana.Instruction) solana.Instruction {
			ix.Accounts()[6].PublicKey = solana.SystemProgramID
			return ix
		}, nil, registry.ErrInvalidProgramId},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			signers := tc.signers
			if signers == nil {
				signers = []solana.PrivateKey{p.owner}
			}
			require.ErrorIs(t, e.send(signers, tc.edit(e.auWithdraw(p, p.token))), tc.err)
		})
	}
	require.Equal(t, uint64(500*IO), e.auTicket(t, p).Amount)
	require.Equal(t, uint64(2_500*IO), e.tokenBalance(t, vault))

	t.Run("paid to any IO account the owner names", func(t *testing.T) {
		before := e.tokenBalance(t, other.token)
		require.NoError(t, e.send([]solana.PrivateKey{p.owner}, e.auWithdraw(p, other.token)))
		require.Equal(t, before+500*IO, e.tokenBalance(t, other.token))
		require.Equal(t, uint64(2_000*IO), e.tokenBalance(t, vault))
		e.auCheckVault(t, p)
	})
}

func TestDeregisterDevice(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	p := e.newProvider(t, H100, 5_000*IO, 2_500*IO)
	other := e.newProvider(t, H100, 5_000*IO, 0)
	owner := p.owner.PublicKey()
	vault := e.prog.VaultAddress(p.device)
	send := func(ix solana.Instruction) error { return e.send([]solana.PrivateKey{p.owner}, ix) }

	t.Run("with stake", func(t *testing.T) {
		require.ErrorIs(t, send(e.auDeregister(p)), registry.ErrDeviceNotEmpty)
	})
	t.Run("someone else's device", func(t *testing.T) {
		ix := must(e.prog.DeregisterDevice(other.owner.PublicKey(), p.deviceKey.PublicKey(), other.token))
		require.ErrorIs(t, e.send([]solana.PrivateKey{other.owner}, ix), registry.ErrWrongOwner)
	})
	t.Run("someone else's provider", func(t *testing.T) {
		ix := e.auDeregister(p)
		ix.Accounts()[1].PublicKey = e.prog.ProviderAddress(other.owner.PublicKey())
		require.ErrorIs(t, send(ix), registry.ErrWrongOwner)
	})
	t.Run("a provider as the device", func(t *testing.T) {
		ix := e.auDeregister(p)
		ix.Accounts()[2].PublicKey = e.prog.ProviderAddress(owner)
		require.ErrorIs(t, send(ix), registry.ErrInvalidAccountData)
	})
	t.Run("owner did not sign", func(t *testing.T) {
		ix := e.auDeregister(p)
		ix.Accounts()[4].IsSigner = false
		require.ErrorIs(t, e.send([]solana.PrivateKey{other.owner}, ix), registry.ErrMissingSigner)
	})

	require.NoError(t, send(e.auRequestUnstake(p, 2_500*IO)))
	t.Run("with a ticket pending", func(t *testing.T) {
		// a different payer: not the identical transaction refused above
		err := e.send([]solana.PrivateKey{other.owner, p.owner}, e.auDeregister(p))
		require.ErrorIs(t, err, registry.ErrDeviceNotEmpty)
	})
	auWaitUnlock(e.auTicket(t, p).UnlockAt)
	require.NoError(t, send(e.auWithdraw(p, p.token)))
	require.Equal(t, uint64(5_000*IO), e.tokenBalance(t, p.token))

	t.Run("a token account as the vault", func(t *testing.T) {
		ix := e.auDeregister(p)
		ix.Accounts()[3].PublicKey = p.token
		require.ErrorIs(t, send(ix), registry.ErrInvalidPda)
	})
	t.Run("another device's vault", func(t *testing.T) {
		ix := e.auDeregister(p)
		ix.Accounts()[3].PublicKey = e.prog.VaultAddress(other.device)
		require.ErrorIs(t, send(ix), registry.ErrInvalidPda)
	})
	t.Run("another program as the token program", func(t *testing.T) {
		ix := e.auDeregister(p)
		ix.Accounts()[registry.DeregisterDeviceAccountTokenProgram].PublicKey = solana.SystemProgramID
		require.ErrorIs(t, send(ix), registry.ErrInvalidProgramId)
	})
	require.Equal(t, uint32(1), e.auProvider(t, p).DeviceCount)

	lamports := e.lamports(t, owner)
	sig, err := e.auSend([]solana.PrivateKey{p.owner}, e.auDeregister(p))
	require.NoError(t, err)
	require.Equal(t, []any{&registry.DeviceDeregistered{Device: p.device}}, e.eventsOf(t, sig))
	d := e.device(t, p)
	require.Equal(t, registry.StatusDeregistered, d.Status)
	require.Equal(t, uint64(0), d.Stake)
	require.Equal(t, uint64(0), d.PendingUnstake)
	require.Equal(t, uint32(0), e.auProvider(t, p).DeviceCount)
	e.auGone(t, vault)
	require.Equal(t, lamports-auFee+auVaultRent, e.lamports(t, owner)) // the vault's rent came back
	require.Equal(t, uint64(5_000*IO), e.tokenBalance(t, p.token))

	t.Run("a second deregistration", func(t *testing.T) {
		err := e.send([]solana.PrivateKey{other.owner, p.owner}, e.auDeregister(p))
		require.ErrorIs(t, err, registry.ErrDeviceDeregistered)
	})
	t.Run("stake into a deregistered device", func(t *testing.T) {
		err := send(must(e.prog.Stake(owner, p.deviceKey.PublicKey(), p.token, IO)))
		require.ErrorIs(t, err, registry.ErrDeviceDeregistered)
		require.Equal(t, uint64(5_000*IO), e.tokenBalance(t, p.token))
	})
	t.Run("unstake from a deregistered device", func(t *testing.T) {
		require.ErrorIs(t, send(e.auRequestUnstake(p, IO)), registry.ErrDeviceDeregistered)
	})
	t.Run("a device that never staked", func(t *testing.T) {
		require.NoError(t, e.send([]solana.PrivateKey{other.owner}, e.auDeregister(other)))
		require.Equal(t, registry.StatusDeregistered, e.device(t, other).Status)
		require.Equal(t, uint32(0), e.auProvider(t, other).DeviceCount)
		e.auGone(t, e.prog.VaultAddress(other.device))
	})
}

// IO someone sends straight into a vault cannot block deregistration: it goes to the owner.
func TestDeregisterSweepsDonatedIO(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	p := e.newProvider(t, H100, 100*IO, 0)
	donor := e.newProvider(t, H100, 10*IO, 0)
	vault := e.prog.VaultAddress(p.device)
	require.NoError(t, e.send([]solana.PrivateKey{donor.owner}, token.NewTransferInstruction(3*IO, donor.token, vault, donor.owner.PublicKey(), nil).Build()))
	require.NoError(t, e.send([]solana.PrivateKey{p.owner}, e.auDeregister(p)))
	require.Equal(t, registry.StatusDeregistered, e.device(t, p).Status)
	require.Equal(t, uint64(103*IO), e.tokenBalance(t, p.token))
	require.False(t, e.exists(t, vault))
}

// Unstaking waits while the device works or a slash is pending: a hired device cannot leave
// its job by unstaking, and a suspended device's stake and ticket stay slashable.
func TestUnstakeRefusedWhileHiredOrSuspended(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	p := e.activeProvider(t, e.funded(t))
	o, k := p.owner.PublicKey(), p.deviceKey.PublicKey()
	require.NoError(t, e.send([]solana.PrivateKey{e.escrow}, must(e.prog.SetDeviceJob(e.escrow.PublicKey(), k, solana.NewWallet().PublicKey()))))
	t.Run("hired", func(t *testing.T) {
		require.ErrorIs(t, e.send([]solana.PrivateKey{p.owner}, must(e.prog.RequestUnstake(o, k, IO))), registry.ErrDeviceHired)
	})
	require.NoError(t, e.send([]solana.PrivateKey{e.escrow}, must(e.prog.SetDeviceJob(e.escrow.PublicKey(), k, solana.PublicKey{}))))
	require.NoError(t, e.send([]solana.PrivateKey{p.owner}, must(e.prog.RequestUnstake(o, k, IO))))

	require.NoError(t, e.send([]solana.PrivateKey{e.keeper}, must(e.prog.Slash(e.keeper.PublicKey(), o, k, e.ioMint, registry.OffenceDowntime, evidenceOf("suspended")))))
	time.Sleep(3 * time.Second) // past the ticket's 2 s cooldown
	t.Run("suspended: no new request", func(t *testing.T) {
		require.ErrorIs(t, e.send([]solana.PrivateKey{p.owner}, must(e.prog.RequestUnstake(o, k, 2*IO))), registry.ErrDeviceSuspended)
	})
	t.Run("suspended: the ticket is frozen", func(t *testing.T) {
		require.ErrorIs(t, e.send([]solana.PrivateKey{p.owner}, must(e.prog.WithdrawUnstaked(o, k, p.token))), registry.ErrDeviceSuspended)
	})
	t.Run("too few accounts", func(t *testing.T) {
		ix := must(e.prog.WithdrawUnstaked(o, k, p.token))
		data, err := ix.Data()
		require.NoError(t, err)
		short := solana.NewInstruction(e.prog.ID, ix.Accounts()[:registry.WithdrawUnstakedAccountTokenProgram], data)
		require.ErrorIs(t, e.send([]solana.PrivateKey{p.owner}, short), registry.ErrNotEnoughAccounts)
	})
}
