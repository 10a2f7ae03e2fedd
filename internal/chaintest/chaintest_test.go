package chaintest

import (
	"encoding/base64"
	"errors"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"
)

// Events keeps only the events logged while the program itself is executing: not those of
// a program it invokes, nor those of a program that invokes it.
func TestProgramEvents(t *testing.T) {
	id, other, token := solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey(), solana.TokenProgramID
	data := func(s string) string { return "Program data: " + base64.StdEncoding.EncodeToString([]byte(s)) }
	parse := func(raw []byte) (any, error) { return string(raw), nil }

	logs := []string{
		"Program " + id.String() + " invoke [1]",
		"Program log: Instruction: Stake",
		"Program log: invoke [1]", // a program's own log line, not an invocation
		data("first"),
		"Program " + token.String() + " invoke [2]",
		data("token's"),
		"Program " + token.String() + " consumed 4645 of 190000 compute units",
		"Program " + token.String() + " success",
		data("second"),
		"Program " + id.String() + " consumed 10000 of 200000 compute units",
		"Program " + id.String() + " success",
		"Program " + other.String() + " invoke [1]",
		data("other's before"),
		"Program " + id.String() + " invoke [2]",
		data("third"),
		"Program " + id.String() + " success",
		data("other's after"),
		"Program " + other.String() + " success",
	}
	events, err := programEvents(logs, id, parse)
	require.NoError(t, err)
	require.Equal(t, []any{"first", "second", "third"}, events)

	events, err = programEvents(logs, other, parse)
	require.NoError(t, err)
	require.Equal(t, []any{"other's before", "other's after"}, events)

	failed := []string{"Program " + id.String() + " invoke [1]", "Program " + other.String() + " invoke [2]",
		"Program " + other.String() + " failed: custom program error: 0x1", data("after the failed CPI")}
	events, err = programEvents(failed, id, parse)
	require.NoError(t, err)
	require.Equal(t, []any{"after the failed CPI"}, events)

	_, err = programEvents(logs, id, func([]byte) (any, error) { return nil, errors.New("bad event") })
	require.ErrorContains(t, err, "bad event")
	_, err = programEvents([]string{logs[0], "Program data: !!"}, id, parse)
	require.Error(t, err)
}
