package registry_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// A failed instruction logs its error once, as Anchor programs do, so Anchor's TypeScript
// client raises an AnchorError with the error's name; a builtin error and a success log none.
func TestFailedInstructionLogsAnchorError(t *testing.T) {
	e := newEnv(t)
	e.initialize(t)
	stranger := e.Funded(t)
	_, err := e.SendSig([]solana.PrivateKey{stranger}, chaintest.Must(e.Registry.SetPause(stranger.PublicKey(), true)))
	require.ErrorIs(t, err, registry.ErrUnauthorized)
	var ie *chain.InstructionError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, []string{"Program log: AnchorError occurred. Error Code: Unauthorized. Error Number: 6100. Error Message: The signer is not the admin."},
		chaintest.AnchorErrorLines(ie.Logs))

	// 33 accounts (repeats of the admin): the entrypoint's builtin InvalidArgument
	pause := chaintest.Must(e.Registry.SetPause(e.Admin.PublicKey(), false))
	accounts := pause.Accounts()
	for len(accounts) < 33 {
		accounts = append(accounts, solana.Meta(e.Admin.PublicKey()))
	}
	data, err := pause.Data()
	require.NoError(t, err)
	err = e.Send([]solana.PrivateKey{e.Admin}, solana.NewInstruction(pause.ProgramID(), accounts, data))
	require.ErrorAs(t, err, &ie)
	require.Equal(t, "InvalidArgument", ie.Builtin)
	chaintest.RequireAnchorError(t, err, nil)

	sig, err := e.SendSig([]solana.PrivateKey{e.Admin}, pause)
	require.NoError(t, err)
	require.Empty(t, chaintest.AnchorErrorLines(e.Tx(t, sig).Meta.LogMessages))
}
