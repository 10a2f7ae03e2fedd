package chain

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"
	"github.com/mr-tron/base58"
)

// ErrBlockhashExpired means a transaction was not confirmed before its blockhash expired: it can
// no longer land, so it is safe to rebuild it with a new blockhash and send it again.
var ErrBlockhashExpired = errors.New("transaction blockhash expired before confirmation")

// ErrNonceAdvanced means a durable-nonce transaction's nonce is no longer the account's: the
// transaction already landed (a replay) or another transaction used the nonce. It cannot land.
var ErrNonceAdvanced = errors.New("durable nonce advanced: the transaction was already sent or its nonce was used")

// MissingSignaturesError is a transaction sent before every required signer signed it.
type MissingSignaturesError struct{ Absent []solana.PublicKey }

func (e *MissingSignaturesError) Error() string {
	return fmt.Sprintf("transaction is missing %d signature(s): %v", len(e.Absent), e.Absent)
}

type buildOptions struct {
	nonce, nonceAuthority solana.PublicKey
}

// BuildOption configures Build.
type BuildOption func(*buildOptions)

// WithNonce builds on the durable nonce in account (whose authority signs): the transaction
// begins with AdvanceNonceAccount and carries the stored nonce as its blockhash, so it stays
// valid until the nonce is used, however long its signers take.
func WithNonce(account, authority solana.PublicKey) BuildOption {
	return func(o *buildOptions) { o.nonce, o.nonceAuthority = account, authority }
}

// Build returns the unsigned transaction of ixs paid by payer, on a recent blockhash or, with
// WithNonce, on a durable nonce.
func (c *Client) Build(ctx context.Context, ixs []solana.Instruction, payer solana.PublicKey, opts ...BuildOption) (*solana.Transaction, error) {
	var o buildOptions
	for _, opt := range opts {
		opt(&o)
	}
	var blockhash solana.Hash
	if o.nonce.IsZero() {
		var latest *rpc.GetLatestBlockhashResult
		err := c.retry.Do(ctx, isTransient, func() (err error) {
			latest, err = c.rpc.GetLatestBlockhash(ctx, c.commitment)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("get latest blockhash: %w", err)
		}
		blockhash = latest.Value.Blockhash
	} else {
		n, err := c.NonceAccount(ctx, o.nonce)
		if err != nil {
			return nil, err
		}
		blockhash = n.Nonce
		ixs = append([]solana.Instruction{advanceNonce(o.nonce, o.nonceAuthority)}, ixs...)
	}
	tx, err := solana.NewTransaction(ixs, blockhash, solana.TransactionPayer(payer))
	if err != nil {
		return nil, fmt.Errorf("build transaction: %w", err)
	}
	return tx, nil
}

// Sign adds the signatures of those signers that tx requires (others are ignored) and returns
// the required signers whose signatures are still absent. A partly signed transaction can be
// encoded (EncodeBase64) for another wallet to finish.
func Sign(tx *solana.Transaction, signers ...Signer) (absent []solana.PublicKey, err error) {
	message, err := tx.Message.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("encode message: %w", err)
	}
	required := int(tx.Message.Header.NumRequiredSignatures)
	if len(tx.Signatures) != required {
		sigs := make([]solana.Signature, required)
		copy(sigs, tx.Signatures)
		tx.Signatures = sigs
	}
	for i, key := range tx.Message.AccountKeys[:required] {
		for _, s := range signers {
			if s.PublicKey() != key {
				continue
			}
			if tx.Signatures[i], err = s.Sign(message); err != nil {
				return nil, fmt.Errorf("sign transaction: %w", err)
			}
			break
		}
		if tx.Signatures[i].IsZero() {
			absent = append(absent, key)
		}
	}
	return absent, nil
}

// EncodeBase64 serializes a (possibly partly signed) transaction as sendTransaction and
// wallets take it.
func EncodeBase64(tx *solana.Transaction) (string, error) {
	raw, err := tx.MarshalBinary()
	if err != nil {
		return "", fmt.Errorf("encode transaction: %w", err)
	}
	return base64.StdEncoding.EncodeToString(raw), nil
}

// EncodeBase58 is EncodeBase64 in base58, the Solana CLI's encoding of a sign-only transaction.
func EncodeBase58(tx *solana.Transaction) (string, error) {
	raw, err := tx.MarshalBinary()
	if err != nil {
		return "", fmt.Errorf("encode transaction: %w", err)
	}
	return base58.Encode(raw), nil
}

// DecodeTransaction reads a transaction that EncodeBase64 or EncodeBase58 wrote.
func DecodeTransaction(s string) (*solana.Transaction, error) {
	if raw, err := base64.StdEncoding.DecodeString(s); err == nil {
		if tx, err := solana.TransactionFromBytes(raw); err == nil {
			return tx, nil
		}
	}
	raw, err := base58.Decode(s)
	if err != nil {
		return nil, fmt.Errorf("decode transaction: neither base64 nor base58")
	}
	tx, err := solana.TransactionFromBytes(raw)
	if err != nil {
		return nil, fmt.Errorf("decode transaction: %w", err)
	}
	return tx, nil
}

