package e2e

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/jobhealth"
	"github.com/gpunet/gpunet/internal/jobsecret"
	"github.com/gpunet/gpunet/internal/keyfile"
	"github.com/gpunet/gpunet/internal/raystate"
	"github.com/gpunet/gpunet/internal/wire"
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
// job), and runs its worker on host, its Ray nodes on the host's address.
func rayWorker(t *testing.T, e *chaintest.Env, oracles []*oracle, venv string, host *harness.Host) *worker {
	p := e.NewProvider(t, cpu, 1_000*chaintest.IO, 200*chaintest.IO)
	require.NoError(t, e.Node.Airdrop(e.Ctx, p.DeviceKey.PublicKey(), solana.LAMPORTS_PER_SOL))
	return runWorkerOn(t, host, e, p, oracles, "-ray-address", host.IP(), "-ray-port-base", "21000", "-ray", filepath.Join(venv, "bin", "ray"),
		"-ray-cpus", "1", "-job-every", "1s", "-ray-stop-on-exit")
}

// killHost kills every process of host with SIGKILL, as a host that dies: its worker and its
// Ray node.
func killHost(t *testing.T, host *harness.Host) {
	out, err := exec.Command("ip", "netns", "pids", host.Name).Output()
	require.NoError(t, err)
	for _, f := range strings.Fields(string(out)) {
		var pid int
		_, err := fmt.Sscan(f, &pid)
		require.NoError(t, err)
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
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

// The renter loop on four hosts (network namespaces) with real Ray, three oracles and the
// keeper, which holds the escrow's scheduler key. `gpunet deploy --gpus 3` makes a ready
// cluster of three hosts; the renter's token works, no other does. A Ray job runs a task on
// every node; one member's host dies (kill -9 of everything on it); the keeper replaces it
// with the fourth host's device on the oracles' quorum, the replacement joins the same
// cluster and the job's next round runs on it. The other member is partitioned off (no device
// is left to replace it: the keeper says so) and healed. The keeper slashes the dropped device
// on the oracles' co-signatures and, after the appeal window, its compensation share goes to
// the renter. The renter cancels; the keeper settles and closes. Every slot is paid exactly
// its verified seconds less the fee, the treasury gets the fee less the burn, the renter the rest.
func renterLoop(t *testing.T, e *chaintest.Env, fixture chaintest.Escrow, lan *harness.LAN) {
	venv := rayVenv(t)
	oracles := trio(t, e, 0, 1, 2)
	urls := make([]string, len(oracles))
	for i, o := range oracles {
		urls[i] = o.api
	}
	dir := t.TempDir()
	keeperKey, schedulerKey := filepath.Join(dir, "keeper.json"), filepath.Join(dir, "scheduler.json")
	require.NoError(t, keyfile.Save(keeperKey, e.Funded(t)))
	require.NoError(t, keyfile.Save(schedulerKey, fixture.Scheduler))
	keeperOps := fmt.Sprintf("127.0.0.1:%d", harness.Port(t))
	keeper := launch(t, "gpunet-keeper", filepath.Join(dir, "keeper.log"), "-listen", keeperOps, "-url", e.Node.RPCURL, "-keypair", keeperKey,
		"-every", "1s", "-scheduler-keypair", schedulerKey, "-oracles", strings.Join(urls, ","), "-watch-every", "1s", "-log-level", "debug")
	waitHealthy(t, keeper, "http://"+keeperOps)

	workers := make([]*worker, 3)
	for i := range workers {
		workers[i] = rayWorker(t, e, oracles, venv, lan.Hosts[i])
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
	var tok jobsecret.Token
	_, err = hex.Decode(tok[:], token)
	require.NoError(t, err)

	// No token, or another, is refused.
	got, err := harness.RayClient(t.TempDir(), venv, "", "ray", "job", "list", "--address", d.Dashboard)
	require.Error(t, err)
	require.Contains(t, got, "Unauthorized: Missing authentication token")
	got, err = harness.RayClient(t.TempDir(), venv, strings.Repeat("0", len(token)), "ray", "job", "list", "--address", d.Dashboard)
	require.Error(t, err)
	require.Contains(t, got, "Forbidden: Invalid authentication token")

	// The hosts by slot: the head (slot 0) stays; slot 1's member dies, slot 2's is partitioned.
	j, err := e.Network.Escrow.FetchJob(e.Ctx, e.Client, d.Job)
	require.NoError(t, err)
	hostOf := func(device solana.PublicKey) int {
		return slices.IndexFunc(workers, func(w *worker) bool { return w.p.Device == device })
	}
	head, dropped, cut := hostOf(j.Slots[0].Device), hostOf(j.Slots[1].Device), hostOf(j.Slots[2].Device)
	spare := rayWorker(t, e, oracles, venv, lan.Hosts[3])
	require.Eventually(t, func() bool { return e.Device(t, spare.p).Status == registry.StatusActive }, 2*time.Minute, 200*time.Millisecond)
	ip := func(i int) string { return lan.Hosts[i].IP() }
	sorted := func(ips ...string) string { slices.Sort(ips); return strings.Join(ips, " ") }

	const submission = "e2e-replacement"
	got, err = harness.RayClient(t.TempDir(), venv, string(token), "ray", "job", "submit", "--no-wait", "--submission-id", submission,
		"--address", d.Dashboard, "--working-dir", "testdata/ray", "--", "python", "replace.py", ip(3), ip(dropped))
	require.NoError(t, err, got)
	logs := func() string {
		got, _ := harness.RayClient(t.TempDir(), venv, string(token), "ray", "job", "logs", "--address", d.Dashboard, submission)
		return got
	}
	require.Eventually(t, func() bool { return strings.Contains(logs(), "before:") }, 2*time.Minute, time.Second)
	require.Contains(t, logs(), "before: "+sorted(ip(0), ip(1), ip(2))+"\n", "a task on each node")

	// A member's host dies: the keeper replaces its device with the spare within seconds.
	killed := time.Now()
	killHost(t, lan.Hosts[dropped])
	var replaced, accepted, joined time.Duration
	replacement := -1
	require.Eventually(t, func() bool {
		j, err = e.Network.Escrow.FetchJob(e.Ctx, e.Client, d.Job)
		require.NoError(t, err)
		if replaced == 0 && j.Slots[1].State == escrow.SlotLeft {
			replaced = time.Since(killed)
		}
		replacement = slices.IndexFunc(j.Slots[:j.SlotCount], func(s escrow.Slot) bool { return s.Device == spare.p.Device })
		if accepted == 0 && replacement >= 0 && j.Slots[replacement].State == escrow.SlotHired {
			accepted = time.Since(killed)
		}
		return accepted > 0
	}, 2*time.Minute, 100*time.Millisecond, "the keeper replaces the dead host's device with the spare, which accepts")
	require.Equal(t, 3, replacement, "the replacement takes a fresh slot")
	require.Eventually(t, func() bool {
		members, err := raystate.Members(e.Ctx, d.Dashboard, tok)
		return err == nil && slices.ContainsFunc(members, func(m raystate.Member) bool { return m.IP == ip(3) })
	}, 2*time.Minute, 200*time.Millisecond, "the replacement's node joins the job's cluster")
	joined = time.Since(killed)
	report := keeperReplaced(t, keeper.log)
	t.Logf("replacement timeline from the kill: the oracles judged it down at +%s (down since +%s), the keeper's replace_device landed at +%s "+
		"(slot left seen +%s), the spare accepted +%s, its node joined the cluster +%s",
		time.UnixMilli(report.At).Sub(killed).Round(100*time.Millisecond), time.UnixMilli(report.Since).Sub(killed).Round(100*time.Millisecond),
		report.landed.Sub(killed).Round(100*time.Millisecond), replaced.Round(100*time.Millisecond), accepted.Round(100*time.Millisecond),
		joined.Round(100*time.Millisecond))
	require.Equal(t, wire.ReasonNoHeartbeat, report.Reason)
	require.Eventually(t, func() bool { return strings.Contains(logs(), "after:") }, 3*time.Minute, time.Second)
	require.Contains(t, logs(), "after: "+sorted(ip(head), ip(cut), ip(3))+"\n", "the job's next round runs on the replacement")

	// Slot 2's host is cut off: down, but no device is left to replace it; healed, it serves on.
	require.NoError(t, lan.Hosts[cut].Partition())
	unmatched := `gpunet_keeper_cranks_total{kind="replace_device",outcome="unmatched"}`
	require.Eventually(t, func() bool { return metric(t, "http://"+keeperOps, unmatched) >= 1 }, time.Minute, 200*time.Millisecond,
		"the keeper finds no replacement for the cut-off device")
	out, _ = gpunet(t, "job", fmt.Sprint(d.JobID), "-u", e.Node.RPCURL, "-k", renterKey, "--oracles", strings.Join(urls, ","), "-o", "json")
	var view struct {
		Health struct {
			Quorum int
			Down   []struct {
				Slot    uint8
				Oracles int
				Reason  string
			}
		}
	}
	require.NoError(t, json.Unmarshal(out, &view))
	require.Len(t, view.Health.Down, 1, "the renter is told: %s", out)
	require.Equal(t, uint8(2), view.Health.Down[0].Slot)
	require.GreaterOrEqual(t, view.Health.Down[0].Oracles, view.Health.Quorum)
	require.NoError(t, lan.Hosts[cut].Heal())
	require.Eventually(t, func() bool {
		code, body := get(urls[0] + wire.JobsPath + d.Job.String() + wire.JobHealthPath)
		var h wire.JobHealth
		return code == http.StatusOK && json.Unmarshal(body, &h) == nil && len(h.Slots) == 3 && h.Slots[1].Slot == 2 && h.Slots[1].Up
	}, 2*time.Minute, 500*time.Millisecond, "healed, the cut-off device serves the job again")
	j, err = e.Network.Escrow.FetchJob(e.Ctx, e.Client, d.Job)
	require.NoError(t, err)
	require.Equal(t, escrow.SlotHired, j.Slots[2].State, "still on the job")

	// The keeper slashed the dropped device for abandoning the job; after the appeal window the
	// compensation share goes to the renter's IO account.
	renterIO, _, err := solana.FindAssociatedTokenAddress(renter.PublicKey(), e.IOMint)
	require.NoError(t, err)
	var slashed *registry.DeviceSlashed
	var finalized *registry.SlashFinalized
	require.Eventually(t, func() bool {
		slashed, finalized = slashEvents(t, e, workers[dropped].p.Device)
		return finalized != nil
	}, 2*time.Minute, 500*time.Millisecond, "the keeper slashes the dropped device and finalizes it")
	require.Equal(t, registry.OffenceJobAbandonment, slashed.Offence)
	require.Equal(t, wire.AbandonmentEvidence(d.Job, 1, workers[dropped].p.Device), slashed.EvidenceHash)
	params, err := e.Registry.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	amount := 200 * chaintest.IO * uint64(params.Params.SlashBps[registry.OffenceJobAbandonment]) / 10_000
	burn, toTreasury := amount*uint64(params.Params.SlashBurnBps)/10_000, amount*uint64(params.Params.SlashTreasuryBps)/10_000
	require.Equal(t, amount, slashed.Amount)
	require.Equal(t, registry.SlashFinalized{Device: workers[dropped].p.Device, SlashRecord: slashed.SlashRecord, Burned: burn, ToTreasury: toTreasury,
		ToCompensation: amount - burn - toTreasury, Beneficiary: renter.PublicKey(), Compensation: renterIO}, *finalized)
	require.Equal(t, amount-burn-toTreasury, e.TokenBalance(t, renterIO), "the renter is compensated")
	for _, o := range oracles {
		require.Contains(t, slashed.Signers[:slashed.SignerCount], o.key.PublicKey(), "every oracle co-signed")
	}

	// The renter ends the job; the keeper settles every slot and closes it.
	_, stderr = gpunet(t, "cancel", fmt.Sprint(d.JobID), "-u", e.Node.RPCURL, "-k", renterKey, "--yes")
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
			for slot := range uint8(4) {
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
	all := append(workers, spare)
	var gross, feeToTreasury, burned uint64
	for slot := range uint8(4) {
		i := slices.IndexFunc(all, func(w *worker) bool { return w.p.Device == devices[slot] })
		require.GreaterOrEqual(t, i, 0, "slot %d's device is one of the workers'", slot)
		secs := verified[slot]
		require.NotZero(t, secs, "slot %d served", slot)
		g := secs * terms.PricePerHour / 3600
		fee := g * uint64(fixture.Params.FeeBps) / 10_000
		b := fee * uint64(fixture.Params.FeeBurnBps) / 10_000
		require.Equal(t, escrow.Settled{Secs: secs, Payout: g - fee, FeeTreasury: fee - b, FeeBurned: b},
			escrow.Settled{Secs: paid[slot].Secs, Payout: paid[slot].Payout, FeeTreasury: paid[slot].FeeTreasury, FeeBurned: paid[slot].FeeBurned}, "slot %d", slot)
		payout, _, err := solana.FindAssociatedTokenAddress(all[i].p.Owner.PublicKey(), e.IOSDMint)
		require.NoError(t, err)
		require.Equal(t, g-fee, e.TokenBalance(t, payout), "slot %d's owner is paid its verified seconds less the fee", slot)
		gross, feeToTreasury, burned = gross+g, feeToTreasury+fee-b, burned+b
		t.Logf("slot %d: %d s verified, paid %d, treasury %d, burned %d", slot, secs, g-fee, fee-b, b)
	}
	require.Equal(t, uint64(deposit)-gross, refunded)
	require.Equal(t, uint64(deposit)-gross, e.TokenBalance(t, renterToken), "the renter got back all but the verified seconds")
	require.Equal(t, feeToTreasury, e.TokenBalance(t, fixture.TreasuryIOSD)-treasuryBefore)
	require.Equal(t, burned, supplyBefore-supply(t, e, e.IOSDMint), "the fee's burn share is burned")

	// The cut-off device was reported down but never replaced (nothing matched), so it never
	// left the job: nothing to slash.
	cutSlash, _ := slashEvents(t, e, workers[cut].p.Device)
	require.Nil(t, cutSlash, "the cut-off device came back and served on: nothing abandoned")

	// The token is in no daemon's log.
	for _, log := range []string{keeper.log, workers[0].proc.log, workers[1].proc.log, workers[2].proc.log, spare.proc.log, oracles[0].log} {
		b, err := os.ReadFile(log)
		require.NoError(t, err)
		require.NotContains(t, string(b), string(token), log)
	}
}

// replacedLog is the keeper's first replace_device: when it landed, and the first oracle
// report it acted on.
type replacedLog struct {
	jobhealth.Seen
	landed time.Time
}

// keeperReplaced reads the keeper's log (JSON lines) for its first replace_device that landed.
func keeperReplaced(t *testing.T, log string) replacedLog {
	data, err := os.ReadFile(log)
	require.NoError(t, err)
	for _, line := range strings.Split(string(data), "\n") {
		var entry struct {
			Time    time.Time
			Msg     string
			Sig     string
			Reports []jobhealth.Seen
		}
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "replace_device" && entry.Sig != "" && len(entry.Reports) > 0 {
			return replacedLog{Seen: entry.Reports[0], landed: entry.Time}
		}
	}
	require.FailNow(t, "no replace_device in the keeper's log")
	return replacedLog{}
}

// slashEvents are the registry's DeviceSlashed and SlashFinalized events of device (nil
// while there is none).
func slashEvents(t *testing.T, e *chaintest.Env, device solana.PublicKey) (slashed *registry.DeviceSlashed, finalized *registry.SlashFinalized) {
	require.NoError(t, e.Client.History(e.Ctx, device, solana.Signature{}, func(_ context.Context, ev chain.Event) error {
		if ev.Err != nil {
			return nil
		}
		data, err := chain.EventData(ev.Logs, e.Network.Registry.ID)
		for _, d := range data {
			switch parsed, _ := registry.ParseAnyEvent(d); parsed := parsed.(type) {
			case *registry.DeviceSlashed:
				slashed = parsed
			case *registry.SlashFinalized:
				finalized = parsed
			}
		}
		return err
	}))
	return slashed, finalized
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
