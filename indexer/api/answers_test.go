package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/indexer/api"
	"github.com/gpunet/gpunet/indexer/decode"
)

// names maps the fixture's addresses back to their names.
var names = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{"d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8", "j1", "j2", "o1", "o2", "p1", "p2", "r1", "r2", "c1",
		"keeper", "oracle-1", "oracle-2", "cranker"} {
		m[key(n)] = n
	}
	for _, n := range []string{"tx1", "tx2", "tx3", "tx4", "tx5", "tx6"} {
		m[sig(n)] = n
	}
	return m
}()

// page is a list's page, its items by name (field f of each).
func page(t *testing.T, a answer, f string) ([]string, string) {
	t.Helper()
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	var p struct {
		Items      []map[string]any `json:"items"`
		NextCursor *string          `json:"next_cursor"`
	}
	require.NoError(t, json.Unmarshal(a.body, &p))
	out := []string{}
	for _, it := range p.Items {
		out = append(out, names[it[f].(string)])
	}
	if p.NextCursor == nil {
		return out, ""
	}
	return out, *p.NextCursor
}

// all pages through target with limit n, and returns every item by name.
func (c *client) all(t *testing.T, target string, n int, f string) []string {
	var out []string
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 20)
		u := target + "&limit=" + strconv.Itoa(n)
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		items, next := page(t, c.get(u), f)
		require.LessOrEqual(t, len(items), n)
		out = append(out, items...)
		if next == "" {
			return out
		}
		cursor = next
	}
}

func TestDevices(t *testing.T) {
	c := newClient(t, fixtureDB(t), testConfig(), api.Deps{})
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"?", []string{"d1", "d2", "d3", "d4", "d5", "d7", "d6", "d8"}}, // reputation, then address descending for d5/d7
		{"?status=active", []string{"d1", "d2", "d7", "d8"}},
		{"?class=h100&region=840", []string{"d1", "d3", "d4", "d5", "d6"}},
		{"?provider=" + key("o2"), []string{"d7", "d8"}},
		{"?provider=" + key("p2"), []string{"d7", "d8"}},
		{"?min_reputation=6000", []string{"d1", "d2", "d3", "d4"}},
		{"?class=rtx4090", []string{"d7"}},
		{"?status=hired&class=h100", []string{"d4"}},
		{"?sort=stake", []string{"d1", "d4", "d3", "d5", "d2", "d7", "d8", "d6"}},
		{"?sort=registered", []string{"d8", "d7", "d6", "d5", "d4", "d3", "d2", "d1"}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			want := tc.want
			if tc.query == "?" { // d5 and d7 tie on reputation 5000: the greater address first
				if key("d5") < key("d7") {
					want = []string{"d1", "d2", "d3", "d4", "d7", "d5", "d6", "d8"}
				}
			}
			if tc.query == "?sort=stake" && key("d7") < key("d8") {
				want = []string{"d1", "d4", "d3", "d5", "d2", "d8", "d7", "d6"}
			}
			items, next := page(t, c.get("/v1/devices"+tc.query), "address")
			require.Equal(t, want, items)
			require.Empty(t, next)
			for _, n := range []int{1, 3} { // every page size gives the same list
				require.Equal(t, want, c.all(t, "/v1/devices"+tc.query, n, "address"), "limit %d", n)
			}
		})
	}
	// sort=address pages in address order
	got := c.all(t, "/v1/devices?sort=address", 3, "address")
	require.Len(t, got, 8)
	for i := 1; i < len(got); i++ {
		require.Less(t, key(got[i-1]), key(got[i]))
	}
	// one device's fields, exactly
	a := c.get("/v1/devices?status=hired")
	require.JSONEq(t, `{"items":[{"address":"`+key("d4")+`","device_key":"`+key("key-d4")+`","provider":"`+key("p1")+`","owner":"`+key("o1")+`",
		"status":"hired","class":"h100","hardware_model":3,"gpu_count":8,"vram_gib":80,"region":840,"stake":"4000","reputation":6000,
		"benchmark_score":"800","proven_uptime_secs":"14400","challenges_passed":3,"challenges_failed":1,"slash_count":0,
		"current_job":"`+key("j1")+`","registered_at":"2026-01-01T00:03:00Z","slot":103}],"next_cursor":null}`, string(a.body))
}

// reasons are the names of a device's not-hireable reasons.
func reasons(t *testing.T, c *client, device string) (hireable any, out []string) {
	t.Helper()
	a := c.get("/v1/devices/" + device)
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	v := a.json(t)
	out = []string{}
	for _, r := range v["reasons"].([]any) {
		out = append(out, r.(map[string]any)["name"].(string))
	}
	return v["hireable"], out
}