// Send builds a transaction of ixs paid by payer, signs it with payer and signers, sends it and
// waits until it is confirmed (SendSigned).
func (c *Client) Send(ctx context.Context, ixs []solana.Instruction, payer Signer, signers ...Signer) (solana.Signature, error) {
	tx, err := c.Build(ctx, ixs, payer.PublicKey())
	if err != nil {
		return solana.Signature{}, err
	}
	absent, err := Sign(tx, append([]Signer{payer}, signers...)...)
	if err != nil {
		return solana.Signature{}, err
	}
	if len(absent) > 0 {
		return solana.Signature{}, &MissingSignaturesError{Absent: absent}
	}
	return c.SendSigned(ctx, tx)
}

// SendSigned sends a fully signed transaction and waits until it is confirmed at the client's
// commitment. A failed transaction returns an *InstructionError or *TransactionError; one that
// can no longer land returns ErrBlockhashExpired or, on a durable nonce, ErrNonceAdvanced.
// Resending the same signed transaction is harmless (the signature deduplicates it), so
// transient failures are retried with backoff.
func (c *Client) SendSigned(ctx context.Context, tx *solana.Transaction) (solana.Signature, error) {
	var absent []solana.PublicKey
	for i, key := range tx.Message.AccountKeys[:tx.Message.Header.NumRequiredSignatures] {
		if i >= len(tx.Signatures) || tx.Signatures[i].IsZero() {
			absent = append(absent, key)
		}
	}
	if len(absent) > 0 {
		return solana.Signature{}, &MissingSignaturesError{Absent: absent}
	}
	programs := make([]solana.PublicKey, len(tx.Message.Instructions))
	for i, ix := range tx.Message.Instructions {
		programs[i] = tx.Message.AccountKeys[ix.ProgramIDIndex]
	}
	sig := tx.Signatures[0]
	nonce, onNonce := nonceAccountOf(tx)
	if err := c.send(ctx, tx, programs); err != nil {
		var txErr *TransactionError
		if onNonce && errors.As(err, &txErr) && txErr.Kind == "BlockhashNotFound" {
			return sig, fmt.Errorf("send transaction on nonce %s: %w (%w)", nonce, ErrNonceAdvanced, err)
		}
		return sig, err
	}
	expired := func() error {
		ok, err := c.rpc.IsBlockhashValid(ctx, tx.Message.RecentBlockhash, rpc.CommitmentProcessed)
		if err != nil || ok.Value {
			return nil
		}
		return ErrBlockhashExpired
	}
	if onNonce {
		expired = func() error {
			n, err := c.NonceAccount(ctx, nonce)
			if err != nil || n.Nonce == tx.Message.RecentBlockhash {
				return nil
			}
			return ErrNonceAdvanced
		}
	}
	return sig, c.confirm(ctx, tx, programs, expired)
}

func (c *Client) send(ctx context.Context, tx *solana.Transaction, programs []solana.PublicKey) error {
	err := c.retry.Do(ctx, isTransient, func() error {
		_, err := c.rpc.SendTransactionWithOpts(ctx, tx, rpc.TransactionOpts{PreflightCommitment: c.commitment})
		return err
	})
	var rpcErr *jsonrpc.RPCError
	if errors.As(err, &rpcErr) && rpcErr.Code == rpcPreflightFailure {
		data, _ := rpcErr.Data.(map[string]any)
		return c.decodeTxError(data["err"], programs, logsOf(rpcErr.Data))
	}
	if err != nil {
		return fmt.Errorf("send transaction: %w", err)
	}
	return nil
}

// confirm polls the signature's status, resending now and then as RPC nodes drop
// transactions under load, until it is confirmed, fails, or expired says it can no longer land
// (asked only while the signature is unknown, and believed after one more status check).
func (c *Client) confirm(ctx context.Context, tx *solana.Transaction, programs []solana.PublicKey, expired func() error) error {
	sig := tx.Signatures[0]
	ticker := time.NewTicker(c.pollInterval)
	defer ticker.Stop()
	var gone error
	for polls := 1; ; polls++ {
		select {
		case <-ctx.Done():
			return fmt.Errorf("confirm %s: %w", sig, ctx.Err())
		case <-ticker.C:
		}
		res, err := c.rpc.GetSignatureStatuses(ctx, false, sig)
		if err != nil {
			if isTransient(ctx, err) {
				continue
			}
			return fmt.Errorf("get signature status: %w", err)
		}
		if st := res.Value[0]; st != nil {
			if st.Err != nil {
				return c.failure(ctx, sig, st.Err, programs)
			}
			if reached(st.ConfirmationStatus, c.commitment) {
				return nil
			}
			continue
		}
		if gone != nil {
			return fmt.Errorf("confirm %s: %w", sig, gone)
		}
		gone = expired()
		if polls%10 == 0 {
			_, _ = c.rpc.SendTransactionWithOpts(ctx, tx, rpc.TransactionOpts{SkipPreflight: true})
		}
	}
}

// failure decodes a landed transaction's error, with its logs when the node still has them.
func (c *Client) failure(ctx context.Context, sig solana.Signature, raw any, programs []solana.PublicKey) error {
	var logs []string
	if tx, err := c.transaction(ctx, sig, rpc.CommitmentConfirmed); err == nil && tx.Meta != nil {
		logs = tx.Meta.LogMessages
	}
	return c.decodeTxError(raw, programs, logs)
}

var commitmentRank = map[rpc.CommitmentType]int{
	rpc.CommitmentProcessed: 0, rpc.CommitmentConfirmed: 1, rpc.CommitmentFinalized: 2,
}

func reached(status rpc.ConfirmationStatusType, want rpc.CommitmentType) bool {
	return commitmentRank[rpc.CommitmentType(status)] >= commitmentRank[want]
}
