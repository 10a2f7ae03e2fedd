package sbpf

import (
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/localnet"
)

// deployDir writes the linked test program as the one program of a temporary Anchor.toml
// (under the registry's localnet id, whose dev keypair the localnet holds).
func deployDir(t *testing.T, v Version) (anchorToml, dir string) {
	dir = t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "registry.so"), linkProgram(t, v).ELF, 0o644))
	anchorToml = filepath.Join(dir, "Anchor.toml")
	require.NoError(t, os.WriteFile(anchorToml, []byte("[programs.localnet]\nregistry = \"7DuDHERwuoT4YScXwdZJuzN3swPM1Tp3SDMvnuGzvK58\"\n"), 0o644))
	return anchorToml, dir
}

// TestRunOnLocalnet deploys the linked SBPFv3 program through the localnet's real BPF Loader
// Upgradeable flow and calls it with solana-go: what every gpunet program goes through.
func TestRunOnLocalnet(t *testing.T) {
	anchorToml, dir := deployDir(t, V3)
	node := localnet.Start(t, localnet.WithAnchorToml(anchorToml), localnet.WithDeployDir(dir))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	payer := solana.NewWallet().PrivateKey
	require.NoError(t, node.Airdrop(ctx, payer.PublicKey(), solana.LAMPORTS_PER_SOL))
	client := chain.New(node.RPCURL)
	sig, err := client.Send(ctx, []solana.Instruction{solana.NewInstruction(node.Programs["registry"], nil, nil)}, payer)
	require.NoError(t, err)

	version := uint64(0)
	tx, err := node.RPC.GetTransaction(ctx, sig, &rpc.GetTransactionOpts{Commitment: rpc.CommitmentConfirmed, MaxSupportedTransactionVersion: &version})
	require.NoError(t, err)
	require.Nil(t, tx.Meta.Err)
	require.Subset(t, tx.Meta.LogMessages, []string{
		"Program log: square", "Program log: cube", "Program log: scale",
		"Program log: 0x448, 0x0, 0x0, 0x0, 0x0",
	})
	require.Equal(t, node.Programs["registry"], tx.Meta.ReturnData.ProgramId)
	require.Equal(t, "4804000000000000", hex.EncodeToString(tx.Meta.ReturnData.Data.Content)) // 0x448, u64 LE
}

// TestV0RefusedByLocalnet: the localnet runs with SIMD-0500 active, so a v0 build cannot be
// deployed there, exactly as on mainnet.
func TestV0RefusedByLocalnet(t *testing.T) {
	anchorToml, dir := deployDir(t, V0)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := localnet.Launch(ctx, localnet.WithAnchorToml(anchorToml), localnet.WithDeployDir(dir))
	require.ErrorIs(t, err, localnet.ErrExited)
	require.ErrorContains(t, err, "Detected sbpf_version required by the executable which are not enabled")
}
