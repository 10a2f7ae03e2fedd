package chain_test

import (
	"context"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/localnet"
)

// start launches a localnet with short slots and a client of it.
func start(t *testing.T, opts ...localnet.Option) (*localnet.Node, *chain.Client, context.Context) {
	node := localnet.Start(t, append([]localnet.Option{localnet.WithSlotMs(20)}, opts...)...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return node, chain.New(node.RPCURL, chain.WithPollInterval(10*time.Millisecond), chain.WithWebsocket(node.WSURL)), ctx
}

func funded(t *testing.T, ctx context.Context, node *localnet.Node) solana.PrivateKey {
	k := solana.NewWallet().PrivateKey
	require.NoError(t, node.Airdrop(ctx, k.PublicKey(), 10*solana.LAMPORTS_PER_SOL))
	return k
}

// An owner signs a transfer offline on a durable nonce; the payer's wallet finishes it long
// after its blockhash would have expired (more than 150 slots later), it lands, the nonce
// advances, and sending it again fails with ErrNonceAdvanced.
func TestDurableNonceOfflineSigning(t *testing.T) {
	node, c, ctx := start(t)
	payer, owner := funded(t, ctx, node), funded(t, ctx, node)
	nonce := solana.NewWallet().PrivateKey
	_, err := c.CreateNonceAccount(ctx, payer, nonce, owner.PublicKey())
	require.NoError(t, err)
	before, err := c.NonceAccount(ctx, nonce.PublicKey())
	require.NoError(t, err)
	require.Equal(t, owner.PublicKey(), before.Authority)
	require.Equal(t, uint64(5000), before.LamportsPerSignature)

	to := solana.NewWallet().PublicKey()
	tx, err := c.Build(ctx, []solana.Instruction{system.NewTransferInstruction(1_000_000, owner.PublicKey(), to).Build()}, payer.PublicKey(),
		chain.WithNonce(nonce.PublicKey(), owner.PublicKey()))
	require.NoError(t, err)
	require.Equal(t, before.Nonce, tx.Message.RecentBlockhash)

	// The owner's offline wallet signs what it is given and reports who else must sign.
	absent, err := chain.Sign(tx, owner)
	require.NoError(t, err)
	require.Equal(t, []solana.PublicKey{payer.PublicKey()}, absent)
	encoded, err := chain.EncodeBase58(tx)
	require.NoError(t, err)
	_, err = c.SendSigned(ctx, tx)
	var missing *chain.MissingSignaturesError
	require.ErrorAs(t, err, &missing)
	require.Equal(t, []solana.PublicKey{payer.PublicKey()}, missing.Absent)

	// More than a blockhash's lifetime (150 slots of 20 ms) passes.
	time.Sleep(4 * time.Second)

	offline, err := chain.DecodeTransaction(encoded)
	require.NoError(t, err)
	ownerSig := chain.Presigned(owner.PublicKey(), offline.Signatures[1])
	absent, err = chain.Sign(offline, payer, ownerSig)
	require.NoError(t, err)
	require.Empty(t, absent)
	sig, err := c.SendSigned(ctx, offline)
	require.NoError(t, err)
	require.Equal(t, offline.Signatures[0], sig)
	got, err := c.Balance(ctx, to)
	require.NoError(t, err)
	require.Equal(t, uint64(1_000_000), got)
	after, err := c.NonceAccount(ctx, nonce.PublicKey())
	require.NoError(t, err)
	require.NotEqual(t, before.Nonce, after.Nonce)

	_, err = c.SendSigned(ctx, offline)
	require.ErrorIs(t, err, chain.ErrNonceAdvanced)
	got, err = c.Balance(ctx, to)
	require.NoError(t, err)
	require.Equal(t, uint64(1_000_000), got)
}

// Accounts reads 250 addresses in three getMultipleAccounts calls, keeping their order, with
// nil where no account is.
func TestAccountsBatchesInOrder(t *testing.T) {
	node, c, ctx := start(t)
	addrs := make([]solana.PublicKey, 250)
	for i := range addrs {
		addrs[i] = solana.NewWallet().PublicKey()
	}
	funded := map[int]uint64{0: 1_000_000, 99: 2_000_000, 100: 3_000_000, 249: 4_000_000}
	for i, lamports := range funded {
		require.NoError(t, node.Airdrop(ctx, addrs[i], lamports))
	}
	got, err := c.Accounts(ctx, addrs)
	require.NoError(t, err)
	require.Len(t, got, len(addrs))
	for i, a := range got {
		lamports, ok := funded[i]
		if !ok {
			require.Nil(t, a, "address %d", i)
			continue
		}
		require.Equal(t, &chain.Account{Address: addrs[i], Owner: solana.SystemProgramID, Lamports: lamports, Data: []byte{}}, a, "address %d", i)
	}
}

// A program scan with a dataSize and a memcmp filter finds exactly the nonce accounts one
// authority holds among all the System Program's accounts.
func TestProgramAccountsFilters(t *testing.T) {
	node, c, ctx := start(t)
	payer := funded(t, ctx, node)
	mine, theirs := solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey()
	want := map[solana.PublicKey]bool{}
	for _, authority := range []solana.PublicKey{mine, theirs, mine} {
		nonce := solana.NewWallet().PrivateKey
		_, err := c.CreateNonceAccount(ctx, payer, nonce, authority)
		require.NoError(t, err)
		if authority == mine {
			want[nonce.PublicKey()] = true
		}
	}
	found, err := c.ProgramAccounts(ctx, solana.SystemProgramID, chain.DataSize(chain.NonceAccountSize), chain.Memcmp(8, mine[:]))
	require.NoError(t, err)
	got := map[solana.PublicKey]bool{}
	for _, a := range found {
		got[a.Address] = true
		require.Len(t, a.Data, chain.NonceAccountSize)
	}
	require.Equal(t, want, got)
}

// Slot is the tip at the client's commitment: finalized trails confirmed by the localnet's 32
// slots.
func TestSlotAtCommitment(t *testing.T) {
	node, c, ctx := start(t)
	fin := chain.New(node.RPCURL, chain.WithCommitment(rpc.CommitmentFinalized))
	var conf uint64
	for conf < 40 {
		var err error
		conf, err = c.Slot(ctx)
		require.NoError(t, err)
	}
	f, err := fin.Slot(ctx)
	require.NoError(t, err)
	after, err := c.Slot(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, f+32, conf)
	require.LessOrEqual(t, f+32, after)
}

// SignatureStatuses follows a transfer from confirmed to finalized, and knows no signature
// that never landed.
func TestSignatureStatuses(t *testing.T) {
	node, c, ctx := start(t)
	payer := funded(t, ctx, node)
	sig, err := c.Send(ctx, []solana.Instruction{system.NewTransferInstruction(1_000_000, payer.PublicKey(), solana.NewWallet().PublicKey()).Build()}, payer)
	require.NoError(t, err)
	var never solana.Signature
	never[0] = 1
	for {
		st, err := c.SignatureStatuses(ctx, []solana.Signature{sig, never})
		require.NoError(t, err)
		require.Equal(t, rpc.ConfirmationStatusType(""), st[1])
		if st[0] == rpc.ConfirmationStatusFinalized {
			break
		}
		require.Contains(t, []rpc.ConfirmationStatusType{rpc.ConfirmationStatusConfirmed, rpc.ConfirmationStatusProcessed}, st[0])
		time.Sleep(20 * time.Millisecond)
	}
}
