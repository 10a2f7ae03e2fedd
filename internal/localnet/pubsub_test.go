package localnet

// PubSub conformance with solana-go's rpc/ws client: every subscription receives a real
// notification with exact values.

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/gagliardetto/solana-go"
	ata "github.com/gagliardetto/solana-go/programs/associated-token-account"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/ws"
	"github.com/stretchr/testify/require"
)

func wsConnect(t *testing.T, ctx context.Context) *ws.Client {
	t.Helper()
	c, err := ws.Connect(ctx, shared.WSURL)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// barrier returns once the server has handled every message sent before it on this
// connection (messages on one connection are handled in order).
func barrier(t *testing.T, ctx context.Context, c *ws.Client) {
	t.Helper()
	sub, err := c.SlotSubscribe()
	require.NoError(t, err)
	_, err = sub.Recv(ctx)
	require.NoError(t, err)
	sub.Unsubscribe()
}

func TestAccountSubscribe(t *testing.T) {
	ctx := testCtx(t)
	c := wsConnect(t, ctx)
	k := solana.NewWallet().PublicKey()
	sub, err := c.AccountSubscribe(k, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	defer sub.Unsubscribe()
	barrier(t, ctx, c)

	sig, err := shared.RPC.RequestAirdrop(ctx, k, 5*sol, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	got, err := sub.Recv(ctx)
	require.NoError(t, err)
	require.Equal(t, 5*sol, got.Value.Lamports)
	require.Equal(t, solana.SystemProgramID, got.Value.Owner)
	st := waitStatus(t, ctx, shared.RPC, sig, rpc.ConfirmationStatusConfirmed)
	require.Equal(t, st.Slot, got.Context.Slot)
}

func TestAccountSubscribeFinalized(t *testing.T) {
	ctx := testCtx(t)
	c := wsConnect(t, ctx)
	k := solana.NewWallet().PublicKey()
	sub, err := c.AccountSubscribe(k, rpc.CommitmentFinalized)
	require.NoError(t, err)
	defer sub.Unsubscribe()
	barrier(t, ctx, c)
	sig, err := shared.RPC.RequestAirdrop(ctx, k, 2*sol, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	got, err := sub.Recv(ctx)
	require.NoError(t, err)
	require.Equal(t, 2*sol, got.Value.Lamports)
	// Sent only once the slot is finalized.
	st, err := shared.RPC.GetSignatureStatuses(ctx, true, sig)
	require.NoError(t, err)
	require.Equal(t, rpc.ConfirmationStatusFinalized, st.Value[0].ConfirmationStatus)
	require.Equal(t, st.Value[0].Slot, got.Context.Slot)
}

func TestProgramSubscribe(t *testing.T) {
	ctx := testCtx(t)
	c := wsConnect(t, ctx)
	faucet := shared.Key("faucet")
	io := shared.Key("io-mint").PublicKey()
	owner := solana.NewWallet().PublicKey()
	// Token accounts of this owner only.
	sub, err := c.ProgramSubscribeWithOpts(solana.TokenProgramID, rpc.CommitmentConfirmed, solana.EncodingBase64,
		[]rpc.RPCFilter{{DataSize: 165}, {Memcmp: &rpc.RPCFilterMemcmp{Offset: 32, Bytes: owner.Bytes()}}})
	require.NoError(t, err)
	defer sub.Unsubscribe()
	barrier(t, ctx, c)

	src, _, err := solana.FindAssociatedTokenAddress(faucet.PublicKey(), io)
	require.NoError(t, err)
	dst, _, err := solana.FindAssociatedTokenAddress(owner, io)
	require.NoError(t, err)
	send(t, ctx, shared.RPC, []solana.Instruction{
		ata.NewCreateInstruction(faucet.PublicKey(), owner, io).Build(),
		token.NewTransferInstruction(777, src, dst, faucet.PublicKey(), nil).Build(),
	}, faucet)
	got, err := sub.Recv(ctx)
	require.NoError(t, err)
	require.Equal(t, dst, got.Value.Pubkey)
	require.Equal(t, solana.TokenProgramID, got.Value.Account.Owner)
	require.Equal(t, uint64(2_039_280), got.Value.Account.Lamports)
	var ta token.Account
	require.NoError(t, ta.UnmarshalWithDecoder(binDecoder(got.Value.Account.Data.GetBinary())))
	require.Equal(t, uint64(777), ta.Amount)
	require.Equal(t, owner, ta.Owner)
}

func TestLogsSubscribe(t *testing.T) {
	ctx := testCtx(t)
	c := wsConnect(t, ctx)
	alice := funded(t, ctx, shared, sol)
	bob := solana.NewWallet().PublicKey()
	mentions, err := c.LogsSubscribeMentions(bob, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	defer mentions.Unsubscribe()
	all, err := c.LogsSubscribe(ws.LogsSubscribeFilterAll, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	defer all.Unsubscribe()
	barrier(t, ctx, c)

	sig := send(t, ctx, shared.RPC, []solana.Instruction{transferIx(alice.PublicKey(), bob, sol/4)}, alice)
	got, err := mentions.Recv(ctx)
	require.NoError(t, err)
	require.Equal(t, sig, got.Value.Signature)
	require.Nil(t, got.Value.Err)
	require.Equal(t, systemLogs, got.Value.Logs)
	for {
		got, err = all.Recv(ctx)
		require.NoError(t, err)
		if got.Value.Signature == sig {
			break
		}
	}
	require.Equal(t, systemLogs, got.Value.Logs)

	// A failed transaction's logs carry its error.
	tx := buildTx(t, ctx, shared.RPC, []solana.Instruction{transferIx(alice.PublicKey(), bob, 10*sol)}, alice)
	failSig, err := shared.RPC.SendTransactionWithOpts(ctx, tx, rpc.TransactionOpts{SkipPreflight: true})
	require.NoError(t, err)
	got, err = mentions.Recv(ctx)
	require.NoError(t, err)
	require.Equal(t, failSig, got.Value.Signature)
	errJSON, err := json.Marshal(got.Value.Err)
	require.NoError(t, err)
	require.JSONEq(t, `{"InstructionError":[0,{"Custom":1}]}`, string(errJSON))
}

func TestSignatureSubscribe(t *testing.T) {
	ctx := testCtx(t)
	c := wsConnect(t, ctx)
	alice := funded(t, ctx, shared, sol)
	tx := buildTx(t, ctx, shared.RPC, []solana.Instruction{transferIx(alice.PublicKey(), solana.NewWallet().PublicKey(), sol/10)}, alice)
	sub, err := c.SignatureSubscribe(tx.Signatures[0], rpc.CommitmentConfirmed)
	require.NoError(t, err)
	barrier(t, ctx, c)
	sig, err := shared.RPC.SendTransactionWithOpts(ctx, tx, rpc.TransactionOpts{})
	require.NoError(t, err)
	got, err := sub.Recv(ctx)
	require.NoError(t, err)
	require.Nil(t, got.Value.Err)
	st := waitStatus(t, ctx, shared.RPC, sig, rpc.ConfirmationStatusConfirmed)
	require.Equal(t, st.Slot, got.Context.Slot)

	// Subscribing to an already finalized signature notifies at once.
	waitStatus(t, ctx, shared.RPC, sig, rpc.ConfirmationStatusFinalized)
	sub2, err := c.SignatureSubscribe(sig, rpc.CommitmentFinalized)
	require.NoError(t, err)
	got, err = sub2.Recv(ctx)
	require.NoError(t, err)
	require.Nil(t, got.Value.Err)
	require.Equal(t, st.Slot, got.Context.Slot)
}

func TestSlotSubscribe(t *testing.T) {
	ctx := testCtx(t)
	c := wsConnect(t, ctx)
	sub, err := c.SlotSubscribe()
	require.NoError(t, err)
	defer sub.Unsubscribe()
	a, err := sub.Recv(ctx)
	require.NoError(t, err)
	b, err := sub.Recv(ctx)
	require.NoError(t, err)
	require.Equal(t, a.Slot+1, b.Slot)
	require.Equal(t, b.Slot-1, b.Parent)
	if b.Slot >= 32 {
		require.Equal(t, b.Slot-32, b.Root)
	}
}
