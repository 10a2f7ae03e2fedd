package registry_test

import (
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// Rent-exempt minimums on the localnet (mainnet values): a 96-byte UnstakeTicket and a
// 165-byte token account. Every test transaction here has one signature: a 5,000 lamport fee.
const (
	auTicketRent = 1_559_040
	auVaultRent  = 2_039_280
	auFee        = 5_000
)

func (e *env) auRequestUnstake(p chaintest.Provider, amount uint64) solana.Instruction {
	return chaintest.Must(e.Registry.RequestUnstake(p.Owner.PublicKey(), p.DeviceKey.PublicKey(), amount))
}

func (e *env) auWithdraw(p chaintest.Provider, to solana.PublicKey) solana.Instruction {
	return chaintest.Must(e.Registry.WithdrawUnstaked(p.Owner.PublicKey(), p.DeviceKey.PublicKey(), to))
}

func (e *env) auDeregister(p chaintest.Provider) solana.Instruction {
	return chaintest.Must(e.Registry.DeregisterDevice(p.Owner.PublicKey(), p.DeviceKey.PublicKey(), p.Token))
}

// auTicket fetches a device's unstake ticket.
func (e *env) auTicket(t testing.TB, p chaintest.Provider) *registry.UnstakeTicket {
	data, err := e.Client.AccountData(e.Ctx, e.Registry.TicketAddress(p.Device))
	require.NoError(t, err)
	ticket, err := registry.ParseAccount_UnstakeTicket(data)
	require.NoError(t, err)
	return ticket
}

// auGone asserts that no account lives at addr any more.
func (e *env) auGone(t testing.TB, addr solana.PublicKey) {
	_, err := e.Client.AccountData(e.Ctx, addr)
	require.ErrorIs(t, err, chain.ErrAccountNotFound)
}

func (e *env) auProvider(t testing.TB, p chaintest.Provider) *registry.Provider {
	prov, err := e.Registry.FetchProvider(e.Ctx, e.Client, p.Owner.PublicKey())
	require.NoError(t, err)
	return prov
}

// auCheckVault asserts the vault invariant: it holds exactly stake + pending_unstake.
func (e *env) auCheckVault(t testing.TB, p chaintest.Provider) {
	d := e.Device(t, p)
	require.Equal(t, d.Stake+d.PendingUnstake, e.TokenBalance(t, e.Registry.VaultAddress(p.Device)))
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
	// no probation, so a device with the minimum stake is Active at once
	params := e.initialize(t, func(p *registry.ConfigParams) { p.ProbationSecs = 0 })
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_500*chaintest.IO) // H100 minimum: 2,000 IO
	owner := p.Owner.PublicKey()
	vault := e.Registry.VaultAddress(p.Device)
	ticketAddr := e.Registry.TicketAddress(p.Device)
	require.Equal(t, registry.StatusActive, e.Device(t, p).Status)
	e.auCheckVault(t, p)

	lamports := e.Lamports(t, owner)
	sig, err := e.SendSig([]solana.PrivateKey{p.Owner}, e.auRequestUnstake(p, 300*chaintest.IO))
	require.NoError(t, err)
	ticket := e.auTicket(t, p)
	_, bump, err := solana.FindProgramAddress([][]byte{[]byte("ticket"), p.Device[:]}, e.Registry.ID)
	require.NoError(t, err)
	require.Equal(t, p.Device, ticket.Device)
	require.Equal(t, owner, ticket.Owner)
	require.Equal(t, uint64(300*chaintest.IO), ticket.Amount)
	require.Equal(t, registry.LayoutVersion, ticket.Version)
	require.Equal(t, bump, ticket.Bump)
	require.Equal(t, int64(*e.Tx(t, sig).BlockTime)+params.UnstakeCooldownSecs, ticket.UnlockAt) // the Clock of its block
	require.Equal(t, []any{&registry.UnstakeRequested{Device: p.Device, Amount: 300 * chaintest.IO, PendingUnstake: 300 * chaintest.IO, UnlockAt: ticket.UnlockAt}}, e.eventsOf(t, sig))
	d := e.Device(t, p)
	require.Equal(t, uint64(2_200*chaintest.IO), d.Stake)
	require.Equal(t, uint64(300*chaintest.IO), d.PendingUnstake)
	require.Equal(t, registry.StatusActive, d.Status) // still above the minimum
	require.Equal(t, uint64(2_200*chaintest.IO), e.auProvider(t, p).TotalStake)
	require.Equal(t, uint64(2_500*chaintest.IO), e.TokenBalance(t, vault)) // nothing moves before the withdrawal
	require.Equal(t, uint64(2_500*chaintest.IO), e.TokenBalance(t, p.Token))
	require.Equal(t, lamports-auFee-auTicketRent, e.Lamports(t, owner)) // the owner paid the ticket's rent
	require.Equal(t, uint64(auTicketRent), e.Lamports(t, ticketAddr))
	e.auCheckVault(t, p)

	t.Run("withdraw before the cooldown", func(t *testing.T) {
		err := e.Send([]solana.PrivateKey{p.Owner}, e.auWithdraw(p, p.Token))
		require.ErrorIs(t, err, registry.ErrUnstakeLocked)
	})

	time.Sleep(1100 * time.Millisecond) // so the restarted cooldown ends later
	first := ticket.UnlockAt
	lamports = e.Lamports(t, owner)
	sig, err = e.SendSig([]solana.PrivateKey{p.Owner}, e.auRequestUnstake(p, 300*chaintest.IO))
	require.NoError(t, err)
	ticket = e.auTicket(t, p)
	require.Equal(t, uint64(600*chaintest.IO), ticket.Amount)
	require.Greater(t, ticket.UnlockAt, first)
	require.Equal(t, []any{
		&registry.DeviceStatusChanged{Device: p.Device, From: registry.StatusActive, To: registry.StatusProbation},
		&registry.UnstakeRequested{Device: p.Device, Amount: 300 * chaintest.IO, PendingUnstake: 600 * chaintest.IO, UnlockAt: ticket.UnlockAt},
	}, e.eventsOf(t, sig))
	d = e.Device(t, p)
	require.Equal(t, uint64(1_900*chaintest.IO), d.Stake)
	require.Equal(t, uint64(600*chaintest.IO), d.PendingUnstake)
	require.Equal(t, registry.StatusProbation, d.Status) // below the minimum now
	require.Equal(t, uint64(1_900*chaintest.IO), e.auProvider(t, p).TotalStake)
	require.Equal(t, lamports-auFee, e.Lamports(t, owner)) // no second rent
	e.auCheckVault(t, p)

	t.Run("withdraw before the restarted cooldown", func(t *testing.T) {
		auWaitUnlock(first)
		// a different payer: not the identical transaction refused above
		err := e.Send([]solana.PrivateKey{e.Funded(t), p.Owner}, e.auWithdraw(p, p.Token))
		require.ErrorIs(t, err, registry.ErrUnstakeLocked)
	})

	auWaitUnlock(ticket.UnlockAt)
	lamports = e.Lamports(t, owner)
	sig, err = e.SendSig([]solana.PrivateKey{p.Owner}, e.auWithdraw(p, p.Token))
	require.NoError(t, err)
	require.Equal(t, []any{&registry.UnstakeWithdrawn{Device: p.Device, Amount: 600 * chaintest.IO}}, e.eventsOf(t, sig))
	require.Equal(t, uint64(3_100*chaintest.IO), e.TokenBalance(t, p.Token))
	require.Equal(t, uint64(1_900*chaintest.IO), e.TokenBalance(t, vault))
	d = e.Device(t, p)
	require.Equal(t, uint64(1_900*chaintest.IO), d.Stake)
	require.Equal(t, uint64(0), d.PendingUnstake)
	require.Equal(t, uint64(1_900*chaintest.IO), e.auProvider(t, p).TotalStake)
	e.auGone(t, ticketAddr)
	require.Equal(t, lamports-auFee+auTicketRent, e.Lamports(t, owner)) // the rent came back
	e.auCheckVault(t, p)

	t.Run("a second withdrawal", func(t *testing.T) {
		// the ticket is gone: a system account with no data now
		err := e.Send([]solana.PrivateKey{e.Funded(t), p.Owner}, e.auWithdraw(p, p.Token))
		require.ErrorIs(t, err, registry.ErrInvalidAccountOwner)
		require.Equal(t, uint64(3_100*chaintest.IO), e.TokenBalance(t, p.Token))
	})
	t.Run("a new ticket at the same address", func(t *testing.T) {
		require.NoError(t, e.Send([]solana.PrivateKey{p.Owner}, e.auRequestUnstake(p, 100*chaintest.IO)))
		ticket := e.auTicket(t, p)
		require.Equal(t, uint64(100*chaintest.IO), ticket.Amount)
		require.Equal(t, bump, ticket.Bump)
		require.Equal(t, uint64(100*chaintest.IO), e.Device(t, p).PendingUnstake)
		e.auCheckVault(t, p)
	})
}

