package registry_test

import (
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// Rent-exempt minimums on the localnet (mainnet values).
const (
	slashRecordRent  = 2_561_280 // 240 bytes
	tokenAccountRent = 2_039_280 // 165 bytes
)

// evidenceOf is the evidence hash of a description.
func evidenceOf(s string) [32]byte { return sha256.Sum256([]byte(s)) }

// slashIx builds a slash of p's device.
func (e *env) slashIx(authority solana.PublicKey, p chaintest.Provider, offence uint8, evidence [32]byte, cosigners ...solana.PublicKey) solana.Instruction {
	return chaintest.Must(e.Registry.Slash(authority, p.Owner.PublicKey(), p.DeviceKey.PublicKey(), e.IOMint, offence, evidence, cosigners...))
}

// oracleSlashIx is a slash of p's device the keeper submits (and pays for) on evidence oracles
// 0 and 1, the test quorum, signed; slashSigners are its signers.
func (e *env) oracleSlashIx(p chaintest.Provider, offence uint8, evidence [32]byte) solana.Instruction {
	return e.slashIx(e.Keeper.PublicKey(), p, offence, evidence, e.Oracles[0].PublicKey(), e.Oracles[1].PublicKey())
}

func (e *env) slashSigners() []solana.PrivateKey {
	return []solana.PrivateKey{e.Keeper, e.Oracles[0], e.Oracles[1]}
}

func (e *env) resolveIx(admin solana.PublicKey, p chaintest.Provider, evidence [32]byte, payer solana.PublicKey) solana.Instruction {
	return chaintest.Must(e.Registry.ResolveAppeal(admin, p.Owner.PublicKey(), p.DeviceKey.PublicKey(), evidence, payer))
}

// slashRecord fetches and decodes the record of a slash of p's device.
func (e *env) slashRecord(t testing.TB, p chaintest.Provider, evidence [32]byte) *registry.SlashRecord {
	data, err := e.Client.AccountData(e.Ctx, e.Registry.SlashAddress(p.Device, evidence))
	require.NoError(t, err)
	r, err := registry.ParseAccount_SlashRecord(data)
	require.NoError(t, err)
	return r
}

func (e *env) escrowOf(p chaintest.Provider, evidence [32]byte) solana.PublicKey {
	return e.Registry.SlashEscrowAddress(e.Registry.SlashAddress(p.Device, evidence))
}

// exists reports whether an account exists.
func (e *env) exists(t testing.TB, account solana.PublicKey) bool {
	_, err := e.Client.AccountData(e.Ctx, account)
	if errors.Is(err, chain.ErrAccountNotFound) {
		return false
	}
	require.NoError(t, err)
	return true
}

// chainNow is the Clock sysvar's unix timestamp.
func (e *env) chainNow(t testing.TB) int64 { return e.ChainNow(t) }

// waitPast waits until the chain's clock is at or past ts.
func (e *env) waitPast(t testing.TB, ts int64) { e.WaitChainTime(t, ts) }

// A slash on evidence a quorum of oracles signed, submitted and paid for by the keeper: exact
// amounts, balances, the record, the events (naming the signers), the device's suspension; and
// the negative matrix of slash (the keeper alone among them).
func TestSlashOnOracleEvidence(t *testing.T) {
	e := newEnv(t)
	params := e.initialize(t)
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 3_000*chaintest.IO)
	vault := e.Registry.VaultAddress(p.Device)
	keeper := e.Keeper.PublicKey()
	ev1 := evidenceOf("challenge 17 failed")

	keeperBefore := e.Lamports(t, keeper)
	sig, err := e.SendSig(e.slashSigners(), e.oracleSlashIx(p, registry.OffenceFailedChallenge, ev1))
	require.NoError(t, err)

	// 10% of 3,000 IO
	require.Equal(t, uint64(2_700*chaintest.IO), e.TokenBalance(t, vault))
	require.Equal(t, uint64(300*chaintest.IO), e.TokenBalance(t, e.escrowOf(p, ev1)))
	d := e.Device(t, p)
	require.Equal(t, uint64(2_700*chaintest.IO), d.Stake)
	require.Equal(t, uint64(0), d.PendingUnstake)
	require.Equal(t, uint16(1), d.SlashCount)
	require.Equal(t, uint16(1), d.PendingSlashes)
	require.Equal(t, uint64(0), d.ProvenUptimeSecs)
	require.Equal(t, registry.StatusSuspended, d.Status)
	require.Equal(t, uint16(0), d.Reputation) // 1,500 - 2,000 per slash, floored
	require.Equal(t, uint8(1)<<registry.OffenceFailedChallenge, d.PendingOffences)

	r := e.slashRecord(t, p, ev1)
	require.Equal(t, p.Device, r.Device)
	require.Equal(t, keeper, r.Payer)
	require.Equal(t, ev1, r.EvidenceHash)
	require.Equal(t, uint64(300*chaintest.IO), r.Amount)
	require.Equal(t, r.CreatedAt+params.AppealWindowSecs, r.AppealDeadline)
	require.Equal(t, uint8(registry.OffenceFailedChallenge), r.Offence)
	require.Equal(t, uint16(0b011), r.SignerMask) // oracles 0 and 1
	require.Equal(t, params.SlashBurnBps, r.BurnBps)
	require.Equal(t, params.SlashTreasuryBps, r.TreasuryBps)
	require.Equal(t, registry.SlashStatusPending, r.Status)
	require.Equal(t, registry.LayoutVersion, r.Version)
	require.Equal(t, solana.PublicKey{}, r.Beneficiary) // no job: the pool is compensated
	require.Equal(t, solana.PublicKey{}, r.Job)
	record := e.Registry.SlashAddress(p.Device, ev1)
	_, bump, err := solana.FindProgramAddress([][]byte{[]byte("slash"), p.Device[:], ev1[:]}, e.Registry.ID)
	require.NoError(t, err)
	require.Equal(t, bump, r.Bump)
	_, escrowBump, err := solana.FindProgramAddress([][]byte{[]byte("slash_escrow"), record[:]}, e.Registry.ID)
	require.NoError(t, err)
	require.Equal(t, escrowBump, r.EscrowBump)
	t.Logf("slash searched %d bumps at 1,500 CU each (record bump %d, escrow bump %d)", 512-int(bump)-int(escrowBump), bump, escrowBump)

	// the escrow is an IO account that is its own owner; the keeper paid both rents and the fee
	data, err := e.Client.AccountData(e.Ctx, e.escrowOf(p, ev1))
	require.NoError(t, err)
	var escrow token.Account
	require.NoError(t, escrow.UnmarshalWithDecoder(newDecoder(data)))
	require.Equal(t, e.IOMint, escrow.Mint)
	require.Equal(t, e.escrowOf(p, ev1), escrow.Owner)
	require.Equal(t, uint64(slashRecordRent), e.Lamports(t, record))
	require.Equal(t, uint64(tokenAccountRent), e.Lamports(t, e.escrowOf(p, ev1)))
	require.Equal(t, keeperBefore-slashRecordRent-tokenAccountRent-3*5_000, e.Lamports(t, keeper)) // three signatures
	signers := [16]solana.PublicKey{e.Oracles[0].PublicKey(), e.Oracles[1].PublicKey()}

	require.Equal(t, []any{
		&registry.DeviceStatusChanged{Device: p.Device, From: registry.StatusProbation, To: registry.StatusSuspended},
		&registry.DeviceSlashed{Device: p.Device, SlashRecord: record, EvidenceHash: ev1, Amount: 300 * chaintest.IO,
			AppealDeadline: r.AppealDeadline, Offence: uint8(registry.OffenceFailedChallenge), SignerCount: 2, Signers: signers},
	}, e.eventsOf(t, sig))

	t.Run("a second slash takes its share of what is left", func(t *testing.T) {
		ev := evidenceOf("downtime window 9")
		require.NoError(t, e.Send(e.slashSigners(), e.oracleSlashIx(p, registry.OffenceDowntime, ev)))
		d := e.Device(t, p)
		require.Equal(t, uint64(2_673*chaintest.IO), d.Stake) // 1% of 2,700 IO
		require.Equal(t, uint16(2), d.SlashCount)
		require.Equal(t, uint16(2), d.PendingSlashes)
		require.Equal(t, uint64(27*chaintest.IO), e.TokenBalance(t, e.escrowOf(p, ev)))
		require.Equal(t, uint64(2_673*chaintest.IO), e.TokenBalance(t, vault))
	})

	t.Run("same evidence twice", func(t *testing.T) {
		err := e.Send(e.slashSigners(), e.oracleSlashIx(p, registry.OffenceSpoofedHardware, ev1))
		require.ErrorIs(t, err, registry.ErrAccountAlreadyInitialized)
	})

	fresh := evidenceOf("not yet used")
	stranger := e.Funded(t)
	oracle0, oracle1 := e.Oracles[0], e.Oracles[1]
	quorum := []solana.PrivateKey{e.Keeper, oracle0, oracle1}
	// the keeper submits on the oracles' evidence
	slashIx := func(offence uint8, evidence [32]byte) solana.Instruction {
		return e.slashIx(keeper, p, offence, evidence, oracle0.PublicKey(), oracle1.PublicKey())
	}
	cases := []struct {
		name    string
		signers []solana.PrivateKey
		ix      func() solana.Instruction
		err     error
	}{
		{"the keeper alone", []solana.PrivateKey{e.Keeper}, func() solana.Instruction {
			return e.slashIx(keeper, p, registry.OffenceSpoofedHardware, fresh)
		}, registry.ErrUnauthorizedSlasher},
		{"the keeper and one oracle", []solana.PrivateKey{e.Keeper, oracle0}, func() solana.Instruction {
			return e.slashIx(keeper, p, registry.OffenceSpoofedHardware, fresh, oracle0.PublicKey())
		}, registry.ErrUnauthorizedSlasher},
		{"a stranger", []solana.PrivateKey{stranger}, func() solana.Instruction {
			return e.slashIx(stranger.PublicKey(), p, registry.OffenceFailedChallenge, fresh)
		}, registry.ErrUnauthorizedSlasher},
		{"one oracle without quorum", []solana.PrivateKey{oracle0}, func() solana.Instruction {
			return e.slashIx(oracle0.PublicKey(), p, registry.OffenceFailedChallenge, fresh)
		}, registry.ErrUnauthorizedSlasher},
		{"one oracle twice", []solana.PrivateKey{oracle0}, func() solana.Instruction {
			return e.slashIx(oracle0.PublicKey(), p, registry.OffenceFailedChallenge, fresh, oracle0.PublicKey())
		}, registry.ErrUnauthorizedSlasher},
		{"an oracle and a stranger", []solana.PrivateKey{oracle0, stranger}, func() solana.Instruction {
			return e.slashIx(oracle0.PublicKey(), p, registry.OffenceFailedChallenge, fresh, stranger.PublicKey())
		}, registry.ErrUnauthorizedSlasher},
		{"a second oracle that did not sign", []solana.PrivateKey{oracle0}, func() solana.Instruction {
			ix := e.slashIx(oracle0.PublicKey(), p, registry.OffenceFailedChallenge, fresh)
			data, err := ix.Data()
			require.NoError(t, err)
			return solana.NewInstruction(e.Registry.ID, append(ix.Accounts(), solana.Meta(oracle1.PublicKey())), data)
		}, registry.ErrUnauthorizedSlasher},
		{"a stranger cosigned by an oracle", []solana.PrivateKey{stranger, oracle1}, func() solana.Instruction {
			return e.slashIx(stranger.PublicKey(), p, registry.OffenceFailedChallenge, fresh, oracle1.PublicKey())
		}, registry.ErrUnauthorizedSlasher},
		{"the keeper did not sign", []solana.PrivateKey{stranger, oracle0, oracle1}, func() solana.Instruction {
			ix := slashIx(registry.OffenceSpoofedHardware, fresh)
			ix.Accounts()[registry.SlashAccountAuthority].IsSigner = false
			return ix
		}, registry.ErrMissingSigner},
		{"unknown offence", quorum, func() solana.Instruction {
			return slashIx(uint8(4), fresh)
		}, registry.ErrInvalidOffence},
		{"an offence already pending", quorum, func() solana.Instruction {
			return slashIx(registry.OffenceFailedChallenge, fresh) // ev1's offence, still pending
		}, registry.ErrSlashAlreadyPending},
		{"spoofed vault", quorum, func() solana.Instruction {
			ix := slashIx(registry.OffenceSpoofedHardware, fresh)
			ix.Accounts()[registry.SlashAccountVault].PublicKey = p.Token // a real IO account, not the vault PDA
			return ix
		}, registry.ErrInvalidPda},
		{"a Config passed as the ticket", quorum, func() solana.Instruction {
			ix := slashIx(registry.OffenceSpoofedHardware, fresh)
			ix.Accounts()[registry.SlashAccountTicket].PublicKey = e.Registry.ConfigAddress()
			return ix
		}, registry.ErrInvalidAccountData},
		{"a token account passed as the ticket", quorum, func() solana.Instruction {
			ix := slashIx(registry.OffenceSpoofedHardware, fresh)
			ix.Accounts()[registry.SlashAccountTicket].PublicKey = p.Token
			return ix
		}, registry.ErrInvalidPda},
		{"a Provider passed as the device", quorum, func() solana.Instruction {
			ix := slashIx(registry.OffenceSpoofedHardware, fresh)
			ix.Accounts()[registry.SlashAccountDevice].PublicKey = e.Registry.ProviderAddress(p.Owner.PublicKey())
			return ix
		}, registry.ErrInvalidAccountData},
		{"record at another evidence's address", quorum, func() solana.Instruction {
			ix := slashIx(registry.OffenceSpoofedHardware, fresh)
			other := e.Registry.SlashAddress(p.Device, evidenceOf("other"))
			ix.Accounts()[registry.SlashAccountSlashRecord].PublicKey = other
			ix.Accounts()[registry.SlashAccountSlashEscrow].PublicKey = e.Registry.SlashEscrowAddress(other)
			return ix
		}, registry.ErrInvalidPda},
		{"escrow of another record", quorum, func() solana.Instruction {
			ix := slashIx(registry.OffenceSpoofedHardware, fresh)
			ix.Accounts()[registry.SlashAccountSlashEscrow].PublicKey = e.Registry.SlashEscrowAddress(e.Registry.SlashAddress(p.Device, evidenceOf("other")))
			return ix
		}, registry.ErrInvalidPda},
		{"another mint", quorum, func() solana.Instruction {
			ix := slashIx(registry.OffenceSpoofedHardware, fresh)
			ix.Accounts()[registry.SlashAccountIoMint].PublicKey = e.IOSDMint
			return ix
		}, registry.ErrInvalidMint},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, e.Send(tc.signers, tc.ix()), tc.err)
		})
	}
	// nothing moved
	require.Equal(t, uint64(2_673*chaintest.IO), e.Device(t, p).Stake)
	require.Equal(t, uint64(2_673*chaintest.IO), e.TokenBalance(t, vault))
	require.False(t, e.exists(t, e.Registry.SlashAddress(p.Device, fresh)))
}

