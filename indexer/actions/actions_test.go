package actions_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/indexer/actions"
	"github.com/gpunet/gpunet/internal/candidates"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/protocol"
)

const io8 = economy.IO

// wallet is a client that behaves like a wallet: GET, POST {account}, sign what comes back,
// send it.
type wallet struct {
	t   *testing.T
	app *fiber.App
	e   *chaintest.Env
}

func (w wallet) do(method, path string, body any) (int, http.Header, []byte) {
	w.t.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(w.t, err)
		r = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := w.app.Test(req, -1)
	require.NoError(w.t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(w.t, err)
	return resp.StatusCode, resp.Header, out
}

// on is w reporting to t.
func (w wallet) on(t *testing.T) wallet { w.t = t; return w }

// post POSTs account to path and decodes the answer.
func (w wallet) post(path string, account solana.PublicKey) actions.PostResponse {
	w.t.Helper()
	status, _, body := w.do(http.MethodPost, path, actions.PostRequest{Account: account.String()})
	require.Equal(w.t, http.StatusOK, status, string(body))
	var resp actions.PostResponse
	require.NoError(w.t, json.Unmarshal(body, &resp))
	require.Equal(w.t, "transaction", resp.Type)
	return resp
}

// signAndSend signs the answer's transaction with key alone and lands it.
func (w wallet) signAndSend(resp actions.PostResponse, key solana.PrivateKey) {
	w.t.Helper()
	tx, err := chain.DecodeTransaction(resp.Transaction)
	require.NoError(w.t, err)
	require.Equal(w.t, key.PublicKey(), tx.Message.AccountKeys[0], "the fee payer is the account")
	absent, err := chain.Sign(tx, key)
	require.NoError(w.t, err)
	require.Empty(w.t, absent, "one wallet signature is all the transaction needs")
	_, err = w.e.Client.SendSigned(w.e.Ctx, tx)
	require.NoError(w.t, err)
}

// refused POSTs (or GETs, without account) and checks the exact problem.
func (w wallet) refused(method, path string, account string, status int, reason string) actions.Problem {
	w.t.Helper()
	var body any
	if method == http.MethodPost {
		body = actions.PostRequest{Account: account}
	}
	got, h, raw := w.do(method, path, body)
	require.Equal(w.t, status, got, string(raw))
	require.Equal(w.t, "application/problem+json", h.Get("Content-Type"))
	var p actions.Problem
	require.NoError(w.t, json.Unmarshal(raw, &p))
	require.Equal(w.t, reason, p.Reason)
	require.Equal(w.t, status, p.Status)
	require.Equal(w.t, p.Detail, p.Message)
	return p
}

// setUp deploys the three programs for a wallet (chaintest.InitForWallets) and serves the
// actions over them.
func setUp(t *testing.T) (*chaintest.Env, wallet) {
	e := chaintest.New(t)
	e.InitForWallets(t)

	cfg := actions.DefaultConfig()
	srv, err := actions.New(e.Network, candidates.Chain{Client: e.Client, Registry: e.Registry}, cfg)
	require.NoError(t, err)
	app := fiber.New()
	srv.Register(app)
	return e, wallet{t: t, app: app, e: e}
}

func TestActions(t *testing.T) {
	e, w := setUp(t)
	genesis, err := e.Client.GenesisHash(e.Ctx)
	require.NoError(t, err)
	chainID := "solana:" + genesis.String()[:32]

	t.Run("actions.json, headers and CORS", func(t *testing.T) {
		w := w.on(t)
		status, h, body := w.do(http.MethodGet, "/actions.json", nil)
		require.Equal(t, http.StatusOK, status)
		require.JSONEq(t, `{"rules":[{"pathPattern":"/devices/*/stake","apiPath":"/actions/stake/*"},{"pathPattern":"/devices/*/claim","apiPath":"/actions/claim/*"},{"pathPattern":"/rent","apiPath":"/actions/rent"},{"pathPattern":"/actions/**","apiPath":"/actions/**"}]}`, string(body))
		require.Equal(t, "*", h.Get("Access-Control-Allow-Origin"))
		require.Equal(t, actions.Version, h.Get("X-Action-Version"))
		require.Equal(t, chainID, h.Get("X-Blockchain-Ids"))
		status, h, _ = w.do(http.MethodOptions, "/actions/rent", nil)
		require.Equal(t, http.StatusNoContent, status)
		require.Equal(t, "GET,POST,PUT,OPTIONS", h.Get("Access-Control-Allow-Methods"))
		require.Equal(t, "X-Action-Version, X-Blockchain-Ids", h.Get("Access-Control-Expose-Headers"))
		require.Equal(t, chainID, h.Get("X-Blockchain-Ids"))
	})

	p := e.NewProvider(t, chaintest.H100, 5_000*io8, 2_000*io8)
	stranger := e.Funded(t)

	t.Run("stake", func(t *testing.T) {
		w := w.on(t)
		status, h, body := w.do(http.MethodGet, "/actions/stake/"+p.DeviceKey.PublicKey().String(), nil)
		require.Equal(t, http.StatusOK, status, string(body))
		require.Equal(t, chainID, h.Get("X-Blockchain-Ids"))
		var m actions.Metadata
		require.NoError(t, json.Unmarshal(body, &m))
		require.Equal(t, "action", m.Type)
		require.Equal(t, "https://gpunet.dev/icon.png", m.Icon)
		require.Equal(t, "Stake IO on device "+p.Device.String(), m.Title)
		require.Len(t, m.Links.Actions, 2)
		require.Equal(t, "/actions/stake/"+p.DeviceKey.PublicKey().String()+"?amount={amount}", m.Links.Actions[1].Href)
		require.Equal(t, "amount", m.Links.Actions[1].Parameters[0].Name)

		// By the Device address too; the owner signs alone.
		resp := w.post("/actions/stake/"+p.Device.String()+"?amount=100.5", p.Owner.PublicKey())
		require.Equal(t, "Stake 100.5 IO on device "+p.Device.String()+" (stake after: 2100.5 IO)", resp.Message)
		w.signAndSend(resp, p.Owner)
		require.Equal(t, 2_100*io8+io8/2, e.Device(t, p).Stake)
		require.Equal(t, 2_899*io8+io8/2, e.TokenBalance(t, p.Token))

		path := "/actions/stake/" + p.DeviceKey.PublicKey().String()
		pr := w.refused(http.MethodPost, path+"?amount=1", stranger.PublicKey().String(), 403, "not_owner")
		require.Equal(t, "device "+p.Device.String()+" belongs to "+p.Owner.PublicKey().String()+", not "+stranger.PublicKey().String()+": only its owner can stake on it", pr.Detail)
		pr = w.refused(http.MethodPost, path+"?amount=2899.50000001", p.Owner.PublicKey().String(), 422, "insufficient_funds")
		require.Equal(t, "insufficient_funds", pr.Reason)
		for _, amount := range []string{"0", "", "-1", "1e3", "1.123456789", "abc", "184467440737.09551616"} {
			w.refused(http.MethodPost, path+"?amount="+amount, p.Owner.PublicKey().String(), 400, "bad_parameter")
		}
		for _, acct := range []string{"", "0OIl", "1111", strings.Repeat("z", 60), "not a key"} {
			w.refused(http.MethodPost, path+"?amount=1", acct, 400, "bad_account")
		}
		w.refused(http.MethodPost, "/actions/stake/"+solana.NewWallet().PublicKey().String()+"?amount=1", p.Owner.PublicKey().String(), 404, "not_found")
		w.refused(http.MethodGet, "/actions/stake/xyz", "", 400, "bad_parameter")
		status, _, raw := w.do(http.MethodPost, path+"?amount=1", "{")
		require.Equal(t, 400, status, string(raw))
	})

	t.Run("claim rewards", func(t *testing.T) {
		w := w.on(t)
		path := "/actions/claim/" + p.DeviceKey.PublicKey().String()
		w.refused(http.MethodPost, path, stranger.PublicKey().String(), 422, "nothing_to_claim")
		status, _, body := w.do(http.MethodGet, path, nil)
		require.Equal(t, 200, status)
		var m actions.Metadata
		require.NoError(t, json.Unmarshal(body, &m))
		require.True(t, m.Disabled)
		require.Equal(t, "the oracles attested no rewards for this device yet", m.Error.Message)

		for i := range 2 {
			require.NoError(t, e.Send([]solana.PrivateKey{e.Oracles[i]}, chaintest.Must(e.Economy.SubmitRewards(e.Oracles[i].PublicKey(), p.Device, 40*io8))))
		}
		before := e.TokenBalance(t, p.Token)
		resp := w.post(path, stranger.PublicKey()) // anyone may pay the claim; the owner is paid
		require.Equal(t, "Claim 40 IO of rewards for device "+p.Device.String()+" to its owner's IO account "+p.Token.String(), resp.Message)
		w.signAndSend(resp, stranger)
		require.Equal(t, before+40*io8, e.TokenBalance(t, p.Token))
		record, err := e.Economy.FetchRewards(e.Ctx, e.Client, p.Device)
		require.NoError(t, err)
		require.Equal(t, 40*io8, record.Claimed)
		pr := w.refused(http.MethodPost, path, stranger.PublicKey().String(), 422, "nothing_to_claim")
		require.Equal(t, "all 40 IO attested are paid", pr.Detail)
	})

	t.Run("rent", func(t *testing.T) {
		w := w.on(t)
		status, _, body := w.do(http.MethodGet, "/actions/rent", nil)
		require.Equal(t, 200, status)
		var m actions.Metadata
		require.NoError(t, json.Unmarshal(body, &m))
		require.Len(t, m.Links.Actions[0].Parameters, 6)

		a := e.ActiveProvider(t, e.Keeper)
		renter := e.Funded(t)
		renterIOSD := e.TokenAccount(t, e.IOSDMint, renter.PublicKey(), 1_000*economy.IOSD)
		key := strings.Repeat("ab", 32)
		query := "/actions/rent?class=h100&count=1&hours=2&mint=iosd&maxPrice=1.5&renterKey=" + key
		resp := w.post(query, renter.PublicKey())
		w.signAndSend(resp, renter)

		job := e.Network.Escrow.JobAddress(renter.PublicKey(), 1)
		j, err := e.Network.Escrow.FetchJob(e.Ctx, e.Client, job)
		require.NoError(t, err)
		deposit, err := protocol.Cost(1_500_000, 1, 7200)
		require.NoError(t, err)
		require.Equal(t, uint64(3_000_000), deposit)
		require.Equal(t, deposit, j.Deposited)
		require.Equal(t, uint64(1_500_000), j.PricePerHour)
		require.Equal(t, int64(7200), j.DurationSecs)
		require.Equal(t, uint8(1), j.DeviceCount)
		require.Equal(t, uint8(1), j.SlotCount)
		require.Equal(t, a.Device, j.Slots[0].Device)
		require.Equal(t, escrow.SlotProposed, j.Slots[0].State)
		require.Equal(t, e.IOSDMint, j.Mint)
		require.Equal(t, sha256.Sum256(resp.Spec), [32]byte(j.RequirementsHash))
		require.JSONEq(t, `{"job":"`+job.String()+`","class":"h100","count":1,"hours":2,"renter_key":[`+strings.TrimSuffix(strings.Repeat("171,", 32), ",")+`]}`, string(resp.Spec))
		require.Equal(t, 1_000*economy.IOSD-deposit, e.TokenBalance(t, renterIOSD))
		require.Equal(t, "inline", resp.Links.Next.Type)
		require.Equal(t, "completed", resp.Links.Next.Action.Type)
		require.Contains(t, resp.Message, "Create job 1 ("+job.String()+"): 1 x h100 for 2 h at 1.5 IOSD per device-hour, deposit 3 IOSD, proposing 1 devices.")

		pr := w.refused(http.MethodPost, strings.Replace(query, "count=1", "count=2", 1), renter.PublicKey().String(), 422, "no_match")
		require.Equal(t, "2 devices of class h100: 1 in probation; 1 matching, 2 wanted", pr.Detail)
		for _, q := range []string{
			"class=h900&count=1&hours=2&maxPrice=1&renterKey=" + key,
			"class=h100&count=0&hours=2&maxPrice=1&renterKey=" + key,
			"class=h100&count=17&hours=2&maxPrice=1&renterKey=" + key,
			"class=h100&count=1&hours=0&maxPrice=1&renterKey=" + key,
			"class=h100&count=1&hours=9000&maxPrice=1&renterKey=" + key,
			"class=h100&count=1&hours=2&maxPrice=0&renterKey=" + key,
			"class=h100&count=1&hours=2&maxPrice=1.0000001&renterKey=" + key,
			"class=h100&count=1&hours=2&maxPrice=1&mint=sol&renterKey=" + key,
			"class=h100&count=1&hours=2&maxPrice=1&renterKey=" + key[:62],
			"class=h100&count=1&hours=2&maxPrice=1&renterKey=" + strings.ToUpper(key),
			"class=h100&count=1&hours=2&maxPrice=1",
		} {
			w.refused(http.MethodPost, "/actions/rent?"+q, renter.PublicKey().String(), 400, "bad_parameter")
		}
		poor := e.Funded(t)
		pr = w.refused(http.MethodPost, "/actions/rent?class=h100&count=1&hours=2&maxPrice=1&renterKey="+hex.EncodeToString(make([]byte, 32)), poor.PublicKey().String(), 422, "insufficient_funds")
		iosd, _, err := solana.FindAssociatedTokenAddress(poor.PublicKey(), e.IOSDMint)
		require.NoError(t, err)
		require.Equal(t, "the deposit is 2 IOSD; your IOSD account "+iosd.String()+" holds 0", pr.Detail)
	})
}

func TestAmounts(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint64
	}{{"1", io8}, {"0.00000001", 1}, {"100.5", 100*io8 + io8/2}, {"184467440737.09551615", 18446744073709551615}} {
		got, err := actions.ParseAmount(c.in, economy.IODecimals)
		require.NoError(t, err, c.in)
		require.Equal(t, c.want, got, c.in)
		require.Equal(t, strings.TrimSuffix(strings.TrimRight(c.in, "0"), "."), actions.FormatAmount(got, economy.IODecimals))
	}
}