func TestDeviceReasons(t *testing.T) {
	pool := fixtureDB(t)
	c := newClient(t, pool, testConfig(), api.Deps{})
	cases := []struct {
		device, status string
		want           []string
		paused         []string
	}{
		{"d1", "active", []string{}, []string{"ProgramPaused"}},
		{"d2", "active", []string{"StakeBelowMinimum"}, []string{"ProgramPaused", "StakeBelowMinimum"}},
		{"d3", "probation", []string{"DeviceNotHireable"}, []string{"ProgramPaused", "DeviceNotHireable"}},
		{"d4", "hired", []string{"DeviceNotHireable"}, []string{"ProgramPaused", "DeviceNotHireable"}},
		{"d5", "suspended", []string{"DeviceNotHireable"}, []string{"ProgramPaused", "DeviceNotHireable"}},
		{"d6", "deregistered", []string{"DeviceNotHireable", "StakeBelowMinimum"}, []string{"ProgramPaused", "DeviceNotHireable", "StakeBelowMinimum"}},
		{"d7", "active", []string{}, []string{"ProgramPaused"}},
		{"d8", "active", []string{"UnknownHardwareClass"}, []string{"ProgramPaused", "UnknownHardwareClass"}},
	}
	for _, tc := range cases {
		// by the Device account and by the device's key
		for _, k := range []string{key(tc.device), key("key-" + tc.device)} {
			hireable, got := reasons(t, c, k)
			require.Equal(t, tc.want, got, tc.device)
			require.Equal(t, len(tc.want) == 0, hireable, tc.device)
		}
		v := c.get("/v1/devices/" + key(tc.device)).json(t)
		require.Equal(t, tc.status, v["status"])
	}
	// the registry paused (as the ingest stores it: the account and the cursor that covers it):
	// every device is refused, ProgramPaused first
	rc := registryConfig(1)
	_, err := pool.Exec(context.Background(), "UPDATE accounts SET raw = $1 WHERE address = $2", raw(t, registry.Account_Config, rc), key("registry-config"))
	require.NoError(t, err)
	_, err = pool.Exec(context.Background(), "UPDATE ingest_cursors SET slot = 106, signature = $1 WHERE program = 'registry'", sig("pause"))
	require.NoError(t, err)
	for _, tc := range cases {
		hireable, got := reasons(t, c, key(tc.device))
		require.Equal(t, tc.paused, got, tc.device)
		require.Equal(t, false, hireable)
	}
	// a reason carries the program's code and message
	a := c.get("/v1/devices/" + key("d2"))
	r := a.json(t)["reasons"].([]any)[1].(map[string]any)
	require.Equal(t, float64(registry.ErrStakeBelowMinimum.Code), r["code"])
	require.Equal(t, registry.ErrStakeBelowMinimum.Msg, r["message"])
}

func TestDeviceHistory(t *testing.T) {
	c := newClient(t, fixtureDB(t), testConfig(), api.Deps{})
	d1 := c.get("/v1/devices/" + key("d1")).json(t)
	require.Equal(t, map[string]any{"paid": map[string]any{"io": "2700"}, "rewards_claimed": "500", "slashed": "0", "slash_reversed": "0",
		"proofs_counted": float64(1), "votes": float64(2)}, d1["earnings"])
	require.Equal(t, "2000", d1["ask_iosd"])
	require.Equal(t, "0", d1["ask_io"])
	var evs []string
	for _, e := range d1["events"].([]any) {
		evs = append(evs, e.(map[string]any)["name"].(string))
	}
	require.Equal(t, []string{"RewardsClaimed", "Settled", "ProofCounted", "ProofRecorded", "ProofRecorded"}, evs)
	jobs := d1["jobs"].([]any)
	require.Len(t, jobs, 1)
	require.Equal(t, map[string]any{"job": key("j2"), "slot_index": float64(0), "state": "completed", "slot_state": "left",
		"joined_at": "2026-01-01T06:00:00Z", "left_at": "2026-01-01T07:00:00Z", "paid_secs": "3600"}, jobs[0])
	d5 := c.get("/v1/devices/" + key("d5")).json(t)
	require.Equal(t, "300", d5["earnings"].(map[string]any)["slashed"])
	require.Equal(t, "100", d5["earnings"].(map[string]any)["slash_reversed"])
	require.Equal(t, float64(1), d5["pending_slashes"])
	require.Equal(t, []any{}, d5["oracles"])
}

