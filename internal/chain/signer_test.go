package chain_test

import (
	"path/filepath"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/keyfile"
)

// A transaction signed in two places: the payer's keypair file signs here, the owner's
// signature comes from elsewhere as PUBKEY=SIGNATURE, and the encoded transaction survives
// base64 and base58.
func TestSignInTwoPlaces(t *testing.T) {
	payer, owner := solana.NewWallet().PrivateKey, solana.NewWallet().PrivateKey
	path := filepath.Join(t.TempDir(), "payer.json")
	require.NoError(t, keyfile.Save(path, payer))
	fromFile, err := chain.LoadKeypair(path)
	require.NoError(t, err)
	require.Equal(t, payer.PublicKey(), fromFile.PublicKey())
	require.NotContains(t, fromFile.(interface{ String() string }).String(), payer.String())

	ix := solana.NewInstruction(solana.SystemProgramID, solana.AccountMetaSlice{solana.Meta(owner.PublicKey()).SIGNER()}, []byte{9})
	tx, err := solana.NewTransaction([]solana.Instruction{ix}, solana.Hash{1}, solana.TransactionPayer(payer.PublicKey()))
	require.NoError(t, err)

	absent, err := chain.Sign(tx, fromFile)
	require.NoError(t, err)
	require.Equal(t, []solana.PublicKey{owner.PublicKey()}, absent)

	message, err := tx.Message.MarshalBinary()
	require.NoError(t, err)
	ownerSig, err := owner.Sign(message)
	require.NoError(t, err)
	presigned, err := chain.ParsePresigned(owner.PublicKey().String() + "=" + ownerSig.String())
	require.NoError(t, err)
	absent, err = chain.Sign(tx, presigned)
	require.NoError(t, err)
	require.Empty(t, absent)
	require.NoError(t, tx.VerifySignatures())

	for _, encode := range []func(*solana.Transaction) (string, error){chain.EncodeBase64, chain.EncodeBase58} {
		s, err := encode(tx)
		require.NoError(t, err)
		back, err := chain.DecodeTransaction(s)
		require.NoError(t, err)
		require.Equal(t, tx.Signatures, back.Signatures)
	}

	// The same signature over another message is refused.
	tx.Message.RecentBlockhash = solana.Hash{2}
	_, err = chain.Sign(tx, presigned)
	require.ErrorIs(t, err, chain.ErrPresignedMismatch)
}
