package chaintest

import (
	"errors"
	"strings"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/programerr"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/idl"
)

// AnchorErrorLines returns the lines of a transaction's logs that Anchor's clients parse as an
// AnchorError.
func AnchorErrorLines(logs []string) []string {
	var out []string
	for _, line := range logs {
		if strings.HasPrefix(line, "Program log: AnchorError") {
			out = append(out, line)
		}
	}
	return out
}

// RequireAnchorError checks the logs of a failed transaction: a program's named error (want is
// a *programerr.Error) is logged exactly once, as Anchor programs log it; any other failure
// logs no AnchorError line.
func RequireAnchorError(t harness.TB, err, want error) {
	t.Helper()
	var ie *chain.InstructionError
	require.ErrorAs(t, err, &ie)
	var c *programerr.Error
	if !errors.As(want, &c) {
		require.Empty(t, AnchorErrorLines(ie.Logs))
		return
	}
	line := "Program log: " + idl.AnchorErrorLog(idl.ErrorCode{Code: c.Code, Name: c.Name, Msg: c.Msg})
	require.Equal(t, []string{line}, AnchorErrorLines(ie.Logs))
}
