package e2e

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/jobsecret"
	"github.com/gpunet/gpunet/internal/keyfile"
	"github.com/gpunet/gpunet/internal/raystate"
)

// rayVenv is the pinned Ray virtual environment the deps step makes.
func rayVenv(t *testing.T) string {
	venv, err := filepath.Abs("../target/venv/ray")
	require.NoError(t, err)
	if _, err := os.Stat(filepath.Join(venv, "bin", "ray")); err != nil {
		require.Empty(t, os.Getenv("GPUNET_REQUIRE_RAY"), "the Ray venv is missing: make deps")
		t.Skip("the Ray venv is missing (make deps makes it); CI sets GPUNET_REQUIRE_RAY and never skips")
	}
	return venv
}

// rayWorker registers a CPU device, gives its key SOL for its own transactions (accepting a
// job), and runs its worker with Ray nodes on ip.
func rayWorker(t *testing.T, e *chaintest.Env, oracles []*oracle, venv, ip string, portBase int) *worker {
	p := e.NewProvider(t, cpu, 1_000*chaintest.IO, 200*chaintest.IO)
	require.NoError(t, e.Node.Airdrop(e.Ctx, p.DeviceKey.PublicKey(), solana.LAMPORTS_PER_SOL))
	return runWorker(t, e, p, oracles, "-ray-address", ip, "-ray-port-base", fmt.Sprint(portBase), "-ray", filepath.Join(venv, "bin", "ray"),
		"-ray-cpus", "1", "-job-every", "1s", "-ray-stop-on-exit")
}

// cpuDevices are the registered CPU devices.
func cpuDevices(t *testing.T, e *chaintest.Env) []solana.PublicKey {
	devices, err := e.Registry.Devices(e.Ctx, e.Client, registry.ModelCPU)
	require.NoError(t, err)
	out := make([]solana.PublicKey, len(devices))
	for i, d := range devices {
		out[i] = d.Address
	}
	return out
}

// escrowEvents are the escrow events of job's transactions, oldest first.
func escrowEvents(t *testing.T, e *chaintest.Env, job solana.PublicKey) []any {
	var out []any
	require.NoError(t, e.Client.History(e.Ctx, job, solana.Signature{}, func(_ context.Context, ev chain.Event) error {
		if ev.Err != nil {
			return nil
		}
		data, err := chain.EventData(ev.Logs, e.Network.Escrow.ID)
		for _, d := range data {
			if parsed, err := escrow.ParseAnyEvent(d); err == nil {
				out = append(out, parsed)
			}
		}
		return err
	}))
	return out
}