func TestFigures(t *testing.T) {
	c := newClient(t, fixtureDB(t), testConfig(), api.Deps{})
	supply := `{"indexed":true,"io_minted":"500","io_burned":"1000","io_redeemed":"0","io_emitted":"20000","iosd_minted":"2000",
		"iosd_burned":"100","iosd_supply":"1900","rewards_claimed":"500","slash_burned":"50","fees_burned":{"io":"150"},
		"io_net_issued":"-700","emission_budget":"1000000000","supply_cap":"10000000000"}`
	classes := `[{"class":"rtx4090","active_devices":1,"min_ask_iosd":"1000","median_ask_iosd":"1000","min_ask_io":"3000","recent_jobs":0,"recent_avg_price":{}},
		{"class":"h100","active_devices":2,"min_ask_iosd":"1000","median_ask_iosd":"1000","min_ask_io":"0","recent_jobs":2,"recent_avg_price":{"io":"3000","iosd":"2000"}},
		{"class":"model 99","active_devices":1,"min_ask_iosd":"0","median_ask_iosd":"0","min_ask_io":"0","recent_jobs":0,"recent_avg_price":{}}]`
	stats := `{"slot":105,"devices":{"active":4,"deregistered":1,"hired":1,"probation":1,"suspended":1,"total":8},"providers":2,
		"gpus":{"h100":30,"model 99":1,"rtx4090":1},"throughput":"2800","clusters_open":1,"jobs_running":1,"supply":` + supply + `,"prices":` + classes + `}`
	for _, tc := range []struct{ path, want string }{
		{"/v1/stats", stats},
		{"/v1/supply", supply},
		{"/v1/prices", `{"classes":` + classes + `,"oracles":[{"oracle":"` + key("oracle-1") + `","price":"100","conf":"1","publish_time":1767261590},
			{"oracle":"` + key("oracle-2") + `","price":"101","conf":"2","publish_time":1767261580}]}`},
		{"/v1/economy", `{"indexed":true,"price":{"lo":"100","hi":"101","conf":"2"},"price_band_bps":500,
			"iosd_breaker":{"limit":"10000","taken":"3000","room":"7000","window_secs":3600},
			"io_breaker":{"limit":"5000","taken":"0","room":"5000","window_secs":3600},"next_epoch":3,"month":0,"month_emission":"600000","epoch_secs":3600}`},
		{"/v1/quote?class=h100&count=1&hours=2&max_price=5000", `{"explain":"6 devices of class h100: 1 in probation, 1 hired, 1 suspended, 1 deregistered, 1 staked below the minimum; 1 matching, 1 wanted",
			"considered":6,"matched":1,"enough":true,"exclusions":{"deregistered":1,"hired":1,"probation":1,"stake-below-minimum":1,"suspended":1},
			"devices":[{"address":"` + key("d1") + `","provider":"` + key("p1") + `","region":840,"tier":0,"reputation":9000,"throughput":"1000","ask":"2000","group":0}],
			"price":"2000","cost":{"jobs":1,"secs":7200,"deposit":"4000","payout":"3600","fee_treasury":"200","fee_burned":"200"}}`},
		{"/v1/quote?class=h100&count=2&hours=1&max_price=1500&region=276", `{"explain":"6 devices of class h100: 5 in other regions, 1 staked below the minimum; 0 matching, 2 wanted",
			"considered":6,"matched":0,"enough":false,"exclusions":{"other-region":5,"stake-below-minimum":1},"devices":[],"price":"0","cost":null}`},
		{"/v1/series/io_burned?from=1767225600&to=1767240000", `{"metric":"io_burned","step":"1h","from":1767225600,"to":1767240000,
			"points":[{"t":1767225600,"value":"0"},{"t":1767229200,"value":"0"},{"t":1767232800,"value":"1000"},{"t":1767236400,"value":"0"}]}`},
		{"/v1/series/proofs?from=1767225700&to=1767312000&step=1d", `{"metric":"proofs","step":"1d","from":1767225600,"to":1767312000,
			"points":[{"t":1767225600,"value":"1"}]}`},
		{"/v1/series/settled?from=1767225600&to=1767236400", `{"metric":"settled","step":"1h","from":1767225600,"to":1767236400,
			"points":[{"t":1767225600,"value":"0"},{"t":1767229200,"value":"2700"},{"t":1767232800,"value":"0"}]}`},
		{"/v1/healthz"[3:], `{"status":"ok","slot":105}`},
	} {
		a := c.get(tc.path)
		require.Equal(t, http.StatusOK, a.status, tc.path)
		require.JSONEq(t, tc.want, string(a.body), tc.path)
	}
}