func TestRequestUnstakeNegative(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_500*chaintest.IO)
	other := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 1_000*chaintest.IO)
	send := func(ix solana.Instruction, signers ...solana.PrivateKey) error {
		if len(signers) == 0 {
			signers = []solana.PrivateKey{p.Owner}
		}
		return e.Send(signers, ix)
	}

	cases := []struct {
		name    string
		ix      func() solana.Instruction
		signers []solana.PrivateKey
		err     error
	}{
		{"zero amount", func() solana.Instruction { return e.auRequestUnstake(p, 0) }, nil, registry.ErrInvalidAmount},
		{"more than the stake", func() solana.Instruction { return e.auRequestUnstake(p, 2_500*chaintest.IO+1) }, nil, registry.ErrInsufficientStake},
		{"owner did not sign", func() solana.Instruction {
			ix := e.auRequestUnstake(p, chaintest.IO)
			ix.Accounts()[4].IsSigner = false
			return ix
		}, []solana.PrivateKey{other.Owner}, registry.ErrMissingSigner},
		{"someone else's device", func() solana.Instruction {
			return chaintest.Must(e.Registry.RequestUnstake(other.Owner.PublicKey(), p.DeviceKey.PublicKey(), chaintest.IO))
		}, []solana.PrivateKey{other.Owner}, registry.ErrWrongOwner},
		{"someone else's provider", func() solana.Instruction {
			ix := e.auRequestUnstake(p, chaintest.IO)
			ix.Accounts()[1].PublicKey = e.Registry.ProviderAddress(other.Owner.PublicKey())
			return ix
		}, nil, registry.ErrWrongOwner},
		{"a provider as the device", func() solana.Instruction {
			ix := e.auRequestUnstake(p, chaintest.IO)
			ix.Accounts()[2].PublicKey = e.Registry.ProviderAddress(p.Owner.PublicKey())
			return ix
		}, nil, registry.ErrInvalidAccountData},
		{"a ticket at a non-PDA address", func() solana.Instruction {
			ix := e.auRequestUnstake(p, chaintest.IO)
			ix.Accounts()[3].PublicKey = solana.NewWallet().PublicKey()
			return ix
		}, nil, registry.ErrInvalidPda},
		{"the device as its ticket", func() solana.Instruction {
			ix := e.auRequestUnstake(p, chaintest.IO)
			ix.Accounts()[3].PublicKey = p.Device
			return ix
		}, nil, registry.ErrInvalidAccountData},
		{"another program as the system program", func() solana.Instruction {
			ix := e.auRequestUnstake(p, chaintest.IO)
			ix.Accounts()[5].PublicKey = solana.TokenProgramID
			return ix
		}, nil, registry.ErrInvalidProgramId},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, send(tc.ix(), tc.signers...), tc.err)
		})
	}

	require.NoError(t, e.Send([]solana.PrivateKey{other.Owner}, e.auRequestUnstake(other, 100*chaintest.IO)))
	t.Run("another device's ticket", func(t *testing.T) {
		ix := e.auRequestUnstake(p, chaintest.IO)
		ix.Accounts()[3].PublicKey = e.Registry.TicketAddress(other.Device)
		require.ErrorIs(t, send(ix), registry.ErrInvalidPda)
		require.Equal(t, uint64(100*chaintest.IO), e.auTicket(t, other).Amount)
	})
	t.Run("someone else's ticket through their device", func(t *testing.T) {
		ix := chaintest.Must(e.Registry.RequestUnstake(p.Owner.PublicKey(), other.DeviceKey.PublicKey(), chaintest.IO))
		require.ErrorIs(t, send(ix), registry.ErrWrongOwner)
	})

	// nothing changed
	d := e.Device(t, p)
	require.Equal(t, uint64(2_500*chaintest.IO), d.Stake)
	require.Equal(t, uint64(0), d.PendingUnstake)
	e.auGone(t, e.Registry.TicketAddress(p.Device))

	require.NoError(t, send(e.auRequestUnstake(p, 2_500*chaintest.IO)))
	d = e.Device(t, p)
	require.Equal(t, uint64(0), d.Stake)
	require.Equal(t, uint64(2_500*chaintest.IO), d.PendingUnstake)
	require.Equal(t, uint64(0), e.auProvider(t, p).TotalStake)
	e.auCheckVault(t, p)
	t.Run("nothing left to unstake", func(t *testing.T) {
		require.ErrorIs(t, send(e.auRequestUnstake(p, 1)), registry.ErrInsufficientStake)
	})
}