// A quorum of oracles slashes: the first oracle is the authority and pays, a second cosigns.
func TestSlashByOracleQuorum(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 3_000*chaintest.IO)
	ev := evidenceOf("spoofed: reports H100, benchmarks as RTX 4090")
	oracle0, oracle1 := e.Oracles[0], e.Oracles[1]

	_, err := e.SendSig([]solana.PrivateKey{oracle0, oracle1},
		e.slashIx(oracle0.PublicKey(), p, registry.OffenceSpoofedHardware, ev, oracle1.PublicKey()))
	require.NoError(t, err)

	d := e.Device(t, p)
	require.Equal(t, uint64(1_500*chaintest.IO), d.Stake) // 50%
	require.Equal(t, registry.StatusSuspended, d.Status)
	require.Equal(t, uint64(1_500*chaintest.IO), e.TokenBalance(t, e.Registry.VaultAddress(p.Device)))
	require.Equal(t, uint64(1_500*chaintest.IO), e.TokenBalance(t, e.escrowOf(p, ev)))
	r := e.slashRecord(t, p, ev)
	require.Equal(t, oracle0.PublicKey(), r.Payer)
	require.Equal(t, uint64(1_500*chaintest.IO), r.Amount)
	require.Equal(t, uint8(registry.OffenceSpoofedHardware), r.Offence)

	t.Run("all three oracles", func(t *testing.T) {
		ev := evidenceOf("job 5 abandoned")
		require.NoError(t, e.Send([]solana.PrivateKey{e.Oracles[2], oracle0, oracle1},
			e.slashIx(e.Oracles[2].PublicKey(), p, registry.OffenceJobAbandonment, ev, oracle0.PublicKey(), oracle1.PublicKey())))
		require.Equal(t, uint64(1_425*chaintest.IO), e.Device(t, p).Stake) // 5% of 1,500 IO
		require.Equal(t, uint16(2), e.Device(t, p).PendingSlashes)
		require.Equal(t, uint16(0b111), e.slashRecord(t, p, ev).SignerMask)
	})
}