func TestLists(t *testing.T) {
	c := newClient(t, fixtureDB(t), testConfig(), api.Deps{})
	for _, tc := range []struct {
		target, field string
		want          []string
	}{
		{"/v1/jobs?", "address", []string{"j1", "j2"}},
		{"/v1/jobs?state=running", "address", []string{"j1"}},
		{"/v1/jobs?renter=" + key("r2"), "address", []string{"j2"}},
		{"/v1/jobs?cluster=" + key("c1"), "address", []string{"j1"}},
		{"/v1/jobs?state=open", "address", []string{}},
		{"/v1/clusters?", "address", []string{"c1"}},
		{"/v1/clusters?renter=" + key("r2"), "address", []string{}},
		{"/v1/transactions?", "signature", []string{"tx6", "tx5", "tx4", "tx3", "tx2", "tx1"}},
		{"/v1/transactions?program=economy", "signature", []string{"tx5", "tx3"}},
		{"/v1/transactions?fee_payer=" + key("keeper"), "signature", []string{"tx4", "tx2"}},
		{"/v1/rewards?", "device", []string{"d1"}},
		{"/v1/rewards?device=" + key("d2"), "device", []string{}},
		{"/v1/epochs?", "signature", []string{"tx5", "tx5"}},
	} {
		items, next := page(t, c.get(tc.target), tc.field)
		require.Equal(t, tc.want, items, tc.target)
		require.Empty(t, next)
		if len(tc.want) > 0 {
			require.Equal(t, tc.want, c.all(t, tc.target, 1, tc.field), tc.target)
		}
	}
	epochs := c.get("/v1/epochs").json(t)["items"].([]any)
	require.Equal(t, float64(2), epochs[0].(map[string]any)["epoch"])
	require.Equal(t, float64(1), epochs[1].(map[string]any)["epoch"])

	p := c.get("/v1/providers/" + key("o1")).json(t)
	require.Equal(t, key("p1"), p["address"])
	require.Equal(t, "20000", p["total_stake"])
	require.Equal(t, map[string]any{"probation": float64(1), "active": float64(2), "hired": float64(1), "suspended": float64(1), "deregistered": float64(1)}, p["statuses"])
	require.Equal(t, float64(30), p["gpus"])
	require.Len(t, p["devices"], 6)
	require.Equal(t, key("o2"), c.get("/v1/providers/" + key("p2")).json(t)["owner"])

	j := c.get("/v1/jobs/" + key("j2")).json(t)
	require.Equal(t, "io", j["token"])
	require.Equal(t, "completed", j["state"])
	require.Equal(t, []any{map[string]any{"slot_index": float64(0), "device": key("d1"), "payout": key("payout-o1"), "state": "left",
		"joined_at": "2026-01-01T06:00:00Z", "left_at": "2026-01-01T07:00:00Z", "verified_secs": "3600", "paid_secs": "3600",
		"paid": "2700", "fee_treasury": "150", "fee_burned": "150"}}, j["slots"])
	var evs []string
	for _, e := range j["events"].([]any) {
		evs = append(evs, e.(map[string]any)["name"].(string))
	}
	require.Equal(t, []string{"FeeBurned", "Settled"}, evs)
	j1 := c.get("/v1/jobs/" + key("j1")).json(t)
	require.Equal(t, "running", j1["state"])
	require.Equal(t, "0", j1["slots"].([]any)[0].(map[string]any)["paid"])
}

// Without mints in Deps, the tokens are named by the registry's stored Config.
func TestTokensFromStoredConfig(t *testing.T) {
	srv, err := api.New(testConfig(), api.Deps{Pool: fixtureDB(t), Now: func() time.Time { return now }})
	require.NoError(t, err)
	for target, want := range map[string]string{"/v1/jobs/" + key("j2"): `"token":"io"`, "/v1/jobs/" + key("j1"): `"token":"iosd"`,
		"/v1/supply": `"fees_burned":{"io":"150"}`, "/v1/devices/" + key("d1"): `"paid":{"io":"2700"}`} {
		resp, err := srv.App().Test(httptest.NewRequest(http.MethodGet, target, nil), -1)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Contains(t, string(body), want, target)
	}
}

