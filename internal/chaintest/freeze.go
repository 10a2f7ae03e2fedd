package chaintest

import (
	"github.com/gagliardetto/solana-go"
	ata "github.com/gagliardetto/solana-go/programs/associated-token-account"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/harness"
)

// FreezableMint creates a mint of decimals that has a freeze authority (the genesis mints have
// none), returned with it, and supply base units in the faucet's associated account, so that
// TokenAccount funds accounts of it. Its mint authority is the dev admin key, as for the
// genesis mints, so InitEconomy can take it: a test that sets it as e.IOSDMint (and
// e.Economy.IOSDMint) before initializing the programs gets an IOSD that can be frozen.
func (e *Env) FreezableMint(t harness.TB, decimals uint8, supply uint64) (solana.PublicKey, solana.PrivateKey) {
	admin, faucet := e.Node.Key("admin"), e.Node.Key("faucet")
	mint, freezer := solana.NewWallet().PrivateKey, solana.NewWallet().PrivateKey
	rent, err := e.Client.RentExempt(e.Ctx, token.MINT_SIZE)
	require.NoError(t, err)
	account, _, err := solana.FindAssociatedTokenAddress(faucet.PublicKey(), mint.PublicKey())
	require.NoError(t, err)
	require.NoError(t, e.Send([]solana.PrivateKey{faucet, mint, admin},
		system.NewCreateAccountInstruction(rent, token.MINT_SIZE, solana.TokenProgramID, faucet.PublicKey(), mint.PublicKey()).Build(),
		token.NewInitializeMint2Instruction(decimals, admin.PublicKey(), freezer.PublicKey(), mint.PublicKey()).Build(),
		ata.NewCreateInstruction(faucet.PublicKey(), faucet.PublicKey(), mint.PublicKey()).Build(),
		token.NewMintToInstruction(supply, mint.PublicKey(), account, admin.PublicKey(), nil).Build()))
	return mint.PublicKey(), freezer
}

// Freeze freezes a token account of a FreezableMint.
func (e *Env) Freeze(t harness.TB, account, mint solana.PublicKey, freezer solana.PrivateKey) {
	payer := e.Node.Key("faucet")
	require.NoError(t, e.Send([]solana.PrivateKey{payer, freezer},
		token.NewFreezeAccountInstruction(account, mint, freezer.PublicKey(), nil).Build()))
}
