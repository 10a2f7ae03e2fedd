package localnet

// Conformance of the localnet with Solana's JSON-RPC, checked with solana-go's own
// rpc client (not gpunet code): exact values, exact error codes.

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gagliardetto/solana-go"
	ata "github.com/gagliardetto/solana-go/programs/associated-token-account"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/require"
)

const (
	sol            = uint64(1_000_000_000)
	lamportsPerSig = uint64(5000)
	ioDecimals     = 8
	iosdDecimals   = 6
)

var systemLogs = []string{
	"Program 11111111111111111111111111111111 invoke [1]",
	"Program 11111111111111111111111111111111 success",
}

func TestClusterMethods(t *testing.T) {
	ctx := testCtx(t)
	c := shared.RPC

	health, err := c.GetHealth(ctx)
	require.NoError(t, err)
	require.Equal(t, "ok", health)

	v, err := c.GetVersion(ctx)
	require.NoError(t, err)
	require.Equal(t, "4.3.0", v.SolanaCore)

	id, err := c.GetIdentity(ctx)
	require.NoError(t, err)
	require.Equal(t, shared.Key("identity").PublicKey(), id.Identity)

	waitFor(t, ctx, "slot 40", func() (bool, error) {
		s, err := c.GetSlot(ctx, rpc.CommitmentProcessed)
		return s >= 40, err
	})
	// Finalized trails confirmed by 32 slots; the slot may tick between the calls.
	conf, err := c.GetSlot(ctx, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	fin, err := c.GetSlot(ctx, rpc.CommitmentFinalized)
	require.NoError(t, err)
	require.GreaterOrEqual(t, fin+32, conf)
	require.LessOrEqual(t, fin+32, conf+2)

	// Every slot has a block here, and the chain starts at slot 0: height == slot.
	h, err := c.GetBlockHeight(ctx, rpc.CommitmentFinalized)
	require.NoError(t, err)
	require.GreaterOrEqual(t, h, fin)

	ei, err := c.GetEpochInfo(ctx, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	require.Equal(t, uint64(0), ei.Epoch)
	require.Equal(t, uint64(432000), ei.SlotsInEpoch)
	require.Equal(t, ei.AbsoluteSlot, ei.SlotIndex)
	require.Equal(t, ei.AbsoluteSlot, ei.BlockHeight)

	for size, want := range map[uint64]uint64{0: 890_880, 165: 2_039_280, 82: 1_461_600} {
		got, err := c.GetMinimumBalanceForRentExemption(ctx, size, rpc.CommitmentConfirmed)
		require.NoError(t, err)
		require.Equal(t, want, got, "rent for %d bytes", size)
	}
}

func TestGenesisAccounts(t *testing.T) {
	ctx := testCtx(t)
	c := shared.RPC
	require.Equal(t, 1_000_000*sol, balance(t, ctx, c, shared.Key("wallet").PublicKey(), rpc.CommitmentFinalized))
	require.Equal(t, 1_000*sol, balance(t, ctx, c, shared.Key("oracle-3").PublicKey(), rpc.CommitmentConfirmed))

	io := shared.Key("io-mint").PublicKey()
	iosd := shared.Key("iosd-mint").PublicKey()
	supply, err := c.GetTokenSupply(ctx, io, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	require.Equal(t, "50100000000000000", supply.Value.Amount)
	require.Equal(t, uint8(ioDecimals), supply.Value.Decimals)
	require.Equal(t, "501000000", supply.Value.UiAmountString)

	treasuryIO, _, err := solana.FindAssociatedTokenAddress(shared.Key("treasury").PublicKey(), io)
	require.NoError(t, err)
	bal, err := c.GetTokenAccountBalance(ctx, treasuryIO, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	require.Equal(t, "50000000000000000", bal.Value.Amount)
	require.Equal(t, 500_000_000.0, *bal.Value.UiAmount)

	faucetIOSD, _, err := solana.FindAssociatedTokenAddress(shared.Key("faucet").PublicKey(), iosd)
	require.NoError(t, err)
	bal, err = c.GetTokenAccountBalance(ctx, faucetIOSD, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	require.Equal(t, "1000000000000", bal.Value.Amount)
	require.Equal(t, uint8(iosdDecimals), bal.Value.Decimals)

	// jsonParsed mint.
	acc, err := c.GetAccountInfoWithOpts(ctx, io, &rpc.GetAccountInfoOpts{Encoding: solana.EncodingJSONParsed, Commitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	require.Equal(t, solana.TokenProgramID, acc.Value.Owner)
	var parsed struct {
		Program string `json:"program"`
		Space   int    `json:"space"`
		Parsed  struct {
			Type string `json:"type"`
			Info struct {
				Decimals        int     `json:"decimals"`
				MintAuthority   string  `json:"mintAuthority"`
				FreezeAuthority *string `json:"freezeAuthority"`
				IsInitialized   bool    `json:"isInitialized"`
				Supply          string  `json:"supply"`
			} `json:"info"`
		} `json:"parsed"`
	}
	require.NoError(t, json.Unmarshal(acc.Value.Data.GetRawJSON(), &parsed))
	require.Equal(t, "spl-token", parsed.Program)
	require.Equal(t, 82, parsed.Space)
	require.Equal(t, "mint", parsed.Parsed.Type)
	require.Equal(t, 8, parsed.Parsed.Info.Decimals)
	require.Equal(t, shared.Key("admin").PublicKey().String(), parsed.Parsed.Info.MintAuthority)
	require.Nil(t, parsed.Parsed.Info.FreezeAuthority)
	require.Equal(t, "50100000000000000", parsed.Parsed.Info.Supply)
}

func TestAirdropTransferAndGetTransaction(t *testing.T) {
	ctx := testCtx(t)
	c := shared.RPC
	alice := funded(t, ctx, shared, 2*sol)
	bob := solana.NewWallet().PrivateKey
	require.Equal(t, 2*sol, balance(t, ctx, c, alice.PublicKey(), rpc.CommitmentConfirmed))

	sig := send(t, ctx, c, []solana.Instruction{transferIx(alice.PublicKey(), bob.PublicKey(), sol/2)}, alice)
	require.Equal(t, 2*sol-sol/2-lamportsPerSig, balance(t, ctx, c, alice.PublicKey(), rpc.CommitmentConfirmed))
	require.Equal(t, sol/2, balance(t, ctx, c, bob.PublicKey(), rpc.CommitmentConfirmed))

	zero := uint64(0)
	tx, err := c.GetTransaction(ctx, sig, &rpc.GetTransactionOpts{Commitment: rpc.CommitmentConfirmed, MaxSupportedTransactionVersion: &zero})
	require.NoError(t, err)
	require.Equal(t, rpc.TransactionVersion(-1), tx.Version) // "legacy"
	require.NotNil(t, tx.BlockTime)
	m := tx.Meta
	require.Nil(t, m.Err)
	require.Equal(t, lamportsPerSig, m.Fee)
	require.Equal(t, []uint64{2 * sol, 0, 1}, m.PreBalances)
	require.Equal(t, []uint64{2*sol - sol/2 - lamportsPerSig, sol / 2, 1}, m.PostBalances)
	require.Equal(t, systemLogs, m.LogMessages)
	require.Equal(t, uint64(150), *m.ComputeUnitsConsumed)
	require.Empty(t, m.InnerInstructions)
	require.Empty(t, m.PreTokenBalances)
	decoded, err := tx.Transaction.GetTransaction()
	require.NoError(t, err)
	require.Equal(t, sig, decoded.Signatures[0])
	require.Equal(t, []solana.PublicKey{alice.PublicKey(), bob.PublicKey(), solana.SystemProgramID}, []solana.PublicKey(decoded.Message.AccountKeys))

	// base64 encoding round-trips the exact transaction.
	tx64, err := c.GetTransaction(ctx, sig, &rpc.GetTransactionOpts{Encoding: solana.EncodingBase64, Commitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	d64, err := tx64.Transaction.GetTransaction()
	require.NoError(t, err)
	require.Equal(t, decoded.Signatures, d64.Signatures)

	// Unknown signature: null -> ErrNotFound.
	_, err = c.GetTransaction(ctx, solana.Signature{1}, &rpc.GetTransactionOpts{Commitment: rpc.CommitmentConfirmed})
	require.ErrorIs(t, err, rpc.ErrNotFound)

	// processed is refused for history methods, as by Agave.
	_, err = c.GetTransaction(ctx, sig, &rpc.GetTransactionOpts{Commitment: rpc.CommitmentProcessed})
	re := rpcError(t, err)
	require.Equal(t, -32602, re.Code)
	require.Equal(t, "Method does not support commitment below `confirmed`", re.Message)
}

func TestCommitmentLevels(t *testing.T) {
	ctx := testCtx(t)
	c := shared.RPC
	k := solana.NewWallet().PrivateKey
	sig, err := c.RequestAirdrop(ctx, k.PublicKey(), 3*sol, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	st := waitStatus(t, ctx, c, sig, rpc.ConfirmationStatusConfirmed)
	require.Nil(t, st.Err)
	require.Equal(t, 3*sol, balance(t, ctx, c, k.PublicKey(), rpc.CommitmentProcessed))
	if st.ConfirmationStatus == rpc.ConfirmationStatusConfirmed {
		// Not finalized yet: a finalized read still sees the account missing.
		fin, err := c.GetSlot(ctx, rpc.CommitmentFinalized)
		require.NoError(t, err)
		if fin < st.Slot {
			_, err = c.GetAccountInfoWithOpts(ctx, k.PublicKey(), &rpc.GetAccountInfoOpts{Commitment: rpc.CommitmentFinalized})
			require.ErrorIs(t, err, rpc.ErrNotFound)
		}
		require.NotNil(t, st.Confirmations)
	}
	st = waitStatus(t, ctx, c, sig, rpc.ConfirmationStatusFinalized)
	require.Nil(t, st.Confirmations)
	require.Equal(t, 3*sol, balance(t, ctx, c, k.PublicKey(), rpc.CommitmentFinalized))
	tx, err := c.GetTransaction(ctx, sig, &rpc.GetTransactionOpts{Commitment: rpc.CommitmentFinalized})
	require.NoError(t, err)
	require.Equal(t, st.Slot, tx.Slot)
}

func TestSPLTokenTransfer(t *testing.T) {
	ctx := testCtx(t)
	c := shared.RPC
	faucet := shared.Key("faucet")
	io := shared.Key("io-mint").PublicKey()
	owner := solana.NewWallet().PrivateKey
	src, _, err := solana.FindAssociatedTokenAddress(faucet.PublicKey(), io)
	require.NoError(t, err)
	dst, _, err := solana.FindAssociatedTokenAddress(owner.PublicKey(), io)
	require.NoError(t, err)
	before, err := c.GetTokenAccountBalance(ctx, src, rpc.CommitmentConfirmed)
	require.NoError(t, err)

	amount := uint64(1234_50000000) // 1,234.5 IO
	sig := send(t, ctx, c, []solana.Instruction{
		ata.NewCreateInstruction(faucet.PublicKey(), owner.PublicKey(), io).Build(),
		token.NewTransferCheckedInstruction(amount, ioDecimals, src, io, dst, faucet.PublicKey(), nil).Build(),
	}, faucet)

	bal, err := c.GetTokenAccountBalance(ctx, dst, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	require.Equal(t, "123450000000", bal.Value.Amount)
	require.Equal(t, "1234.5", bal.Value.UiAmountString)
	require.Equal(t, 1234.5, *bal.Value.UiAmount)

	accs, err := c.GetTokenAccountsByOwner(ctx, owner.PublicKey(), &rpc.GetTokenAccountsConfig{Mint: &io}, &rpc.GetTokenAccountsOpts{Encoding: solana.EncodingBase64, Commitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	require.Len(t, accs.Value, 1)
	require.Equal(t, dst, accs.Value[0].Pubkey)
	var ta token.Account
	require.NoError(t, ta.UnmarshalWithDecoder(binDecoder(accs.Value[0].Account.Data.GetBinary())))
	require.Equal(t, amount, ta.Amount)
	require.Equal(t, owner.PublicKey(), ta.Owner)
	prog := solana.TokenProgramID
	accs, err = c.GetTokenAccountsByOwner(ctx, owner.PublicKey(), &rpc.GetTokenAccountsConfig{ProgramId: &prog}, &rpc.GetTokenAccountsOpts{Encoding: solana.EncodingBase64, Commitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	require.Len(t, accs.Value, 1)

	tx, err := c.GetTransaction(ctx, sig, &rpc.GetTransactionOpts{Commitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	require.Nil(t, tx.Meta.Err)
	require.Equal(t, lamportsPerSig, tx.Meta.Fee)
	// The ATA program creates the account through CPIs: inner instructions of ix 0.
	require.Len(t, tx.Meta.InnerInstructions, 1)
	require.Equal(t, uint16(0), tx.Meta.InnerInstructions[0].Index)
	require.NotEmpty(t, tx.Meta.InnerInstructions[0].Instructions)
	decoded, err := tx.Transaction.GetTransaction()
	require.NoError(t, err)
	keys := decoded.Message.AccountKeys
	idx := func(pk solana.PublicKey) uint16 {
		for i, k := range keys {
			if k.Equals(pk) {
				return uint16(i)
			}
		}
		t.Fatalf("%s not in account keys", pk)
		return 0
	}
	// Before: only the source was a token account; after: both.
	require.Len(t, tx.Meta.PreTokenBalances, 1)
	require.Equal(t, idx(src), tx.Meta.PreTokenBalances[0].AccountIndex)
	require.Equal(t, before.Value.Amount, tx.Meta.PreTokenBalances[0].UiTokenAmount.Amount)
	require.Len(t, tx.Meta.PostTokenBalances, 2)
	post := map[uint16]string{}
	for _, b := range tx.Meta.PostTokenBalances {
		require.Equal(t, io, b.Mint)
		require.Equal(t, solana.TokenProgramID, *b.ProgramId)
		post[b.AccountIndex] = b.UiTokenAmount.Amount
	}
	require.Equal(t, "123450000000", post[idx(dst)])
	require.Equal(t, subDecimal(t, before.Value.Amount, amount), post[idx(src)])
}

func TestFailedTransactionShapes(t *testing.T) {
	ctx := testCtx(t)
	c := shared.RPC
	alice := funded(t, ctx, shared, sol)
	bob := solana.NewWallet().PublicKey()

	// Preflight failure: -32002 with the simulation result as data.
	tx := buildTx(t, ctx, c, []solana.Instruction{transferIx(alice.PublicKey(), bob, 5*sol)}, alice)
	_, err := c.SendTransactionWithOpts(ctx, tx, rpc.TransactionOpts{PreflightCommitment: rpc.CommitmentConfirmed})
	re := rpcError(t, err)
	require.Equal(t, -32002, re.Code)
	require.Equal(t, "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1", re.Message)
	data, err := json.Marshal(re.Data)
	require.NoError(t, err)
	var sim struct {
		Err           json.RawMessage `json:"err"`
		Logs          []string        `json:"logs"`
		Accounts      json.RawMessage `json:"accounts"`
		UnitsConsumed uint64          `json:"unitsConsumed"`
	}
	require.NoError(t, json.Unmarshal(data, &sim))
	require.JSONEq(t, `{"InstructionError":[0,{"Custom":1}]}`, string(sim.Err))
	require.Equal(t, "null", string(sim.Accounts))
	require.Equal(t, uint64(150), sim.UnitsConsumed)
	require.Equal(t, []string{
		"Program 11111111111111111111111111111111 invoke [1]",
		"Transfer: insufficient lamports 999995000, need 5000000000",
		"Program 11111111111111111111111111111111 failed: custom program error: 0x1",
	}, sim.Logs)
	require.Equal(t, sol, balance(t, ctx, c, alice.PublicKey(), rpc.CommitmentConfirmed), "a preflight failure charges nothing")

	// skipPreflight: the transaction lands, fails, and pays its fee.
	sig, err := c.SendTransactionWithOpts(ctx, tx, rpc.TransactionOpts{SkipPreflight: true})
	require.NoError(t, err)
	st := waitStatus(t, ctx, c, sig, rpc.ConfirmationStatusConfirmed)
	errJSON, err := json.Marshal(st.Err)
	require.NoError(t, err)
	require.JSONEq(t, `{"InstructionError":[0,{"Custom":1}]}`, string(errJSON))
	require.Equal(t, sol-lamportsPerSig, balance(t, ctx, c, alice.PublicKey(), rpc.CommitmentConfirmed))
	got, err := c.GetTransaction(ctx, sig, &rpc.GetTransactionOpts{Commitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	metaErr, err := json.Marshal(got.Meta.Err)
	require.NoError(t, err)
	require.JSONEq(t, `{"InstructionError":[0,{"Custom":1}]}`, string(metaErr))
	require.Equal(t, []uint64{sol, 0, 1}, got.Meta.PreBalances)
	require.Equal(t, []uint64{sol - lamportsPerSig, 0, 1}, got.Meta.PostBalances)

	// Sending it again: AlreadyProcessed.
	_, err = c.SendTransactionWithOpts(ctx, tx, rpc.TransactionOpts{})
	re = rpcError(t, err)
	require.Equal(t, -32002, re.Code)
	require.Equal(t, "Transaction simulation failed: This transaction has already been processed", re.Message)

	// A broken signature: -32003.
	bad := buildTx(t, ctx, c, []solana.Instruction{transferIx(alice.PublicKey(), bob, 1)}, alice)
	bad.Signatures[0][0] ^= 0xff
	_, err = c.SendTransactionWithOpts(ctx, bad, rpc.TransactionOpts{})
	re = rpcError(t, err)
	require.Equal(t, -32003, re.Code)
	require.Equal(t, "Transaction signature verification failure", re.Message)
}

func TestSimulateTransaction(t *testing.T) {
	ctx := testCtx(t)
	c := shared.RPC
	alice := funded(t, ctx, shared, sol)
	bob := solana.NewWallet().PublicKey()
	tx := buildTx(t, ctx, c, []solana.Instruction{transferIx(alice.PublicKey(), bob, 1_000_000)}, alice)
	res, err := c.SimulateTransactionWithOpts(ctx, tx, &rpc.SimulateTransactionOpts{
		SigVerify:  true,
		Commitment: rpc.CommitmentConfirmed,
		Accounts:   &rpc.SimulateTransactionAccountsOpts{Encoding: solana.EncodingBase64, Addresses: []solana.PublicKey{alice.PublicKey(), bob}},
	})
	require.NoError(t, err)
	require.Nil(t, res.Value.Err)
	require.Equal(t, systemLogs, res.Value.Logs)
	require.Equal(t, uint64(150), *res.Value.UnitsConsumed)
	require.Len(t, res.Value.Accounts, 2)
	require.Equal(t, sol-1_000_000-lamportsPerSig, res.Value.Accounts[0].Lamports)
	require.Equal(t, uint64(1_000_000), res.Value.Accounts[1].Lamports)
	// Nothing was committed.
	require.Equal(t, sol, balance(t, ctx, c, alice.PublicKey(), rpc.CommitmentProcessed))

	// replaceRecentBlockhash accepts an unknown blockhash.
	stale, err := solana.NewTransaction([]solana.Instruction{transferIx(alice.PublicKey(), bob, 1_000_000)}, solana.Hash{9}, solana.TransactionPayer(alice.PublicKey()))
	require.NoError(t, err)
	res, err = c.SimulateTransactionWithOpts(ctx, stale, &rpc.SimulateTransactionOpts{ReplaceRecentBlockhash: true})
	require.NoError(t, err)
	require.Nil(t, res.Value.Err)
	// Without it: BlockhashNotFound in the result (not an RPC error).
	res, err = c.SimulateTransactionWithOpts(ctx, stale, &rpc.SimulateTransactionOpts{})
	require.NoError(t, err)
	require.Equal(t, "BlockhashNotFound", res.Value.Err)
	// sigVerify with replaceRecentBlockhash is invalid.
	_, err = c.SimulateTransactionWithOpts(ctx, stale, &rpc.SimulateTransactionOpts{SigVerify: true, ReplaceRecentBlockhash: true})
	re := rpcError(t, err)
	require.Equal(t, -32602, re.Code)
	require.Equal(t, "sigVerify may not be used with replaceRecentBlockhash", re.Message)
}

func TestGetSignaturesForAddressPaging(t *testing.T) {
	ctx := testCtx(t)
	c := shared.RPC
	alice := funded(t, ctx, shared, sol)
	bob := solana.NewWallet().PublicKey()
	var sigs []solana.Signature
	for i := 1; i <= 5; i++ {
		sigs = append(sigs, send(t, ctx, c, []solana.Instruction{transferIx(alice.PublicKey(), bob, uint64(i)*1_000_000)}, alice))
	}
	limit := 2
	page1, err := c.GetSignaturesForAddressWithOpts(ctx, bob, &rpc.GetSignaturesForAddressOpts{Limit: &limit, Commitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	require.Equal(t, []solana.Signature{sigs[4], sigs[3]}, sigsOf(page1))
	page2, err := c.GetSignaturesForAddressWithOpts(ctx, bob, &rpc.GetSignaturesForAddressOpts{Limit: &limit, Before: page1[1].Signature, Commitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	require.Equal(t, []solana.Signature{sigs[2], sigs[1]}, sigsOf(page2))
	page3, err := c.GetSignaturesForAddressWithOpts(ctx, bob, &rpc.GetSignaturesForAddressOpts{Limit: &limit, Before: page2[1].Signature, Commitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	require.Equal(t, []solana.Signature{sigs[0]}, sigsOf(page3))
	until, err := c.GetSignaturesForAddressWithOpts(ctx, bob, &rpc.GetSignaturesForAddressOpts{Until: sigs[1], Commitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	require.Equal(t, []solana.Signature{sigs[4], sigs[3], sigs[2]}, sigsOf(until))
	// alice also has her airdrop: 6 in all.
	all, err := c.GetSignaturesForAddressWithOpts(ctx, alice.PublicKey(), &rpc.GetSignaturesForAddressOpts{Commitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	require.Len(t, all, 6)
	for _, s := range all {
		require.Nil(t, s.Err)
		require.NotNil(t, s.BlockTime)
		require.Contains(t, []rpc.ConfirmationStatusType{rpc.ConfirmationStatusConfirmed, rpc.ConfirmationStatusFinalized}, s.ConfirmationStatus)
	}
	bad := 1001
	_, err = c.GetSignaturesForAddressWithOpts(ctx, bob, &rpc.GetSignaturesForAddressOpts{Limit: &bad})
	re := rpcError(t, err)
	require.Equal(t, -32602, re.Code)
	require.Equal(t, "Invalid limit; max 1000", re.Message)
}

func TestBlocks(t *testing.T) {
	ctx := testCtx(t)
	c := shared.RPC
	alice := funded(t, ctx, shared, sol)
	sig := send(t, ctx, c, []solana.Instruction{transferIx(alice.PublicKey(), solana.NewWallet().PublicKey(), 1_000_000)}, alice)
	st := waitStatus(t, ctx, c, sig, rpc.ConfirmationStatusConfirmed)
	zero := uint64(0)
	full := rpc.TransactionDetailsFull
	b, err := c.GetBlockWithOpts(ctx, st.Slot, &rpc.GetBlockOpts{Encoding: solana.EncodingBase64, TransactionDetails: full, Commitment: rpc.CommitmentConfirmed, MaxSupportedTransactionVersion: &zero})
	require.NoError(t, err)
	require.Equal(t, st.Slot-1, b.ParentSlot)
	require.Equal(t, st.Slot, *b.BlockHeight)
	found := false
	for _, tx := range b.Transactions {
		d, err := tx.GetTransaction()
		require.NoError(t, err)
		if d.Signatures[0] == sig {
			found = true
			require.Equal(t, lamportsPerSig, tx.Meta.Fee)
		}
	}
	require.True(t, found, "block %d lacks %s", st.Slot, sig)
	parent, err := c.GetBlockWithOpts(ctx, st.Slot-1, &rpc.GetBlockOpts{TransactionDetails: rpc.TransactionDetailsSignatures, Commitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	require.Equal(t, parent.Blockhash, b.PreviousBlockhash)

	tx, err := c.GetTransaction(ctx, sig, &rpc.GetTransactionOpts{Commitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	bt, err := c.GetBlockTime(ctx, st.Slot)
	require.NoError(t, err)
	require.Equal(t, *tx.BlockTime, *bt)
	require.Equal(t, *b.BlockTime, *bt)

	end := st.Slot
	blocks, err := c.GetBlocks(ctx, st.Slot-3, &end, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	require.Equal(t, rpc.BlocksResult{st.Slot - 3, st.Slot - 2, st.Slot - 1, st.Slot}, blocks)

	_, err = c.GetBlockWithOpts(ctx, st.Slot+1_000_000, &rpc.GetBlockOpts{Commitment: rpc.CommitmentConfirmed})
	re := rpcError(t, err)
	require.Equal(t, -32004, re.Code)
	require.Equal(t, "Block not available for slot "+uitoa(st.Slot+1_000_000), re.Message)
}

func TestBlockhashAndFees(t *testing.T) {
	ctx := testCtx(t)
	c := shared.RPC
	alice := funded(t, ctx, shared, sol)
	bh, err := c.GetLatestBlockhash(ctx, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	h, err := c.GetBlockHeight(ctx, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	require.LessOrEqual(t, bh.Value.LastValidBlockHeight, h+150)
	require.GreaterOrEqual(t, bh.Value.LastValidBlockHeight, h+148)

	valid, err := c.IsBlockhashValid(ctx, bh.Value.Blockhash, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	require.True(t, valid.Value)
	valid, err = c.IsBlockhashValid(ctx, solana.Hash{7}, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	require.False(t, valid.Value)

	tx, err := solana.NewTransaction([]solana.Instruction{transferIx(alice.PublicKey(), solana.NewWallet().PublicKey(), 1)}, bh.Value.Blockhash, solana.TransactionPayer(alice.PublicKey()))
	require.NoError(t, err)
	msg, err := tx.Message.MarshalBinary()
	require.NoError(t, err)
	fee, err := c.GetFeeForMessage(ctx, b64(msg), rpc.CommitmentConfirmed)
	require.NoError(t, err)
	require.Equal(t, lamportsPerSig, *fee.Value)

	// After 150 blocks the blockhash expires.
	waitFor(t, ctx, "blockhash expiry", func() (bool, error) {
		h, err := c.GetBlockHeight(ctx, rpc.CommitmentConfirmed)
		return h > bh.Value.LastValidBlockHeight, err
	})
	valid, err = c.IsBlockhashValid(ctx, bh.Value.Blockhash, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	require.False(t, valid.Value)
	fee, err = c.GetFeeForMessage(ctx, b64(msg), rpc.CommitmentConfirmed)
	require.NoError(t, err)
	require.Nil(t, fee.Value)
	_, err = tx.Sign(func(solana.PublicKey) *solana.PrivateKey { return &alice })
	require.NoError(t, err)
	_, err = c.SendTransactionWithOpts(ctx, tx, rpc.TransactionOpts{})
	re := rpcError(t, err)
	require.Equal(t, -32002, re.Code)
	require.Equal(t, "Transaction simulation failed: Blockhash not found", re.Message)
	data, _ := json.Marshal(re.Data)
	require.Contains(t, string(data), `"err":"BlockhashNotFound"`)
}

func TestAccountsAndProgramAccounts(t *testing.T) {
	ctx := testCtx(t)
	c := shared.RPC
	alice := funded(t, ctx, shared, 7*sol)
	missing := solana.NewWallet().PublicKey()

	acc, err := c.GetAccountInfoWithOpts(ctx, alice.PublicKey(), &rpc.GetAccountInfoOpts{Encoding: solana.EncodingBase64, Commitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	require.Equal(t, 7*sol, acc.Value.Lamports)
	require.Equal(t, solana.SystemProgramID, acc.Value.Owner)
	require.Equal(t, uint64(18446744073709551615), acc.Value.RentEpoch.Uint64())
	require.Empty(t, acc.Value.Data.GetBinary())

	_, err = c.GetAccountInfoWithOpts(ctx, missing, &rpc.GetAccountInfoOpts{Commitment: rpc.CommitmentConfirmed})
	require.ErrorIs(t, err, rpc.ErrNotFound)

	io := shared.Key("io-mint").PublicKey()
	off, length := uint64(36), uint64(8)
	sliced, err := c.GetAccountInfoWithOpts(ctx, io, &rpc.GetAccountInfoOpts{Encoding: solana.EncodingBase64, Commitment: rpc.CommitmentConfirmed, DataSlice: &rpc.DataSlice{Offset: &off, Length: &length}})
	require.NoError(t, err)
	require.Equal(t, []byte{0x00, 0x40, 0x3f, 0x3f, 0xaf, 0xfd, 0xb1, 0x00}, sliced.Value.Data.GetBinary()) // supply 50100000000000000 LE

	multi, err := c.GetMultipleAccountsWithOpts(ctx, []solana.PublicKey{alice.PublicKey(), missing}, &rpc.GetMultipleAccountsOpts{Encoding: solana.EncodingBase64, Commitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	require.Len(t, multi.Value, 2)
	require.Equal(t, 7*sol, multi.Value[0].Lamports)
	require.Nil(t, multi.Value[1])

	faucet := shared.Key("faucet").PublicKey()
	faucetIO, _, err := solana.FindAssociatedTokenAddress(faucet, io)
	require.NoError(t, err)
	pa, err := c.GetProgramAccountsWithOpts(ctx, solana.TokenProgramID, &rpc.GetProgramAccountsOpts{
		Encoding:   solana.EncodingBase64,
		Commitment: rpc.CommitmentConfirmed,
		Filters: []rpc.RPCFilter{
			{DataSize: 165},
			{Memcmp: &rpc.RPCFilterMemcmp{Offset: 0, Bytes: io.Bytes()}},
			{Memcmp: &rpc.RPCFilterMemcmp{Offset: 32, Bytes: faucet.Bytes()}},
		},
	})
	require.NoError(t, err)
	require.Len(t, pa, 1)
	require.Equal(t, faucetIO, pa[0].Pubkey)
	mints, err := c.GetProgramAccountsWithOpts(ctx, solana.TokenProgramID, &rpc.GetProgramAccountsOpts{
		Encoding: solana.EncodingBase64, Commitment: rpc.CommitmentConfirmed, Filters: []rpc.RPCFilter{{DataSize: 82}},
	})
	require.NoError(t, err)
	got := map[solana.PublicKey]bool{}
	for _, m := range mints {
		got[m.Pubkey] = true
	}
	require.Equal(t, map[solana.PublicKey]bool{io: true, shared.Key("iosd-mint").PublicKey(): true}, got)
}

func TestJSONRPCEnvelope(t *testing.T) {
	post := func(body string) string {
		resp, err := http.Post(shared.RPCURL, "application/json", strings.NewReader(body))
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(b)
	}
	// 63-bit ids (as solana-go sends) are echoed exactly.
	require.Equal(t, `{"jsonrpc":"2.0","result":"ok","id":9223372036854775807}`, post(`{"jsonrpc":"2.0","id":9223372036854775807,"method":"getHealth"}`))
	require.Equal(t, `{"jsonrpc":"2.0","result":"ok","id":"abc"}`, post(`{"jsonrpc":"2.0","id":"abc","method":"getHealth"}`))
	require.Equal(t, `[{"jsonrpc":"2.0","result":"ok","id":1},{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":2}]`,
		post(`[{"jsonrpc":"2.0","id":1,"method":"getHealth"},{"jsonrpc":"2.0","id":2,"method":"nope"}]`))
	require.Equal(t, `{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}`, post(`{"jsonrpc":`))
	require.Equal(t, `{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid param: Invalid"},"id":3}`,
		post(`{"jsonrpc":"2.0","id":3,"method":"getBalance","params":["0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl"]}`))
	require.Equal(t, `{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid param: WrongSize"},"id":4}`,
		post(`{"jsonrpc":"2.0","id":4,"method":"getBalance","params":["abc"]}`))
}

func sigsOf(list []*rpc.TransactionSignature) []solana.Signature {
	out := make([]solana.Signature, len(list))
	for i, s := range list {
		out[i] = s.Signature
	}
	return out
}

func subDecimal(t *testing.T, a string, b uint64) string {
	t.Helper()
	var x uint64
	for _, ch := range a {
		x = x*10 + uint64(ch-'0')
	}
	return uitoa(x - b)
}

func uitoa(v uint64) string { return formatUint(v) }