// Appeals and finalization: the admin reverses a slash within its window; after the window
// anyone finalizes, splitting the escrow exactly; every misuse gets its exact error.
func TestSlashAppealAndFinalize(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	keeper := e.Keeper.PublicKey()
	admin := e.Admin.PublicKey()

	// a: slashed, then reversed within the window
	a := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 3_000*chaintest.IO)
	evA := evidenceOf("a: failed challenge")
	// b: 1% of 3,000 IO + 333 base units, finalized after the window (rounding on every share)
	b := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 3_000*chaintest.IO+333)
	evB := evidenceOf("b: downtime")
	// c: a stranger tops up the escrow; finalization splits the whole balance
	c := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 3_000*chaintest.IO)
	evC := evidenceOf("c: job abandoned")
	donor := e.Funded(t)
	donorToken := e.TokenAccount(t, e.IOMint, donor.PublicKey(), 10*chaintest.IO)
	other := e.Funded(t)

	// the 3 s appeal window runs from here: everything that must happen within it follows
	require.NoError(t, e.Send(e.slashSigners(), e.oracleSlashIx(b, registry.OffenceDowntime, evB)))
	require.NoError(t, e.Send(e.slashSigners(), e.oracleSlashIx(c, registry.OffenceJobAbandonment, evC)))
	require.NoError(t, e.Send(e.slashSigners(), e.oracleSlashIx(a, registry.OffenceFailedChallenge, evA)))
	require.NoError(t, e.Send([]solana.PrivateKey{donor},
		token.NewTransferInstruction(chaintest.IO, donorToken, e.escrowOf(c, evC), donor.PublicKey(), nil).Build()))
	// c was slashed after b, so under load its window may end a second later: wait for both
	deadline := max(e.slashRecord(t, b, evB).AppealDeadline, e.slashRecord(t, c, evC).AppealDeadline)

	resolve := func(p chaintest.Provider, ev [32]byte, payer solana.PublicKey) solana.Instruction {
		return e.resolveIx(admin, p, ev, payer)
	}
	finalize := func(p chaintest.Provider, ev [32]byte) solana.Instruction {
		return chaintest.Must(e.Registry.FinalizeSlash(p.DeviceKey.PublicKey(), ev, e.IOMint, e.Treasury, e.Pool, keeper))
	}

	t.Run("finalize before the window ends", func(t *testing.T) {
		require.ErrorIs(t, e.Send([]solana.PrivateKey{e.Keeper}, finalize(b, evB)), registry.ErrAppealWindowOpen)
	})

	resolveCases := []struct {
		name    string
		signers []solana.PrivateKey
		ix      func() solana.Instruction
		err     error
	}{
		{"resolve by a non-admin", []solana.PrivateKey{e.Keeper}, func() solana.Instruction {
			return e.resolveIx(keeper, a, evA, keeper)
		}, registry.ErrUnauthorized},
		{"resolve without the admin's signature", []solana.PrivateKey{e.Keeper}, func() solana.Instruction {
			ix := resolve(a, evA, keeper)
			ix.Accounts()[registry.ResolveAppealAccountAdmin].IsSigner = false
			return ix
		}, registry.ErrMissingSigner},
		{"resolve paying another wallet", []solana.PrivateKey{e.Admin}, func() solana.Instruction {
			return resolve(a, evA, admin)
		}, registry.ErrWrongOwner},
		{"resolve into a spoofed vault", []solana.PrivateKey{e.Admin}, func() solana.Instruction {
			ix := resolve(a, evA, keeper)
			ix.Accounts()[registry.ResolveAppealAccountVault].PublicKey = a.Token
			return ix
		}, registry.ErrInvalidPda},
		{"resolve another device's record", []solana.PrivateKey{e.Admin}, func() solana.Instruction {
			ix := resolve(a, evA, keeper)
			record := e.Registry.SlashAddress(b.Device, evB)
			ix.Accounts()[registry.ResolveAppealAccountSlashRecord].PublicKey = record
			ix.Accounts()[registry.ResolveAppealAccountSlashEscrow].PublicKey = e.Registry.SlashEscrowAddress(record)
			return ix
		}, registry.ErrInvalidPda},
		{"resolve with another record's escrow", []solana.PrivateKey{e.Admin}, func() solana.Instruction {
			ix := resolve(a, evA, keeper)
			ix.Accounts()[registry.ResolveAppealAccountSlashEscrow].PublicKey = e.escrowOf(b, evB)
			return ix
		}, registry.ErrInvalidPda},
		{"resolve a Device passed as the record", []solana.PrivateKey{e.Admin}, func() solana.Instruction {
			ix := resolve(a, evA, keeper)
			ix.Accounts()[registry.ResolveAppealAccountSlashRecord].PublicKey = b.Device
			return ix
		}, registry.ErrInvalidAccountData},
		{"resolve a record that does not exist", []solana.PrivateKey{e.Admin}, func() solana.Instruction {
			return resolve(a, evidenceOf("never slashed"), keeper)
		}, registry.ErrInvalidAccountOwner},
	}
	for _, tc := range resolveCases {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, e.Send(tc.signers, tc.ix()), tc.err)
		})
	}

	t.Run("appeal within the window restores the stake", func(t *testing.T) {
		vault := e.Registry.VaultAddress(a.Device)
		require.Equal(t, registry.StatusSuspended, e.Device(t, a).Status)
		keeperBefore := e.Lamports(t, keeper)
		sig, err := e.SendSig([]solana.PrivateKey{e.Admin}, resolve(a, evA, keeper))
		require.NoError(t, err)

		d := e.Device(t, a)
		require.Equal(t, uint64(3_000*chaintest.IO), d.Stake)
		require.Equal(t, uint64(3_000*chaintest.IO), e.TokenBalance(t, vault))
		require.Equal(t, uint16(0), d.SlashCount)
		require.Equal(t, uint16(0), d.PendingSlashes)
		require.Equal(t, registry.StatusProbation, d.Status) // no longer suspended; uptime was reset
		require.Equal(t, uint16(1500), d.Reputation)
		r := e.slashRecord(t, a, evA)
		require.Equal(t, registry.SlashStatusReversed, r.Status)
		require.Equal(t, uint64(300*chaintest.IO), r.Amount)
		// the escrow is closed, its rent back to the payer
		require.False(t, e.exists(t, e.escrowOf(a, evA)))
		require.Equal(t, keeperBefore+tokenAccountRent, e.Lamports(t, keeper))
		require.Equal(t, []any{
			&registry.DeviceStatusChanged{Device: a.Device, From: registry.StatusSuspended, To: registry.StatusProbation},
			&registry.SlashReversed{Device: a.Device, SlashRecord: e.Registry.SlashAddress(a.Device, evA), Amount: 300 * chaintest.IO},
		}, e.eventsOf(t, sig))
	})

	t.Run("resolve twice", func(t *testing.T) {
		// a different transaction: another fee payer
		require.ErrorIs(t, e.Send([]solana.PrivateKey{other, e.Admin}, resolve(a, evA, keeper)), registry.ErrSlashNotPending)
	})
	t.Run("finalize a reversed slash", func(t *testing.T) {
		require.ErrorIs(t, e.Send([]solana.PrivateKey{e.Keeper}, finalize(a, evA)), registry.ErrSlashNotPending)
	})
	t.Run("the same evidence cannot slash again", func(t *testing.T) {
		err := e.Send(e.slashSigners(), e.oracleSlashIx(a, registry.OffenceDowntime, evA))
		require.ErrorIs(t, err, registry.ErrAccountAlreadyInitialized)
	})

	e.waitPast(t, deadline)

	t.Run("appeal after the window", func(t *testing.T) {
		require.ErrorIs(t, e.Send([]solana.PrivateKey{e.Admin}, resolve(b, evB, keeper)), registry.ErrAppealWindowClosed)
	})

	finalizeCases := []struct {
		name string
		edit func(ix solana.Instruction)
		err  error
	}{
		{"finalize to another treasury", func(ix solana.Instruction) { ix.Accounts()[registry.FinalizeSlashAccountTreasury].PublicKey = b.Token }, registry.ErrWrongOwner},
		{"finalize to another pool", func(ix solana.Instruction) {
			ix.Accounts()[registry.FinalizeSlashAccountCompensation].PublicKey = e.Treasury
		}, registry.ErrWrongOwner},
		{"finalize paying another wallet", func(ix solana.Instruction) { ix.Accounts()[registry.FinalizeSlashAccountPayer].PublicKey = admin }, registry.ErrWrongOwner},
		{"finalize with another mint", func(ix solana.Instruction) { ix.Accounts()[registry.FinalizeSlashAccountIoMint].PublicKey = e.IOSDMint }, registry.ErrInvalidMint},
		{"finalize with another record's escrow", func(ix solana.Instruction) {
			ix.Accounts()[registry.FinalizeSlashAccountSlashEscrow].PublicKey = e.escrowOf(c, evC)
		}, registry.ErrInvalidPda},
		{"finalize another device's record", func(ix solana.Instruction) { ix.Accounts()[registry.FinalizeSlashAccountDevice].PublicKey = c.Device }, registry.ErrInvalidPda},
		{"finalize a Provider passed as the device", func(ix solana.Instruction) {
			ix.Accounts()[registry.FinalizeSlashAccountDevice].PublicKey = e.Registry.ProviderAddress(b.Owner.PublicKey())
		}, registry.ErrInvalidAccountData},
	}
	for _, tc := range finalizeCases {
		t.Run(tc.name, func(t *testing.T) {
			ix := finalize(b, evB)
			tc.edit(ix)
			require.ErrorIs(t, e.Send([]solana.PrivateKey{e.Keeper}, ix), tc.err)
		})
	}

	t.Run("finalize splits exactly", func(t *testing.T) {
		supply := e.Supply(t, e.IOMint)
		treasury, pool := e.TokenBalance(t, e.Treasury), e.TokenBalance(t, e.Pool)
		keeperBefore := e.Lamports(t, keeper)
		anyone := e.Funded(t)
		sig, err := e.SendSig([]solana.PrivateKey{anyone}, finalize(b, evB))
		require.NoError(t, err)

		// amount = floor(300,000,000,333 x 1%) = 3,000,000,003
		const amount, burned, toTreasury = 3_000_000_003, 1_500_000_001, 750_000_000
		const toCompensation = amount - burned - toTreasury // 750,000,002
		require.Equal(t, uint64(amount), e.slashRecord(t, b, evB).Amount)
		require.Equal(t, supply-burned, e.Supply(t, e.IOMint))
		require.Equal(t, treasury+toTreasury, e.TokenBalance(t, e.Treasury))
		require.Equal(t, pool+toCompensation, e.TokenBalance(t, e.Pool))
		require.False(t, e.exists(t, e.escrowOf(b, evB)))
		require.Equal(t, keeperBefore+tokenAccountRent, e.Lamports(t, keeper))

		r := e.slashRecord(t, b, evB)
		require.Equal(t, registry.SlashStatusFinalized, r.Status)
		d := e.Device(t, b)
		require.Equal(t, uint64(3_000*chaintest.IO+333-amount), d.Stake)
		require.Equal(t, d.Stake, e.TokenBalance(t, e.Registry.VaultAddress(b.Device)))
		require.Equal(t, uint16(0), d.PendingSlashes)
		require.Equal(t, uint16(1), d.SlashCount)
		require.Equal(t, registry.StatusProbation, d.Status)
		require.Equal(t, []any{
			&registry.DeviceStatusChanged{Device: b.Device, From: registry.StatusSuspended, To: registry.StatusProbation},
			&registry.SlashFinalized{Device: b.Device, SlashRecord: e.Registry.SlashAddress(b.Device, evB),
				Burned: burned, ToTreasury: toTreasury, ToCompensation: toCompensation, Compensation: e.Pool},
		}, e.eventsOf(t, sig))
	})

	t.Run("finalize twice", func(t *testing.T) {
		require.ErrorIs(t, e.Send([]solana.PrivateKey{e.Keeper}, finalize(b, evB)), registry.ErrSlashNotPending)
	})
	t.Run("resolve after finalize", func(t *testing.T) {
		require.ErrorIs(t, e.Send([]solana.PrivateKey{e.Admin}, resolve(b, evB, keeper)), registry.ErrSlashNotPending)
	})

	t.Run("finalize splits a topped-up escrow whole", func(t *testing.T) {
		supply := e.Supply(t, e.IOMint)
		treasury, pool := e.TokenBalance(t, e.Treasury), e.TokenBalance(t, e.Pool)
		require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, finalize(c, evC)))
		const held = 150*chaintest.IO + chaintest.IO // 5% of 3,000 IO plus the donation
		require.Equal(t, supply-held/2, e.Supply(t, e.IOMint))
		require.Equal(t, treasury+held/4, e.TokenBalance(t, e.Treasury))
		require.Equal(t, pool+held-held/2-held/4, e.TokenBalance(t, e.Pool))
		require.Equal(t, uint64(150*chaintest.IO), e.slashRecord(t, c, evC).Amount)
	})
}

// A pending slash suspends the device but keeps its proven uptime (finalize_slash resets it),
// so a reversed slash leaves an Active device wrongly slashed Active again at once, not sent
// back to probation.
func TestReversedSlashKeepsUptime(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	p := e.ActiveProvider(t, e.Funded(t))
	uptime := e.Device(t, p).ProvenUptimeSecs
	ev := evidenceOf("mistaken")
	require.NoError(t, e.Send(e.slashSigners(), e.oracleSlashIx(p, registry.OffenceDowntime, ev)))
	d := e.Device(t, p)
	require.Equal(t, uptime, d.ProvenUptimeSecs)
	require.Equal(t, registry.StatusSuspended, d.Status)

	require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, e.resolveIx(e.Admin.PublicKey(), p, ev, e.Keeper.PublicKey())))
	d = e.Device(t, p)
	require.Equal(t, uptime, d.ProvenUptimeSecs)
	require.Equal(t, registry.StatusActive, d.Status)
}