// The price over time comes from events alone: each job's price and time from JobCreated, its
// classes from DeviceAssigned and the devices' DeviceRegistered specs.
func TestPriceSeries(t *testing.T) {
	pool := fixtureDB(t)
	event := func(name string, at time.Time, evs ...any) {
		_, err := pool.Exec(context.Background(), `INSERT INTO transactions VALUES ($1, 200, $2, $3, NULL, '{}')`, sig(name), at, key("r1"))
		require.NoError(t, err)
		for p, e := range evs {
			data, err := decode.JSON(e)
			require.NoError(t, err)
			program := "escrow"
			if _, ok := e.(*registry.DeviceRegistered); ok {
				program = "registry"
			}
			_, err = pool.Exec(context.Background(), `INSERT INTO events (signature, position, slot, block_time, program, name, data) VALUES ($1, $2, 200, $3, $4, $5, $6)`,
				sig(name), p, at, program, strings.TrimPrefix(fmt.Sprintf("%T", e), "*"+program+"."), string(data))
			require.NoError(t, err)
		}
	}
	registered := func(device string, model uint32) *registry.DeviceRegistered {
		return &registry.DeviceRegistered{Device: pk(device), Spec: registry.DeviceSpec{HardwareModel: model}}
	}
	created := func(job, mint string, price uint64) *escrow.JobCreated {
		return &escrow.JobCreated{Job: pk(job), Mint: solana.MustPublicKeyFromBase58(mint), PricePerHour: price, DeviceCount: 1}
	}
	assigned := func(job, device string) *escrow.DeviceAssigned {
		return &escrow.DeviceAssigned{Job: pk(job), Device: pk(device)}
	}
	event("reg", t0, registered("d1", registry.ModelH100), registered("d7", registry.ModelRTX4090))
	event("p1", t0.Add(70*time.Minute), created("j1", iosdMint, 2000), assigned("j1", "d1"))
	// a job that hired both classes counts in both
	event("p2", t0.Add(100*time.Minute), created("j3", iosdMint, 4000), assigned("j3", "d1"), assigned("j3", "d7"))
	event("p3", t0.Add(125*time.Minute), created("j2", ioMint, 3000), assigned("j2", "d7"))
	// outside the window; and a device with no DeviceRegistered indexed: no class, not counted
	event("p4", t0.Add(5*time.Hour), created("j4", iosdMint, 9000), assigned("j4", "d1"))
	event("p5", t0.Add(10*time.Minute), created("j5", iosdMint, 9000), assigned("j5", "d9"))

	c := newClient(t, pool, testConfig(), api.Deps{})
	from, to := t0.Unix(), t0.Add(3*time.Hour).Unix()
	for _, tc := range []struct{ query, want string }{
		{"", fmt.Sprintf(`{"token":"iosd","step":"1h","from":%d,"to":%d,"classes":[
			{"class":"rtx4090","points":[{"t":%d,"jobs":1,"avg_price":"4000"}]},
			{"class":"h100","points":[{"t":%[3]d,"jobs":2,"avg_price":"3000"}]}]}`, from, to, from+3600)},
		{"&token=io", fmt.Sprintf(`{"token":"io","step":"1h","from":%d,"to":%d,"classes":[
			{"class":"rtx4090","points":[{"t":%d,"jobs":1,"avg_price":"3000"}]}]}`, from, to, from+7200)},
		{"&step=1d", fmt.Sprintf(`{"token":"iosd","step":"1d","from":%d,"to":%d,"classes":[
			{"class":"rtx4090","points":[{"t":%[1]d,"jobs":1,"avg_price":"4000"}]},
			{"class":"h100","points":[{"t":%[1]d,"jobs":2,"avg_price":"3000"}]}]}`, from, to)},
	} {
		a := c.get(fmt.Sprintf("/v1/prices/series?from=%d&to=%d%s", from, to, tc.query))
		require.Equal(t, http.StatusOK, a.status, string(a.body))
		require.JSONEq(t, tc.want, string(a.body), tc.query)
	}
}

// /v1/oracles names the oracles the indexer asks, for clients to find the job relays.
func TestOracles(t *testing.T) {
	pool := fixtureDB(t)
	for _, tc := range []struct {
		oracles []string
		want    string
	}{
		{nil, `{"urls":[]}`},
		{[]string{"http://127.0.0.1:8701", "https://oracle.example"}, `{"urls":["http://127.0.0.1:8701","https://oracle.example"]}`},
	} {
		a := newClient(t, pool, testConfig(), api.Deps{Oracles: tc.oracles}).get("/v1/oracles")
		require.Equal(t, http.StatusOK, a.status)
		require.JSONEq(t, tc.want, string(a.body))
	}
}