// The renter loop on one machine: three workers as three hosts (127.0.0.2-4) with real Ray,
// three oracles and the keeper. `gpunet deploy --gpus 3` makes a ready cluster; a Ray job with
// the renter's token runs a task on each node; none without the token or with another; the
// renter cancels; the keeper settles and closes; each provider is paid exactly its verified
// seconds x price less the fee, the treasury gets the fee less the burn, the renter the rest.
func renterLoop(t *testing.T, e *chaintest.Env, fixture chaintest.Escrow) {
	venv := rayVenv(t)
	oracles := trio(t, e, 0, 1, 2)
	urls := make([]string, len(oracles))
	for i, o := range oracles {
		urls[i] = o.api
	}
	dir := t.TempDir()
	keeperKey := filepath.Join(dir, "keeper.json")
	require.NoError(t, keyfile.Save(keeperKey, e.Funded(t)))
	keeperOps := fmt.Sprintf("127.0.0.1:%d", harness.Port(t))
	keeper := launch(t, "gpunet-keeper", filepath.Join(dir, "keeper.log"), "-listen", keeperOps, "-url", e.Node.RPCURL, "-keypair", keeperKey,
		"-every", "1s", "-log-level", "debug")
	waitHealthy(t, keeper, "http://"+keeperOps)

	workers := make([]*worker, 3)
	for i := range workers {
		workers[i] = rayWorker(t, e, oracles, venv, fmt.Sprintf("127.0.0.%d", i+2), 21_000+200*i)
	}
	for _, w := range workers {
		require.Eventually(t, func() bool { return e.Device(t, w.p).Status == registry.StatusActive }, 2*time.Minute, 200*time.Millisecond)
	}

	provided := len(cpuDevices(t, e)) - len(workers) // registered by the provider scenarios
	renter := e.Funded(t)
	const deposit = 3 * 360_000 // 3 devices x 1 h at 0.36 IOSD
	renterToken := e.TokenAccount(t, e.IOSDMint, renter.PublicKey(), deposit)
	renterKey := filepath.Join(dir, "renter.json")
	require.NoError(t, keyfile.Save(renterKey, renter))
	treasuryBefore, supplyBefore := e.TokenBalance(t, fixture.TreasuryIOSD), supply(t, e, e.IOSDMint)

	started := time.Now()
	out, stderr := gpunet(t, "deploy", "-u", e.Node.RPCURL, "-k", renterKey, "--gpus", "3", "--class", "cpu", "--hours", "1", "--max-price", "0.36",
		"--yes", "--oracles", strings.Join(urls, ","), "--jobs-dir", filepath.Join(dir, "jobs"), "--timeout", "3m", "-o", "json")
	ready := time.Since(started)
	var deployed struct {
		Quote struct {
			Exclusions []struct {
				Reason string
				Count  int
			}
			Devices []struct{ Address solana.PublicKey }
		}
		Deployment struct {
			Job       solana.PublicKey
			JobID     uint64 `json:"job_id"`
			Dashboard string
			TokenFile string `json:"token_file"`
		}
	}
	require.NoError(t, json.Unmarshal(out, &deployed), "%s", stderr)
	d := deployed.Deployment
	// The provider scenarios' CPU devices are Active too, but their workers are gone: the
	// oracles have no live heartbeat of them, so the quote leaves them out as offline.
	var chosen []solana.PublicKey
	for _, c := range deployed.Quote.Devices {
		chosen = append(chosen, c.Address)
	}
	require.ElementsMatch(t, []solana.PublicKey{workers[0].p.Device, workers[1].p.Device, workers[2].p.Device}, chosen)
	offline := 0
	for _, x := range deployed.Quote.Exclusions {
		if x.Reason == "offline" {
			offline = x.Count
		}
	}
	require.Equal(t, provided > 0, offline > 0, "the provider scenarios' Active devices (of %d) are offline", provided)
	t.Logf("deploy to a ready 3-node cluster: %s\n%s", ready.Round(100*time.Millisecond), stderr)
	token, err := os.ReadFile(d.TokenFile)
	require.NoError(t, err)
	info, err := os.Stat(d.TokenFile)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	// The renter's token runs a task on every node; no token, or another, is refused.
	got, err := harness.RayClient(t.TempDir(), venv, string(token), "ray", "job", "submit", "--address", d.Dashboard, "--working-dir", "../worker/ray/testdata/job",
		"--", "python", "fanout.py") // the node's PATH has its venv first
	require.NoError(t, err, got)
	require.Contains(t, got, "ran on: 127.0.0.2 127.0.0.3 127.0.0.4\n")
	got, err = harness.RayClient(t.TempDir(), venv, "", "ray", "job", "list", "--address", d.Dashboard)
	require.Error(t, err)
	require.Contains(t, got, "Unauthorized: Missing authentication token")
	got, err = harness.RayClient(t.TempDir(), venv, strings.Repeat("0", len(token)), "ray", "job", "list", "--address", d.Dashboard)
	require.Error(t, err)
	require.Contains(t, got, "Forbidden: Invalid authentication token")

	// The renter ends the job; the keeper settles every slot and closes it.
	_, stderr = gpunet(t, "cancel", fmt.Sprint(d.JobID), "-u", e.Node.RPCURL, "-k", renterKey, "--yes")
	var tok jobsecret.Token
	_, err = hex.Decode(tok[:], token)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, err := raystate.Members(e.Ctx, d.Dashboard, tok)
		return err != nil
	}, time.Minute, 500*time.Millisecond, "the released devices' workers stop their Ray nodes: the head's dashboard is gone")
	require.Eventually(t, func() bool {
		_, err := e.Client.AccountData(e.Ctx, d.Job)
		return err != nil
	}, 2*time.Minute, 500*time.Millisecond, "the keeper closes the job\n%s", stderr)

	// The money, to the base unit, from the job's events and the balances.
	var terms escrow.JobCreated
	verified, devices := map[uint8]uint64{}, map[uint8]solana.PublicKey{}
	paid := map[uint8]escrow.Settled{}
	var refunded uint64
	for _, ev := range escrowEvents(t, e, d.Job) {
		switch ev := ev.(type) {
		case *escrow.JobCreated:
			terms = *ev
		case *escrow.UsageCounted:
			for slot := range uint8(3) {
				verified[slot] = ev.Secs[slot]
			}
		case *escrow.DeviceAccepted:
			devices[ev.Slot] = ev.Device
		case *escrow.Settled:
			s := paid[ev.Slot]
			s.Secs += ev.Secs
			s.Payout += ev.Payout
			s.FeeTreasury += ev.FeeTreasury
			s.FeeBurned += ev.FeeBurned
			paid[ev.Slot] = s
		case *escrow.JobEnded:
			refunded += ev.Refunded
		case *escrow.JobClosed:
			refunded += ev.Refunded
		}
	}
	require.Equal(t, uint64(360_000), terms.PricePerHour)
	var gross, toTreasury, burned uint64
	for slot := range uint8(3) {
		i := slices.IndexFunc(workers, func(w *worker) bool { return w.p.Device == devices[slot] })
		require.GreaterOrEqual(t, i, 0, "slot %d's device is one of the workers'", slot)
		w := workers[i]
		secs := verified[slot]
		require.NotZero(t, secs, "slot %d served", slot)
		g := secs * terms.PricePerHour / 3600
		fee := g * uint64(fixture.Params.FeeBps) / 10_000
		burn := fee * uint64(fixture.Params.FeeBurnBps) / 10_000
		require.Equal(t, escrow.Settled{Secs: secs, Payout: g - fee, FeeTreasury: fee - burn, FeeBurned: burn},
			escrow.Settled{Secs: paid[slot].Secs, Payout: paid[slot].Payout, FeeTreasury: paid[slot].FeeTreasury, FeeBurned: paid[slot].FeeBurned}, "slot %d", slot)
		payout, _, err := solana.FindAssociatedTokenAddress(w.p.Owner.PublicKey(), e.IOSDMint)
		require.NoError(t, err)
		require.Equal(t, g-fee, e.TokenBalance(t, payout), "slot %d's owner is paid its verified seconds less the fee", slot)
		gross, toTreasury, burned = gross+g, toTreasury+fee-burn, burned+burn
		t.Logf("slot %d: %d s verified, paid %d, treasury %d, burned %d", slot, secs, g-fee, fee-burn, burn)
	}
	require.Equal(t, uint64(deposit)-gross, refunded)
	require.Equal(t, uint64(deposit)-gross, e.TokenBalance(t, renterToken), "the renter got back all but the verified seconds")
	require.Equal(t, toTreasury, e.TokenBalance(t, fixture.TreasuryIOSD)-treasuryBefore)
	require.Equal(t, burned, supplyBefore-supply(t, e, e.IOSDMint), "the fee's burn share is burned")

	// The token is in no daemon's log.
	for _, log := range []string{keeper.log, workers[0].proc.log, workers[1].proc.log, workers[2].proc.log, oracles[0].log} {
		b, err := os.ReadFile(log)
		require.NoError(t, err)
		require.NotContains(t, string(b), string(token), log)
	}
}

// gpunet runs the gpunet CLI with args and returns its stdout and stderr; it must succeed.
func gpunet(t *testing.T, args ...string) (stdout, stderr []byte) {
	var out, errOut bytes.Buffer
	cmd := exec.Command(filepath.Join(bin, "gpunet"), args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	require.NoError(t, cmd.Run(), "gpunet %s\n%s", strings.Join(args, " "), &errOut)
	return out.Bytes(), errOut.Bytes()
}

// supply is mint's supply.
func supply(t *testing.T, e *chaintest.Env, mint solana.PublicKey) uint64 {
	s, err := e.Node.RPC.GetTokenSupply(e.Ctx, mint, "confirmed")
	require.NoError(t, err)
	var v uint64
	_, err = fmt.Sscan(s.Value.Amount, &v)
	require.NoError(t, err)
	return v
}
