package chain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/programerr"
)

var errDemo = &programerr.Error{Program: "demo", Code: 6100, Name: "Unauthorized", Msg: "The signer is not the admin"}

func decode(t *testing.T, c *Client, raw string, programs []solana.PublicKey) error {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(raw), &v))
	return c.decodeTxError(v, programs, []string{"log line"})
}

func TestDecodeTxError(t *testing.T) {
	prog := solana.NewWallet().PublicKey()
	c := New("http://127.0.0.1:1")
	c.RegisterErrors(prog, programerr.Table{6100: errDemo})

	t.Run("named custom error", func(t *testing.T) {
		err := decode(t, c, `{"InstructionError":[1,{"Custom":6100}]}`, []solana.PublicKey{solana.SystemProgramID, prog})
		require.ErrorIs(t, err, errDemo)
		require.EqualError(t, err, "instruction 1: demo: Unauthorized (6100): The signer is not the admin")
		var ie *InstructionError
		require.ErrorAs(t, err, &ie)
		require.Equal(t, prog, ie.Program)
		require.Equal(t, []string{"log line"}, ie.Logs)
	})
	t.Run("custom error of a program without a table", func(t *testing.T) {
		other := solana.NewWallet().PublicKey()
		err := decode(t, c, `{"InstructionError":[0,{"Custom":6100}]}`, []solana.PublicKey{other})
		require.ErrorIs(t, err, errDemo) // matched on the code alone
		require.EqualError(t, err, "instruction 0 (program "+other.String()+"): custom program error 6100")
	})
	t.Run("another program's code does not match", func(t *testing.T) {
		err := decode(t, c, `{"InstructionError":[0,{"Custom":6101}]}`, []solana.PublicKey{prog})
		require.False(t, errors.Is(err, errDemo))
	})
	t.Run("builtin instruction error", func(t *testing.T) {
		err := decode(t, c, `{"InstructionError":[0,"MissingRequiredSignature"]}`, []solana.PublicKey{prog})
		require.False(t, errors.Is(err, errDemo))
		require.EqualError(t, err, "instruction 0 (program "+prog.String()+"): MissingRequiredSignature")
	})
	t.Run("transaction error", func(t *testing.T) {
		err := decode(t, c, `"BlockhashNotFound"`, nil)
		require.EqualError(t, err, "transaction failed: BlockhashNotFound")
		var te *TransactionError
		require.ErrorAs(t, err, &te)
		require.Equal(t, "BlockhashNotFound", te.Kind)
	})
	t.Run("structured transaction error", func(t *testing.T) {
		err := decode(t, c, `{"InsufficientFundsForRent":{"account_index":2}}`, nil)
		require.EqualError(t, err, "transaction failed: InsufficientFundsForRent map[account_index:2]")
	})
}

func TestIsTransient(t *testing.T) {
	ctx := context.Background()
	require.True(t, isTransient(ctx, errors.New("dial tcp 127.0.0.1:8899: connection refused")))
	require.True(t, isTransient(ctx, &jsonrpc.RPCError{Code: rpcNodeUnhealthy}))
	require.False(t, isTransient(ctx, &jsonrpc.RPCError{Code: rpcPreflightFailure}))
	require.False(t, isTransient(ctx, fmt.Errorf("get account: %w", rpc.ErrNotFound))) // an answer, not a failure
	done, cancel := context.WithCancel(ctx)
	cancel()
	require.False(t, isTransient(done, errors.New("connection refused")))
}

func TestBackoffStopsOnPermanentErrors(t *testing.T) {
	b := Backoff{Attempts: 5, First: 0, Max: 0}
	calls := 0
	permanent := errors.New("permanent")
	err := b.Do(context.Background(), func(context.Context, error) bool { return false }, func() error { calls++; return permanent })
	require.ErrorIs(t, err, permanent)
	require.Equal(t, 1, calls)

	calls = 0
	err = b.Do(context.Background(), func(context.Context, error) bool { return true }, func() error {
		calls++
		if calls < 3 {
			return errors.New("flaky")
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, 3, calls)
}
