//go:build webapp

package e2e_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/indexer/api"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/jobrelay"
	"github.com/gpunet/gpunet/internal/jobsecret"
	"github.com/gpunet/gpunet/internal/keyfile"
	"github.com/gpunet/gpunet/internal/pg"
	"github.com/gpunet/gpunet/internal/pg/pgtest"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/internal/wire"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// startRelay runs a gpunet-oracle for its job relay and returns its API's base URL. Its key is
// in no oracle set, so its votes, rewards and prices are refused and change nothing the test
// checks; the relay serves whatever oracle runs it.
func startRelay(t *testing.T, bin string, e *chaintest.Env) string {
	keyPath := filepath.Join(t.TempDir(), "relay-oracle.json")
	require.NoError(t, keyfile.Save(keyPath, solana.NewWallet().PrivateKey))
	name, err := pgtest.Server().NewDatabase(context.Background())
	require.NoError(t, err)
	health, api := net.JoinHostPort("127.0.0.1", strconv.Itoa(harness.Port(t))), net.JoinHostPort("127.0.0.1", strconv.Itoa(harness.Port(t)))
	daemon(t, "http://"+health+"/healthz", bin, "-listen", health, "-api-listen", api, "-url", e.Node.RPCURL, "-ws-url", e.Node.WSURL, "-keypair", keyPath,
		"-database-url", pgtest.Server().DSN(name), "-challenge-classes", "", "-prove-every", "1h", "-reward-every", "1h", "-log-level", "warn")
	return "http://" + api
}

// daemon runs bin with args until the test ends (its log shown if the test fails) and waits
// until health answers 200.
func daemon(t *testing.T, health, bin string, args ...string) {
	var logs harness.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s's log:\n%s", filepath.Base(bin), logs.String())
		}
	})
	require.Eventually(t, func() bool {
		resp, err := http.Get(health)
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	}, 30*time.Second, 50*time.Millisecond, "%s does not answer: %s", filepath.Base(bin), &logs)
}

const chromium = "/usr/bin/chromium"

// Config is what run.mjs reads (a 0600 file: it holds the test's dev keys, which the page
// gives the localnet wallet; the server never sees them).
type Config struct {
	URL       string `json:"url"`
	RPC       string `json:"rpc"`
	Out       string `json:"out"`
	OwnerKey  []int  `json:"owner_key"`
	RenterKey []int  `json:"renter_key"`
	Device    string `json:"device"`
	OwnerAddr string `json:"owner"`
	Renter    string `json:"renter"`
	Sig       string `json:"sig"`
	Hook      string `json:"hook"`   // a webhook URL the dashboard registers
	Oracle    string `json:"oracle"` // the gpunet-oracle the indexer names (/v1/oracles): the cloud console publishes the job's spec to its relay
}

func ints(k solana.PrivateKey) []int {
	out := make([]int, len(k))
	for i, b := range k {
		out[i] = int(b)
	}
	return out
}

func getJSON(t *testing.T, url string, out any) int {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	if res.StatusCode == http.StatusOK && out != nil {
		require.NoError(t, json.Unmarshal(body, out), string(body))
	}
	return res.StatusCode
}

