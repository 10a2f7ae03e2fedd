package registry_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
)

// cpiBaseCU is what Agave charges the caller for each cross-program invocation.
const cpiBaseCU = 946

// BenchmarkComputeUnits sends every registry instruction once on the localnet, through a
// whole lifecycle, and reports its compute units: the total, and the program's own share
// (the total less the invoked programs' consumption and the 946-CU base of each CPI). A
// plain SPL Token transfer measured in the same run is the reference point.
func BenchmarkComputeUnits(b *testing.B) {
	e := newEnv(b)
	fmt.Fprintf(os.Stderr, "%-26s %8s %8s %5s\n", "instruction", "total", "own", "CPIs")
	measure := func(name string, signers []solana.PrivateKey, ix solana.Instruction) {
		sig, err := e.client.Send(e.ctx, []solana.Instruction{ix}, signers[0], signers[1:]...)
		require.NoError(b, err, name)
		total, own, cpis := e.computeUnits(b, sig)
		b.Run(name, func(b *testing.B) {
			b.ReportMetric(float64(total), "CU")
			b.ReportMetric(float64(own), "own-CU")
		})
		fmt.Fprintf(os.Stderr, "%-26s %8d %8d %5d\n", name, total, own, cpis)
	}
	params := e.params()
	admin, owner := e.admin, e.funded(b)
	measure("initialize_config", []solana.PrivateKey{admin}, must(e.prog.InitializeConfig(admin.PublicKey(), e.ioMint, e.iosdMint, params)))
	measure("update_config", []solana.PrivateKey{admin}, must(e.prog.UpdateConfig(admin.PublicKey(), params)))
	measure("transfer_admin", []solana.PrivateKey{admin}, must(e.prog.TransferAdmin(admin.PublicKey(), admin.PublicKey())))
	measure("accept_admin", []solana.PrivateKey{admin}, must(e.prog.AcceptAdmin(admin.PublicKey())))
	measure("set_pause", []solana.PrivateKey{admin}, must(e.prog.SetPause(admin.PublicKey(), false)))

	p := provider{owner: owner, deviceKey: solana.NewWallet().PrivateKey}
	p.token = e.tokenAccount(b, owner.PublicKey(), 10_000*IO)
	p.device = e.prog.DeviceAddress(p.deviceKey.PublicKey())
	o, k := owner.PublicKey(), p.deviceKey.PublicKey()
	measure("register_provider", []solana.PrivateKey{owner}, must(e.prog.RegisterProvider(o, "https://provider.example/meta.json")))
	measure("register_device", []solana.PrivateKey{owner, p.deviceKey}, must(e.prog.RegisterDevice(o, k, e.ioMint, H100)))
	measure("stake", []solana.PrivateKey{owner}, must(e.prog.Stake(o, k, p.token, 3_000*IO)))

	oracle := func(i int, window uint64) solana.Instruction {
		return must(e.prog.SubmitProof(e.oracles[i].PublicKey(), k, report(window, 2, 500, registry.ChallengePassed)))
	}
	lonely, counted := pastWindow(4), pastWindow(3)
	require.NoError(b, e.send([]solana.PrivateKey{e.oracles[2]}, oracle(2, lonely))) // never reaches its quorum
	measure("submit_proof (first vote)", []solana.PrivateKey{e.oracles[0]}, oracle(0, counted))
	measure("submit_proof (counting)", []solana.PrivateKey{e.oracles[1]}, oracle(1, counted))
	measure("close_stale_proof", []solana.PrivateKey{owner}, must(e.prog.CloseStaleProof(k, lonely, e.oracles[2].PublicKey())))
	e.proveUptime(b, owner, p, pastWindow(2), 2) // 4 s proven: out of probation
	job := solana.NewWallet().PublicKey()
	measure("set_device_job (hire)", []solana.PrivateKey{e.escrow}, must(e.prog.SetDeviceJob(e.escrow.PublicKey(), k, job)))
	measure("set_device_job (release)", []solana.PrivateKey{e.escrow}, must(e.prog.SetDeviceJob(e.escrow.PublicKey(), k, solana.PublicKey{})))

	measure("request_unstake (new)", []solana.PrivateKey{owner}, must(e.prog.RequestUnstake(o, k, 100*IO)))
	measure("request_unstake (add)", []solana.PrivateKey{owner}, must(e.prog.RequestUnstake(o, k, 101*IO)))
	time.Sleep(time.Duration(params.UnstakeCooldownSecs)*time.Second + 500*time.Millisecond)
	measure("withdraw_unstaked", []solana.PrivateKey{owner}, must(e.prog.WithdrawUnstaked(o, k, p.token)))

	first, second := evidenceOf("bench 1"), evidenceOf("bench 2")
	keeper := e.keeper.PublicKey()
	measure("slash", []solana.PrivateKey{e.keeper}, must(e.prog.Slash(keeper, o, k, e.ioMint, registry.OffenceDowntime, first)))
	measure("resolve_appeal", []solana.PrivateKey{admin}, must(e.prog.ResolveAppeal(admin.PublicKey(), o, k, first, keeper)))
	require.NoError(b, e.send([]solana.PrivateKey{e.keeper}, must(e.prog.Slash(keeper, o, k, e.ioMint, registry.OffenceFailedChallenge, second))))
	time.Sleep(time.Duration(params.AppealWindowSecs)*time.Second + 500*time.Millisecond)
	measure("finalize_slash", []solana.PrivateKey{owner}, must(e.prog.FinalizeSlash(k, second, e.ioMint, e.treasury, e.pool, keeper)))

	d := e.device(b, p)
	require.NoError(b, e.send([]solana.PrivateKey{owner}, must(e.prog.RequestUnstake(o, k, d.Stake))))
	time.Sleep(time.Duration(params.UnstakeCooldownSecs)*time.Second + 500*time.Millisecond)
	require.NoError(b, e.send([]solana.PrivateKey{owner}, must(e.prog.WithdrawUnstaked(o, k, p.token))))
	measure("deregister_device", []solana.PrivateKey{owner}, must(e.prog.DeregisterDevice(o, k, p.token)))

	measure("spl_token_transfer", []solana.PrivateKey{owner}, token.NewTransferInstruction(1, p.token, e.treasury, o, nil).Build())
}

// computeUnits reads a confirmed transaction's compute units from its logs: the total, the
// first program's own share, and its number of CPIs.
func (e *env) computeUnits(t testing.TB, sig solana.Signature) (total, own uint64, cpis int) {
	logs := e.txOf(t, sig).Meta.LogMessages
	var inner uint64
	for _, line := range logs {
		fields := strings.Fields(line)
		if len(fields) == 4 && fields[0] == "Program" && fields[2] == "invoke" && fields[3] == "[2]" {
			cpis++
		}
		// "Program <id> consumed <n> of <m> compute units": depth-1 lines come last.
		if len(fields) == 8 && fields[2] == "consumed" {
			n, err := strconv.ParseUint(fields[3], 10, 64)
			require.NoError(t, err)
			inner += n
			total = n
		}
	}
	inner -= total // the last "consumed" line is the top-level program's
	return total, total - inner - uint64(cpis)*cpiBaseCU, cpis
}
