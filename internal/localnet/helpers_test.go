package localnet

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"
	"github.com/stretchr/testify/require"
)

// shared is the localnet every conformance test in this package uses (see TestMain).
var shared *Node

// sharedSlotMs keeps finality (32 slots) and blockhash expiry (150 slots) fast.
const sharedSlotMs = 25

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	n, err := Launch(ctx, WithSlotMs(sharedSlotMs))
	cancel()
	if err != nil {
		// Not a skip: the localnet must be built for the tests to mean anything.
		os.Stderr.WriteString("localnet conformance tests: " + err.Error() + "\n")
		os.Exit(1)
	}
	shared = n
	code := m.Run()
	if err := n.Close(); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		code = 1
	}
	os.Exit(code)
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// waitFor polls cond until it returns true (no fixed sleeps: a short poll interval).
func waitFor(t *testing.T, ctx context.Context, what string, cond func() (bool, error)) {
	t.Helper()
	for {
		ok, err := cond()
		require.NoError(t, err, what)
		if ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// waitStatus waits until the signature has reached the commitment level.
func waitStatus(t *testing.T, ctx context.Context, c *rpc.Client, sig solana.Signature, level rpc.ConfirmationStatusType) *rpc.SignatureStatusesResult {
	t.Helper()
	var st *rpc.SignatureStatusesResult
	waitFor(t, ctx, "signature "+sig.String()+" "+string(level), func() (bool, error) {
		res, err := c.GetSignatureStatuses(ctx, true, sig)
		if err != nil {
			return false, err
		}
		st = res.Value[0]
		if st == nil {
			return false, nil
		}
		return level != rpc.ConfirmationStatusFinalized || st.ConfirmationStatus == rpc.ConfirmationStatusFinalized, nil
	})
	return st
}

// funded creates a new keypair and airdrops lamports to it (confirmed).
func funded(t *testing.T, ctx context.Context, n *Node, lamports uint64) solana.PrivateKey {
	t.Helper()
	k := solana.NewWallet().PrivateKey
	require.NoError(t, n.Airdrop(ctx, k.PublicKey(), lamports))
	return k
}

func latestBlockhash(t *testing.T, ctx context.Context, c *rpc.Client) solana.Hash {
	t.Helper()
	bh, err := c.GetLatestBlockhash(ctx, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	return bh.Value.Blockhash
}

func buildTx(t *testing.T, ctx context.Context, c *rpc.Client, ixs []solana.Instruction, payer solana.PrivateKey, signers ...solana.PrivateKey) *solana.Transaction {
	t.Helper()
	tx, err := solana.NewTransaction(ixs, latestBlockhash(t, ctx, c), solana.TransactionPayer(payer.PublicKey()))
	require.NoError(t, err)
	all := append([]solana.PrivateKey{payer}, signers...)
	_, err = tx.Sign(func(pk solana.PublicKey) *solana.PrivateKey {
		for i := range all {
			if all[i].PublicKey().Equals(pk) {
				return &all[i]
			}
		}
		return nil
	})
	require.NoError(t, err)
	return tx
}

// send sends a transaction with preflight and waits until it is confirmed.
func send(t *testing.T, ctx context.Context, c *rpc.Client, ixs []solana.Instruction, payer solana.PrivateKey, signers ...solana.PrivateKey) solana.Signature {
	t.Helper()
	tx := buildTx(t, ctx, c, ixs, payer, signers...)
	sig, err := c.SendTransactionWithOpts(ctx, tx, rpc.TransactionOpts{PreflightCommitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	require.Equal(t, tx.Signatures[0], sig)
	waitStatus(t, ctx, c, sig, rpc.ConfirmationStatusConfirmed)
	return sig
}

func transferIx(from, to solana.PublicKey, lamports uint64) solana.Instruction {
	return system.NewTransferInstruction(lamports, from, to).Build()
}

func balance(t *testing.T, ctx context.Context, c *rpc.Client, pk solana.PublicKey, level rpc.CommitmentType) uint64 {
	t.Helper()
	res, err := c.GetBalance(ctx, pk, level)
	require.NoError(t, err)
	return res.Value
}

// rpcError asserts err is a JSON-RPC error and returns it.
func rpcError(t *testing.T, err error) *jsonrpc.RPCError {
	t.Helper()
	require.Error(t, err)
	var re *jsonrpc.RPCError
	require.True(t, errors.As(err, &re), "want a JSON-RPC error, got %T: %v", err, err)
	return re
}
