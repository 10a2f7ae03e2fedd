package localnet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/harness"
)

func TestRestartWithStateKeepsBalancesAndHistory(t *testing.T) {
	ctx := testCtx(t)
	state := t.TempDir()
	n1, err := Launch(ctx, WithStateDir(state), WithSlotMs(20))
	require.NoError(t, err)
	alice := funded(t, ctx, n1, 3*sol)
	bob := solana.NewWallet().PublicKey()
	sig := send(t, ctx, n1.RPC, []solana.Instruction{transferIx(alice.PublicKey(), bob, sol)}, alice)
	slot1, err := n1.RPC.GetSlot(ctx, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	require.NoError(t, n1.Close())
	require.FileExists(t, filepath.Join(state, "svm.bin"))
	require.FileExists(t, filepath.Join(state, "ledger.json"))

	n2 := Start(t, WithStateDir(state), WithSlotMs(20))
	require.Contains(t, n2.Output(), "state restored from")
	require.Equal(t, 3*sol-sol-lamportsPerSig, balance(t, ctx, n2.RPC, alice.PublicKey(), rpc.CommitmentConfirmed))
	require.Equal(t, sol, balance(t, ctx, n2.RPC, bob, rpc.CommitmentConfirmed))
	slot2, err := n2.RPC.GetSlot(ctx, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	require.Greater(t, slot2, slot1)

	tx, err := n2.RPC.GetTransaction(ctx, sig, &rpc.GetTransactionOpts{Commitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	require.Equal(t, lamportsPerSig, tx.Meta.Fee)
	st, err := n2.RPC.GetSignatureStatuses(ctx, true, sig)
	require.NoError(t, err)
	require.Equal(t, tx.Slot, st.Value[0].Slot)
	sigs, err := n2.RPC.GetSignaturesForAddressWithOpts(ctx, bob, &rpc.GetSignaturesForAddressOpts{Commitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	require.Len(t, sigs, 1)
	require.Equal(t, sig, sigs[0].Signature)

	// The genesis is not applied again, and the chain keeps working.
	require.NotContains(t, n2.Output(), "genesis wallet")
	carol := funded(t, ctx, n2, sol)
	require.Equal(t, sol, balance(t, ctx, n2.RPC, carol.PublicKey(), rpc.CommitmentConfirmed))
}

func TestLaunchRefusesForeignProgramID(t *testing.T) {
	dir := t.TempDir()
	toml := filepath.Join(dir, "Anchor.toml")
	require.NoError(t, os.WriteFile(toml, []byte("[programs.localnet]\nregistry = \"11111111111111111111111111111111\"\n"), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := Launch(ctx, WithAnchorToml(toml), WithDeployDir(dir))
	require.ErrorIs(t, err, ErrExited)
	require.Contains(t, err.Error(), `registry = "11111111111111111111111111111111" is not the localnet dev key of "registry-program" (7DuDHERwuoT4YScXwdZJuzN3swPM1Tp3SDMvnuGzvK58)`)
}

func TestLaunchWithoutBuildSaysHowToBuild(t *testing.T) {
	_, err := Launch(context.Background(), WithRepoRoot(t.TempDir()))
	require.True(t, errors.Is(err, ErrNotBuilt))
	require.True(t, strings.Contains(err.Error(), "make localnet-build"))
}

func TestDevKeys(t *testing.T) {
	// Program ids are the dev keys of NAME-program (Anchor.toml's registry id).
	require.Equal(t, "7DuDHERwuoT4YScXwdZJuzN3swPM1Tp3SDMvnuGzvK58", shared.Key("registry-program").PublicKey().String())
	for _, name := range []string{"escrow-program", "economy-program", "upgrade-authority", "wallet", "admin", "io-mint", "iosd-mint", "treasury", "faucet", "keeper", "scheduler", "oracle-1", "oracle-2", "oracle-3"} {
		info, err := os.Stat(filepath.Join(shared.KeysDir, name+".json"))
		require.NoError(t, err, name)
		require.Equal(t, os.FileMode(0o600), info.Mode().Perm(), name)
	}
	info, err := os.Stat(shared.KeysDir)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), info.Mode().Perm())
	_, err = shared.LoadKey("no-such-key")
	require.Error(t, err)
}

func TestWithPortsListensThere(t *testing.T) {
	rpcPort, wsPort := harness.Port(t), harness.Port(t)
	n := Start(t, WithPorts(rpcPort, wsPort))
	require.Equal(t, fmt.Sprintf("http://127.0.0.1:%d", rpcPort), n.RPCURL)
	require.Equal(t, fmt.Sprintf("ws://127.0.0.1:%d", wsPort), n.WSURL)
	health, err := n.RPC.GetHealth(testCtx(t))
	require.NoError(t, err)
	require.Equal(t, "ok", health)
}
