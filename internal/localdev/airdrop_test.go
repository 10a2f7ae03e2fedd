package localdev_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/localdev"
)

// Airdrop pays SOL, IO and IOSD from the dev faucet, creating the recipient's token accounts
// once (a second airdrop reuses them); the faucet pays the fee and the accounts' rent.
func TestAirdrop(t *testing.T) {
	e := chaintest.New(t)
	keys := localdev.OpenKeys(e.Node.KeysDir)
	faucet := e.Node.Key("faucet").PublicKey()
	faucetIO, _, err := solana.FindAssociatedTokenAddress(faucet, e.IOMint)
	require.NoError(t, err)
	to := solana.NewWallet().PublicKey()
	sol, io := e.Lamports(t, faucet), e.TokenBalance(t, faucetIO)

	got, err := localdev.Airdrop(e.Ctx, e.Client, keys, to, localdev.Amounts{Lamports: 2 * solana.LAMPORTS_PER_SOL, IO: 3 * chaintest.IO, IOSD: 4_000_000})
	require.NoError(t, err)
	require.Equal(t, 2*solana.LAMPORTS_PER_SOL, e.Lamports(t, to))
	require.Equal(t, uint64(3*chaintest.IO), e.TokenBalance(t, got.IOAccount))
	require.Equal(t, uint64(4_000_000), e.TokenBalance(t, got.IOSDAccount))
	require.Equal(t, io-3*chaintest.IO, e.TokenBalance(t, faucetIO))
	rent := e.Lamports(t, got.IOAccount) + e.Lamports(t, got.IOSDAccount)
	require.Equal(t, uint64(2*2_039_280), rent) // two 165-byte token accounts, rent-exempt
	require.Equal(t, sol-2*solana.LAMPORTS_PER_SOL-5_000-rent, e.Lamports(t, faucet))

	again, err := localdev.Airdrop(e.Ctx, e.Client, keys, to, localdev.Amounts{IO: chaintest.IO})
	require.NoError(t, err)
	require.Equal(t, got.IOAccount, again.IOAccount)
	require.Equal(t, uint64(4*chaintest.IO), e.TokenBalance(t, got.IOAccount))

	_, err = localdev.Airdrop(e.Ctx, e.Client, keys, to, localdev.Amounts{IO: io + 1})
	var ie *chain.InstructionError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, solana.TokenProgramID, ie.Program)
	require.Equal(t, uint32(1), ie.Code) // SPL Token InsufficientFunds
	_, err = localdev.Airdrop(e.Ctx, e.Client, keys, to, localdev.Amounts{})
	require.EqualError(t, err, "airdrop: nothing to send")
}