func TestWithdrawUnstakedNegative(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_500*chaintest.IO)
	other := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 1_000*chaintest.IO)
	faucet := e.Node.Key("faucet")
	iosd, _, err := solana.FindAssociatedTokenAddress(faucet.PublicKey(), e.IOSDMint)
	require.NoError(t, err)
	vault := e.Registry.VaultAddress(p.Device)

	t.Run("no ticket", func(t *testing.T) {
		err := e.Send([]solana.PrivateKey{p.Owner}, e.auWithdraw(p, p.Token))
		require.ErrorIs(t, err, registry.ErrInvalidAccountOwner)
	})
	require.NoError(t, e.Send([]solana.PrivateKey{p.Owner}, e.auRequestUnstake(p, 500*chaintest.IO)))
	require.NoError(t, e.Send([]solana.PrivateKey{other.Owner}, e.auRequestUnstake(other, 100*chaintest.IO)))
	t.Run("before the cooldown", func(t *testing.T) {
		err := e.Send([]solana.PrivateKey{p.Owner}, e.auWithdraw(p, p.Token))
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
		}, []solana.PrivateKey{other.Owner}, registry.ErrMissingSigner},
		{"someone else's device", func(solana.Instruction) solana.Instruction {
			return chaintest.Must(e.Registry.WithdrawUnstaked(other.Owner.PublicKey(), p.DeviceKey.PublicKey(), other.Token))
		}, []solana.PrivateKey{other.Owner}, registry.ErrWrongOwner},
		{"another device's ticket", func(ix solana.Instruction) solana.Instruction {
			ix.Accounts()[2].PublicKey = e.Registry.TicketAddress(other.Device)
			return ix
		}, nil, registry.ErrInvalidPda},
		{"the device as its ticket", func(ix solana.Instruction) solana.Instruction {
			ix.Accounts()[2].PublicKey = p.Device
			return ix
		}, nil, registry.ErrInvalidAccountData},
		{"a token account as the vault", func(ix solana.Instruction) solana.Instruction {
			ix.Accounts()[3].PublicKey = other.Token
			return ix
		}, nil, registry.ErrInvalidPda},
		{"another device's vault", func(ix solana.Instruction) solana.Instruction {
			ix.Accounts()[3].PublicKey = e.Registry.VaultAddress(other.Device)
			return ix
		}, nil, registry.ErrInvalidPda},
		{"a token account of another mint", func(ix solana.Instruction) solana.Instruction {
			ix.Accounts()[5].PublicKey = iosd
			return ix
		}, nil, registry.ErrInvalidMint},
		{"a wallet instead of a token account", func(ix solana.Instruction) solana.Instruction {
			ix.Accounts()[5].PublicKey = p.Owner.PublicKey()
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
				signers = []solana.PrivateKey{p.Owner}
			}
			require.ErrorIs(t, e.Send(signers, tc.edit(e.auWithdraw(p, p.Token))), tc.err)
		})
	}
	require.Equal(t, uint64(500*chaintest.IO), e.auTicket(t, p).Amount)
	require.Equal(t, uint64(2_500*chaintest.IO), e.TokenBalance(t, vault))

	t.Run("paid to any IO account the owner names", func(t *testing.T) {
		before := e.TokenBalance(t, other.Token)
		require.NoError(t, e.Send([]solana.PrivateKey{p.Owner}, e.auWithdraw(p, other.Token)))
		require.Equal(t, before+500*chaintest.IO, e.TokenBalance(t, other.Token))
		require.Equal(t, uint64(2_000*chaintest.IO), e.TokenBalance(t, vault))
		e.auCheckVault(t, p)
	})
}

