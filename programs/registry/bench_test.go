package registry_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/stretchr/testify/require"
)

// BenchmarkComputeUnits measures, on the localnet, the compute units each registry
// instruction consumes (reported as the CU metric, one sub-benchmark per instruction), next to
// a plain SPL Token transfer measured in the same run as the reference point.
func BenchmarkComputeUnits(b *testing.B) {
	e := newEnv(b)
	params := e.params()
	measure := func(name string, signer solana.PrivateKey, ixs ...solana.Instruction) {
		b.Run(name, func(b *testing.B) {
			sig, err := e.client.Send(e.ctx, ixs, signer)
			require.NoError(b, err)
			cu, err := e.client.ComputeUnits(e.ctx, sig)
			require.NoError(b, err)
			b.ReportMetric(float64(cu), "CU")
			fmt.Fprintf(os.Stderr, "%-22s %6d CU\n", name, cu)
		})
	}
	ix, err := e.prog.InitializeConfig(e.admin.PublicKey(), e.ioMint, e.iosdMint, params)
	require.NoError(b, err)
	measure("initialize_config", e.admin, ix)
	ix, err = e.prog.UpdateConfig(e.admin.PublicKey(), params)
	require.NoError(b, err)
	measure("update_config", e.admin, ix)

	faucet := e.node.Key("faucet")
	from, _, err := solana.FindAssociatedTokenAddress(faucet.PublicKey(), e.ioMint)
	require.NoError(b, err)
	treasury, _, err := solana.FindAssociatedTokenAddress(e.node.Key("treasury").PublicKey(), e.ioMint)
	require.NoError(b, err)
	transfer := token.NewTransferInstruction(1, from, treasury, faucet.PublicKey(), nil).Build()
	measure("spl_token_transfer", faucet, transfer)
}
