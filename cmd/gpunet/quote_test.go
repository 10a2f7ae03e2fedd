package main

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/localdev"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/internal/scheduler"
)

// `gpunet quote` on a localnet with two Active H100s in Germany and two in probation (one in
// France): the matches, the exclusions by reason, the escrow's cost at the renter's max price
// (the devices ask nothing in IOSD yet), IO refused by every device, and refused flags.
func TestQuoteCommand(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	e := chaintest.New(t)
	_, err := localdev.Init(e.Ctx, e.Network, localdev.OpenKeys(e.Node.KeysDir), func(p *localdev.Params) {
		chaintest.ShortRegistryTimes(&p.Registry)
		p.RegistryLimits = chaintest.RegistryLimits() // allows the short appeal window
	})
	require.NoError(t, err)
	payer := e.Node.Key("faucet")
	active := []chaintest.Provider{e.ActiveProvider(t, payer), e.ActiveProvider(t, payer)}
	e.NewProvider(t, chaintest.H100, 0, 0)
	france := chaintest.H100
	france.Region = 250
	e.NewProvider(t, france, 0, 0)
	escrowConfig, err := e.Network.Escrow.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)

	quote := func(args ...string) (string, error) {
		out, _, err := gpunet(e.Ctx, append([]string{"quote", "-u", e.Node.RPCURL}, args...)...)
		return out, err
	}
	out, err := quote("--gpus", "2", "--class", "h100", "--hours", "3", "--max-price", "0.5", "-o", "json")
	require.NoError(t, err)
	var q Quote
	require.NoError(t, json.Unmarshal([]byte(out), &q))
	require.Equal(t, 4, q.Considered)
	require.Equal(t, 2, q.Matched)
	require.Equal(t, []scheduler.Exclusion{{Reason: scheduler.InProbation, Count: 2}}, q.Exclusions)
	require.Equal(t, "4 devices of class h100: 2 in probation; 2 matching, 2 wanted", q.Explanation)
	// in the scheduler's order: they ask nothing and have the same throughput, so the higher
	// reputation first (their proofs may fall in different windows under load), then the lower
	// address
	reputation := map[solana.PublicKey]uint16{}
	want := []solana.PublicKey{}
	for _, p := range active {
		reputation[p.Device] = e.Device(t, p).Reputation
		want = append(want, p.Device)
	}
	sort.Slice(want, func(i, j int) bool {
		if reputation[want[i]] != reputation[want[j]] {
			return reputation[want[i]] > reputation[want[j]]
		}
		return strings.Compare(string(want[i][:]), string(want[j][:])) < 0
	})
	require.Equal(t, want, []solana.PublicKey{q.Devices[0].Address, q.Devices[1].Address})
	perDevice, err := protocol.Pay(&escrow.Job{PricePerHour: 500_000, FeeBps: escrowConfig.Params.FeeBps, FeeBurnBps: escrowConfig.Params.FeeBurnBps}, 0, 3*3600)
	require.NoError(t, err)
	require.Equal(t, &scheduler.Estimate{Mint: scheduler.IOSD, PricePerHour: 500_000, Devices: 2, Secs: 3 * 3600, Jobs: 1, Deposit: 3_000_000,
		Payout: 2 * perDevice.Payout, FeeTreasury: 2 * perDevice.FeeTreasury, FeeBurned: 2 * perDevice.FeeBurned, PerDevice: perDevice}, q.Estimate)
	require.Positive(t, perDevice.FeeTreasury+perDevice.FeeBurned) // the fee is taken

	// Text: the explanation, the devices, the estimate; in Germany only, the French device is
	// counted as in another region rather than in probation.
	out, err = quote("--gpus", "3", "--class", "H100", "--hours", "3", "--max-price", "0.5", "--region", "276", "--tier", "1")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(out, "4 devices of class h100: 1 in other regions, 1 in probation; 2 matching, 3 wanted\n"), out)
	require.Contains(t, out, active[0].Device.String())
	require.Contains(t, out, active[1].Device.String())
	require.Contains(t, out, "Estimate: 2 devices x 3 h at 0.5 IOSD per device-hour, in 1 escrow job(s)\n  deposit       3 IOSD\n")
	require.Contains(t, out, "Too few devices match")
	require.True(t, strings.HasSuffix(out, "No transaction sent.\n"))

	// IO: no device has an IO ask, so every hireable one refuses IO jobs.
	out, err = quote("--gpus", "1", "--class", "h100", "--max-price", "1", "--mint", "io", "-o", "json-compact")
	require.NoError(t, err)
	q = Quote{}
	require.NoError(t, json.Unmarshal([]byte(out), &q))
	require.Equal(t, []scheduler.Exclusion{{Reason: scheduler.InProbation, Count: 2}, {Reason: scheduler.RefusesMint, Count: 2}}, q.Exclusions)
	require.Empty(t, q.Devices)
	require.Nil(t, q.Estimate)
	require.Contains(t, out, `"reason":"refuses-io"`)

	for _, c := range []struct {
		args []string
		err  string
	}{
		{[]string{"--class", "v100", "--max-price", "1"}, `class "v100": want one of cpu, rtx4090, a100-80g, h100, h200, b200`},
		{[]string{"--class", "h100", "--max-price", "0.0000001"}, `--max-price: "0.0000001" has more than 6 decimals or is too large`},
		{[]string{"--class", "h100", "--max-price", "0"}, "bad request: a max price of 0 pays nothing"},
		{[]string{"--class", "h100", "--max-price", "1", "--tier", "4"}, "--tier 4: want 0 to 3"},
		{[]string{"--class", "h100", "--max-price", "1", "--gpus", "0"}, "bad request: count 0: want at least 1 device"},
		{[]string{"--class", "h100", "--max-price", "1", "--mint", "usdc"}, `mint "usdc": want iosd or io`},
		{[]string{"--class", "h100"}, `required flag(s) "max-price" not set`},
	} {
		_, err := quote(c.args...)
		require.EqualError(t, err, c.err)
	}
}