func TestDeregisterDevice(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_500*chaintest.IO)
	other := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 0)
	owner := p.Owner.PublicKey()
	vault := e.Registry.VaultAddress(p.Device)
	send := func(ix solana.Instruction) error { return e.Send([]solana.PrivateKey{p.Owner}, ix) }

	t.Run("with stake", func(t *testing.T) {
		require.ErrorIs(t, send(e.auDeregister(p)), registry.ErrDeviceNotEmpty)
	})
	t.Run("someone else's device", func(t *testing.T) {
		ix := chaintest.Must(e.Registry.DeregisterDevice(other.Owner.PublicKey(), p.DeviceKey.PublicKey(), other.Token))
		require.ErrorIs(t, e.Send([]solana.PrivateKey{other.Owner}, ix), registry.ErrWrongOwner)
	})
	t.Run("someone else's provider", func(t *testing.T) {
		ix := e.auDeregister(p)
		ix.Accounts()[1].PublicKey = e.Registry.ProviderAddress(other.Owner.PublicKey())
		require.ErrorIs(t, send(ix), registry.ErrWrongOwner)
	})
	t.Run("a provider as the device", func(t *testing.T) {
		ix := e.auDeregister(p)
		ix.Accounts()[2].PublicKey = e.Registry.ProviderAddress(owner)
		require.ErrorIs(t, send(ix), registry.ErrInvalidAccountData)
	})
	t.Run("owner did not sign", func(t *testing.T) {
		ix := e.auDeregister(p)
		ix.Accounts()[4].IsSigner = false
		require.ErrorIs(t, e.Send([]solana.PrivateKey{other.Owner}, ix), registry.ErrMissingSigner)
	})

	require.NoError(t, send(e.auRequestUnstake(p, 2_500*chaintest.IO)))
	t.Run("with a ticket pending", func(t *testing.T) {
		// a different payer: not the identical transaction refused above
		err := e.Send([]solana.PrivateKey{other.Owner, p.Owner}, e.auDeregister(p))
		require.ErrorIs(t, err, registry.ErrDeviceNotEmpty)
	})
	auWaitUnlock(e.auTicket(t, p).UnlockAt)
	require.NoError(t, send(e.auWithdraw(p, p.Token)))
	require.Equal(t, uint64(5_000*chaintest.IO), e.TokenBalance(t, p.Token))

	t.Run("a token account as the vault", func(t *testing.T) {
		ix := e.auDeregister(p)
		ix.Accounts()[3].PublicKey = p.Token
		require.ErrorIs(t, send(ix), registry.ErrInvalidPda)
	})
	t.Run("another device's vault", func(t *testing.T) {
		ix := e.auDeregister(p)
		ix.Accounts()[3].PublicKey = e.Registry.VaultAddress(other.Device)
		require.ErrorIs(t, send(ix), registry.ErrInvalidPda)
	})
	t.Run("another program as the token program", func(t *testing.T) {
		ix := e.auDeregister(p)
		ix.Accounts()[registry.DeregisterDeviceAccountTokenProgram].PublicKey = solana.SystemProgramID
		require.ErrorIs(t, send(ix), registry.ErrInvalidProgramId)
	})
	require.Equal(t, uint32(1), e.auProvider(t, p).DeviceCount)

	lamports := e.Lamports(t, owner)
	sig, err := e.SendSig([]solana.PrivateKey{p.Owner}, e.auDeregister(p))
	require.NoError(t, err)
	require.Equal(t, []any{&registry.DeviceDeregistered{Device: p.Device}}, e.eventsOf(t, sig))
	d := e.Device(t, p)
	require.Equal(t, registry.StatusDeregistered, d.Status)
	require.Equal(t, uint64(0), d.Stake)
	require.Equal(t, uint64(0), d.PendingUnstake)
	require.Equal(t, uint32(0), e.auProvider(t, p).DeviceCount)
	e.auGone(t, vault)
	require.Equal(t, lamports-auFee+auVaultRent, e.Lamports(t, owner)) // the vault's rent came back
	require.Equal(t, uint64(5_000*chaintest.IO), e.TokenBalance(t, p.Token))

	t.Run("a second deregistration", func(t *testing.T) {
		err := e.Send([]solana.PrivateKey{other.Owner, p.Owner}, e.auDeregister(p))
		require.ErrorIs(t, err, registry.ErrDeviceDeregistered)
	})
	t.Run("stake into a deregistered device", func(t *testing.T) {
		err := send(chaintest.Must(e.Registry.Stake(owner, p.DeviceKey.PublicKey(), p.Token, chaintest.IO)))
		require.ErrorIs(t, err, registry.ErrDeviceDeregistered)
		require.Equal(t, uint64(5_000*chaintest.IO), e.TokenBalance(t, p.Token))
	})
	t.Run("unstake from a deregistered device", func(t *testing.T) {
		require.ErrorIs(t, send(e.auRequestUnstake(p, chaintest.IO)), registry.ErrDeviceDeregistered)
	})
	t.Run("a device that never staked", func(t *testing.T) {
		require.NoError(t, e.Send([]solana.PrivateKey{other.Owner}, e.auDeregister(other)))
		require.Equal(t, registry.StatusDeregistered, e.Device(t, other).Status)
		require.Equal(t, uint32(0), e.auProvider(t, other).DeviceCount)
		e.auGone(t, e.Registry.VaultAddress(other.Device))
	})
}