// TestBrowser: every page loads without console errors in light and dark (screenshots under
// target/test-artifacts/web), the figures shown equal the API's, and the wallet flows through
// the localnet wallet (rent 2 devices, set asks, stake, claim, burn IO for IOSD) land on-chain
// and on the explorer.
func TestBrowser(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("no " + chromium + ": apt-get install chromium (scripts/install-deps.sh)")
	}
	root, err := filepath.Abs("../..")
	require.NoError(t, err)

	// The chain: the three programs as a wallet meets them, 24 epochs advanced so the provider
	// pool pays rewards.
	e := chaintest.New(t)
	prog := e.Network.Escrow
	e.InitForWallets(t)

	a1 := e.ActiveProvider(t, e.Keeper)
	a2 := e.ActiveProvider(t, e.Keeper)
	p := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO) // the dashboard's provider
	for i := range 2 {
		require.NoError(t, e.Send([]solana.PrivateKey{e.Oracles[i]}, chaintest.Must(e.Economy.SubmitRewards(e.Oracles[i].PublicKey(), p.Device, 40*chaintest.IO))))
	}
	renter := e.Funded(t)
	renterIOSD := e.TokenAccount(t, e.IOSDMint, renter.PublicKey(), 1_000*economy.IOSD)
	renterIO := e.TokenAccount(t, e.IOMint, renter.PublicKey(), 10*chaintest.IO)

	// The indexer as make dev runs it: gpunet-indexer built with the app embedded, ingesting at
	// confirmed commitment, the API, the webhooks and the app on one listener.
	bins := t.TempDir()
	bin := filepath.Join(bins, "gpunet-indexer")
	build := exec.Command("go", "build", "-tags", "webapp", "-o", bins+string(filepath.Separator),
		"github.com/gpunet/gpunet/cmd/gpunet-indexer", "github.com/gpunet/gpunet/cmd/gpunet-oracle")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	oracle := startRelay(t, filepath.Join(bins, "gpunet-oracle"), e)
	dbName, err := pgtest.Server().NewDatabase(context.Background())
	require.NoError(t, err)
	dsn := pgtest.Server().DSN(dbName)
	db, err := pg.Open(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(harness.Port(t)))
	url := "http://" + addr
	daemon(t, url+"/healthz", bin, "-listen", "127.0.0.1:0", "-api-listen", addr, "-url", e.Node.RPCURL, "-ws-url", e.Node.WSURL,
		"-database-url", dsn, "-commitment", "confirmed", "-oracles", oracle, "-alerts-allow-private", "-log-level", "warn")

	// Wait until the three devices are indexed.
	require.Eventually(t, func() bool {
		var s api.Stats
		return getJSON(t, url+"/v1/stats", &s) == 200 && s.Devices["active"] == 2 && s.Devices["probation"] == 1
	}, 60*time.Second, 200*time.Millisecond)
	var txs api.Page[api.Transaction]
	require.Equal(t, 200, getJSON(t, url+"/v1/transactions?limit=1", &txs))

	// Fresh prices last (they go stale within the economy's maximum age), then the economy
	// the page will show.
	published := time.Now().Unix() - 1
	for _, o := range e.Oracles[:2] {
		require.NoError(t, e.Send([]solana.PrivateKey{o}, chaintest.Must(e.Economy.SubmitPrice(o.PublicKey(), 2_000_000, 10_000, published))))
	}
	var eco api.Economy
	require.Eventually(t, func() bool {
		return getJSON(t, url+"/v1/economy", &eco) == 200 && eco.Price != nil
	}, 30*time.Second, 200*time.Millisecond, "no usable price indexed")
	lo, err := strconv.ParseUint(string(eco.Price.Lo), 10, 64)
	require.NoError(t, err)
	spread, err := strconv.ParseUint(string(eco.Price.Conf), 10, 64)
	require.NoError(t, err)
	minted, err := protocol.IOSDForIO(lo, spread, chaintest.IO) // what burning 1 IO gives
	require.NoError(t, err)
	artifacts := filepath.Join(root, "target", "test-artifacts", "web")
	require.NoError(t, os.MkdirAll(artifacts, 0o755))
	conf := Config{URL: url, RPC: e.Node.RPCURL, Out: artifacts, OwnerKey: ints(p.Owner), RenterKey: ints(renter),
		Device: p.Device.String(), OwnerAddr: p.Owner.PublicKey().String(), Renter: renter.PublicKey().String(), Sig: txs.Items[0].Signature,
		Hook: url + "/hooks/provider", Oracle: oracle}
	b, err := json.Marshal(conf)
	require.NoError(t, err)
	confPath := filepath.Join(t.TempDir(), "e2e.json")
	require.NoError(t, os.WriteFile(confPath, b, 0o600))

	cmd := exec.Command("node", filepath.Join(root, "web", "e2e", "run.mjs"), confPath)
	cmd.Dir = filepath.Join(root, "web")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	require.NoError(t, cmd.Run(), "run.mjs")

	// What the browser did, on-chain: job 1 of the renter funded for 1 h proposing the two
	// active devices, topped up by 1 h, then cancelled before any device accepted (a full
	// refund); the provider's stake up by 10 IO; its 40 IO of rewards paid; 1 IO burned for
	// IOSD at the usable price's low end; its webhook stored; asks visible on the explorer.
	j, err := prog.FetchJob(e.Ctx, e.Client, prog.JobAddress(renter.PublicKey(), 1))
	require.NoError(t, err)
	require.Equal(t, uint8(2), j.DeviceCount)
	require.Equal(t, []uint8{escrow.SlotLeft, escrow.SlotLeft}, []uint8{j.Slots[0].State, j.Slots[1].State}) // proposed, then released by the cancel
	require.ElementsMatch(t, []solana.PublicKey{a1.Device, a2.Device}, []solana.PublicKey{j.Slots[0].Device, j.Slots[1].Device})
	require.Equal(t, e.IOSDMint, j.Mint)
	require.Equal(t, escrow.JobCancelled, j.State)
	// its requirements: the spec jobrelay.SpecBody makes, with the renter's job key derived
	// from the wallet's signature (jobsecret.KeyFromSignature), as the page derived it
	jobAddr := prog.JobAddress(renter.PublicKey(), 1)
	sig, err := renter.Sign(jobsecret.WalletMessage(jobAddr))
	require.NoError(t, err)
	jk, err := jobsecret.KeyFromSignature(sig[:])
	require.NoError(t, err)
	_, hash, err := jobrelay.SpecBody(wire.JobSpec{Job: jobAddr, Class: "h100", Count: 2, Hours: 1, RenterKey: jk.Public()})
	require.NoError(t, err)
	require.Equal(t, hash, [32]byte(j.RequirementsHash))
	// and the page published that spec, signed by the renter's wallet, to the oracle's relay
	// on another origin (CORS): the board holds its exact bytes
	var board wire.JobBoard
	require.Equal(t, 200, getJSON(t, oracle+wire.JobsPath+jobAddr.String(), &board))
	require.NotNil(t, board.Spec)
	require.Equal(t, renter.PublicKey(), board.Spec.Signer)
	require.Equal(t, hash, sha256.Sum256(board.Spec.Body))
	require.Equal(t, int64(7200), j.DurationSecs)
	require.Equal(t, 2_010*chaintest.IO, e.Device(t, p).Stake)
	rec, err := e.Economy.FetchRewards(e.Ctx, e.Client, p.Device)
	require.NoError(t, err)
	require.Equal(t, 40*chaintest.IO, rec.Claimed)
	require.Equal(t, 9*chaintest.IO, e.TokenBalance(t, renterIO))
	require.Equal(t, 1_000*economy.IOSD+minted, e.TokenBalance(t, renterIOSD))
	var hooks int
	require.NoError(t, db.QueryRow(context.Background(), `SELECT count(*) FROM webhooks WHERE owner = $1 AND url = $2`, p.Owner.PublicKey().String(), conf.Hook).Scan(&hooks))
	require.Equal(t, 1, hooks)
	require.Eventually(t, func() bool {
		var d api.DeviceDetail
		return getJSON(t, url+"/v1/devices/"+p.Device.String(), &d) == 200 && string(d.AskIOSD) == "2500000"
	}, 30*time.Second, 200*time.Millisecond)
}