// IO someone sends straight into a vault cannot block deregistration: it goes to the owner.
func TestDeregisterSweepsDonatedIO(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	p := e.NewProvider(t, chaintest.H100, 100*chaintest.IO, 0)
	donor := e.NewProvider(t, chaintest.H100, 10*chaintest.IO, 0)
	vault := e.Registry.VaultAddress(p.Device)
	require.NoError(t, e.Send([]solana.PrivateKey{donor.Owner}, token.NewTransferInstruction(3*chaintest.IO, donor.Token, vault, donor.Owner.PublicKey(), nil).Build()))
	require.NoError(t, e.Send([]solana.PrivateKey{p.Owner}, e.auDeregister(p)))
	require.Equal(t, registry.StatusDeregistered, e.Device(t, p).Status)
	require.Equal(t, uint64(103*chaintest.IO), e.TokenBalance(t, p.Token))
	require.False(t, e.exists(t, vault))
}

// Unstaking waits while the device works or a slash is pending: a hired device cannot leave
// its job by unstaking, and a suspended device's stake and ticket stay slashable.
func TestUnstakeRefusedWhileHiredOrSuspended(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	p := e.ActiveProvider(t, e.Funded(t))
	o, k := p.Owner.PublicKey(), p.DeviceKey.PublicKey()
	job := solana.NewWallet().PublicKey()
	require.NoError(t, e.Send([]solana.PrivateKey{e.escrow}, chaintest.Must(e.Registry.HireDevice(e.escrow.PublicKey(), k, job))))
	t.Run("hired", func(t *testing.T) {
		require.ErrorIs(t, e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(e.Registry.RequestUnstake(o, k, chaintest.IO))), registry.ErrDeviceHired)
	})
	require.NoError(t, e.Send([]solana.PrivateKey{e.escrow}, chaintest.Must(e.Registry.ReleaseDevice(e.escrow.PublicKey(), k, job))))
	require.NoError(t, e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(e.Registry.RequestUnstake(o, k, chaintest.IO))))

	require.NoError(t, e.Send(e.slashSigners(), e.oracleSlashIx(p, registry.OffenceDowntime, evidenceOf("suspended"))))
	time.Sleep(3 * time.Second) // past the ticket's 2 s cooldown
	t.Run("suspended: no new request", func(t *testing.T) {
		require.ErrorIs(t, e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(e.Registry.RequestUnstake(o, k, 2*chaintest.IO))), registry.ErrDeviceSuspended)
	})
	t.Run("suspended: the ticket is frozen", func(t *testing.T) {
		require.ErrorIs(t, e.Send([]solana.PrivateKey{p.Owner}, chaintest.Must(e.Registry.WithdrawUnstaked(o, k, p.Token))), registry.ErrDeviceSuspended)
	})
	t.Run("too few accounts", func(t *testing.T) {
		ix := chaintest.Must(e.Registry.WithdrawUnstaked(o, k, p.Token))
		data, err := ix.Data()
		require.NoError(t, err)
		short := solana.NewInstruction(e.Registry.ID, ix.Accounts()[:registry.WithdrawUnstakedAccountTokenProgram], data)
		require.ErrorIs(t, e.Send([]solana.PrivateKey{p.Owner}, short), registry.ErrNotEnoughAccounts)
	})
}
