package api_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/mr-tron/base58"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/indexer/api"
)

func TestBadInput(t *testing.T) {
	c := newClient(t, fixtureDB(t), testConfig(), api.Deps{})
	// cursors of other lists, edited or forged
	_, devCursor := page(t, c.get("/v1/devices?limit=1"), "address")
	_, stakeCursor := page(t, c.get("/v1/devices?limit=1&sort=stake"), "address")
	_, jobCursor := page(t, c.get("/v1/jobs?limit=1"), "address")
	require.NotEmpty(t, devCursor)
	payload, mac, _ := strings.Cut(devCursor, ".")
	flipped := payload + "." + strings.Map(func(r rune) rune {
		if r == 'A' {
			return 'B'
		}
		return 'A'
	}, mac[:1]) + mac[1:]
	forged := "WyI5OTk5IiwiYWJjIl0.AAAAAAAAAAAAAAAAAAAAAA" // ["9999","abc"] with a made-up MAC
	long33 := base58.Encode(make([]byte, 33))              // base58, but 33 bytes
	unknown := solana.PublicKeyFromBytes(make([]byte, 32)).String()
	huge := strings.Repeat("a", 3000)

	for _, tc := range []struct {
		target string
		status int
		kind   string
		param  string
	}{
		// /v1/devices: every parameter
		{"/v1/devices?limit=0", 400, "bad-parameter", "limit"},
		{"/v1/devices?limit=201", 400, "bad-parameter", "limit"},
		{"/v1/devices?limit=ten", 400, "bad-parameter", "limit"},
		{"/v1/devices?limit=1.5", 400, "bad-parameter", "limit"},
		{"/v1/devices?limit=99999999999999999999", 400, "bad-parameter", "limit"},
		{"/v1/devices?limit=1&limit=2", 400, "bad-parameter", "limit"},
		{"/v1/devices?cursor=", 400, "bad-parameter", "cursor"},
		{"/v1/devices?cursor=not-a-cursor", 400, "bad-parameter", "cursor"},
		{"/v1/devices?cursor=" + url.QueryEscape(flipped), 400, "bad-parameter", "cursor"},
		{"/v1/devices?cursor=" + forged, 400, "bad-parameter", "cursor"},
		{"/v1/devices?cursor=" + jobCursor, 400, "bad-parameter", "cursor"},
		{"/v1/devices?sort=stake&cursor=" + devCursor, 400, "bad-parameter", "cursor"},
		{"/v1/devices?cursor=" + stakeCursor, 400, "bad-parameter", "cursor"},
		{"/v1/devices?status=flying", 400, "bad-parameter", "status"},
		{"/v1/devices?status=1", 400, "bad-parameter", "status"},
		{"/v1/devices?class=gtx1080", 400, "bad-parameter", "class"},
		{"/v1/devices?region=0", 400, "bad-parameter", "region"},
		{"/v1/devices?region=1000", 400, "bad-parameter", "region"},
		{"/v1/devices?region=us", 400, "bad-parameter", "region"},
		{"/v1/devices?provider=0OIl", 400, "bad-parameter", "provider"},
		{"/v1/devices?provider=" + long33, 400, "bad-parameter", "provider"},
		{"/v1/devices?min_reputation=10001", 400, "bad-parameter", "min_reputation"},
		{"/v1/devices?min_reputation=-1", 400, "bad-parameter", "min_reputation"},
		{"/v1/devices?sort=price", 400, "bad-parameter", "sort"},
		{"/v1/devices?page=2", 400, "bad-parameter", "page"},
		{"/v1/devices?" + huge, 414, "query-too-long", ""},
		{"/v1/devices?provider=" + huge, 414, "query-too-long", ""},
		// /v1/devices/{key}
		{"/v1/devices/xyz", 400, "bad-parameter", "key"},
		{"/v1/devices/" + long33, 400, "bad-parameter", "key"},
		{"/v1/devices/" + unknown, 404, "not-found", ""},
		{"/v1/devices/" + key("d1") + "?verbose=1", 400, "bad-parameter", "verbose"},
		// /v1/providers/{owner}
		{"/v1/providers/0", 400, "bad-parameter", "owner"},
		{"/v1/providers/" + unknown, 404, "not-found", ""},
		{"/v1/providers/" + key("d1"), 404, "not-found", ""},
		// /v1/jobs and /v1/jobs/{address}
		{"/v1/jobs?state=done", 400, "bad-parameter", "state"},
		{"/v1/jobs?renter=abc", 400, "bad-parameter", "renter"},
		{"/v1/jobs?cluster=" + long33, 400, "bad-parameter", "cluster"},
		{"/v1/jobs?limit=-5", 400, "bad-parameter", "limit"},
		{"/v1/jobs?cursor=" + devCursor, 400, "bad-parameter", "cursor"},
		{"/v1/jobs/" + strings.Repeat("1", 50), 400, "bad-parameter", "address"},
		{"/v1/jobs/" + unknown, 404, "not-found", ""},
		{"/v1/jobs/" + key("d1"), 404, "not-found", ""},
		// /v1/clusters, /v1/epochs, /v1/rewards
		{"/v1/clusters?renter=-", 400, "bad-parameter", "renter"},
		{"/v1/clusters?cursor=" + jobCursor, 400, "bad-parameter", "cursor"},
		{"/v1/epochs?limit=1000", 400, "bad-parameter", "limit"},
		{"/v1/epochs?cursor=" + devCursor, 400, "bad-parameter", "cursor"},
		{"/v1/epochs?device=" + key("d1"), 400, "bad-parameter", "device"},
		{"/v1/rewards?device=nope", 400, "bad-parameter", "device"},
		{"/v1/rewards?cursor=" + forged, 400, "bad-parameter", "cursor"},
		// the figures take no parameter
		{"/v1/stats?x=1", 400, "bad-parameter", "x"},
		{"/v1/supply?mint=io", 400, "bad-parameter", "mint"},
		{"/v1/prices?class=h100", 400, "bad-parameter", "class"},
		{"/v1/economy?at=1", 400, "bad-parameter", "at"},
		{"/healthz?deep=1", 400, "bad-parameter", "deep"},
		{"/v1/openapi.json?v=2", 400, "bad-parameter", "v"},
		// /v1/quote
		{"/v1/quote", 400, "bad-parameter", "class"},
		{"/v1/quote?class=h100&hours=1&max_price=1", 400, "bad-parameter", "count"},
		{"/v1/quote?class=h100&count=1&max_price=1", 400, "bad-parameter", "hours"},
		{"/v1/quote?class=h100&count=1&hours=1", 400, "bad-parameter", "max_price"},
		{"/v1/quote?class=h100&count=0&hours=1&max_price=1", 400, "bad-parameter", "count"},
		{"/v1/quote?class=h100&count=1025&hours=1&max_price=1", 400, "bad-parameter", "count"},
		{"/v1/quote?class=h100&count=1&hours=0&max_price=1", 400, "bad-parameter", "hours"},
		{"/v1/quote?class=h100&count=1&hours=1&max_price=0", 400, "bad-parameter", "max_price"},
		{"/v1/quote?class=h100&count=1&hours=1&max_price=-1", 400, "bad-parameter", "max_price"},
		{"/v1/quote?class=h100&count=1&hours=1&max_price=18446744073709551616", 400, "bad-parameter", "max_price"},
		{"/v1/quote?class=h100&count=1&hours=1&max_price=1e3", 400, "bad-parameter", "max_price"},
		{"/v1/quote?class=h100&count=1&hours=1&max_price=1&mint=btc", 400, "bad-parameter", "mint"},
		{"/v1/quote?class=h100&count=1&hours=1&max_price=1&tier=4", 400, "bad-parameter", "tier"},
		{"/v1/quote?class=h100&count=1&hours=1&max_price=1&region=-1", 400, "bad-parameter", "region"},
		{"/v1/quote?class=h100&count=1&hours=1&max_price=1&min_vram=lots", 400, "bad-parameter", "min_vram"},
		{"/v1/quote?class=x&count=1&hours=1&max_price=1", 400, "bad-parameter", "class"},
		// /v1/transactions
		{"/v1/transactions?program=system", 400, "bad-parameter", "program"},
		{"/v1/transactions?fee_payer=" + long33, 400, "bad-parameter", "fee_payer"},
		{"/v1/transactions?cursor=" + devCursor, 400, "bad-parameter", "cursor"},
		// /v1/series/{metric}
		{"/v1/series/gdp?from=0&to=3600", 400, "bad-parameter", "metric"},
		{"/v1/series/io_burned?to=3600", 400, "bad-parameter", "from"},
		{"/v1/series/io_burned?from=0", 400, "bad-parameter", "to"},
		{"/v1/series/io_burned?from=7200&to=3600", 400, "bad-parameter", "to"},
		{"/v1/series/io_burned?from=0&to=1099511627776", 400, "bad-parameter", "to"},
		{"/v1/series/io_burned?from=0&to=86400000", 400, "bad-parameter", "to"},
		{"/v1/series/io_burned?from=-1&to=3600", 400, "bad-parameter", "from"},
		{"/v1/series/io_burned?from=0&to=3600&step=1m", 400, "bad-parameter", "step"},
		{"/v1/series/io_burned?from=yesterday&to=3600", 400, "bad-parameter", "from"},
		// /v1/prices/series
		{"/v1/prices/series?from=0&to=3600&token=usd", 400, "bad-parameter", "token"},
		{"/v1/prices/series?to=3600", 400, "bad-parameter", "from"},
		{"/v1/prices/series?from=3600&to=3600", 400, "bad-parameter", "to"},
		{"/v1/prices/series?from=0&to=86400000", 400, "bad-parameter", "to"},
		// encodings and odd shapes
		{"/v1/devices/%ZZ", 400, "bad-parameter", "key"},
		{"/v1/devices/%00", 400, "bad-parameter", "key"},
		{"/v1/devices?limit=%ZZ", 400, "bad-parameter", "limit"},
		{"/v1/devices?limit=5%00", 400, "bad-parameter", "limit"},
		{"/v1/devices?status=%00", 400, "bad-parameter", "status"},
		{"/v1/devices?provider=%E2%82%AC", 400, "bad-parameter", "provider"},
		{"/v1/devices?limit", 400, "bad-parameter", "limit"},
		{"/v1/devices?limit=50&limit=", 400, "bad-parameter", "limit"},
		{"/v1/devices?=5", 400, "bad-parameter", ""},
		{"/v1/devices?cursor=" + strings.Repeat("A", 600) + ".AA", 400, "bad-parameter", "cursor"},
		{"/v1/devices/" + strings.Repeat("a", 5000), 400, "bad-parameter", "key"},
		// no such endpoint
		{"/v1/stats/", 404, "not-found", ""},
		{"/V1/STATS", 404, "not-found", ""},
		{"/v1/nodes", 404, "not-found", ""},
		{"/v2/stats", 404, "not-found", ""},
		{"/v1/devices/" + key("d1") + "/extra", 404, "not-found", ""},
	} {
		t.Run(tc.target[:min(len(tc.target), 80)], func(t *testing.T) {
			a := c.get(tc.target)
			a.problem(t, tc.status, tc.kind, tc.param)
			require.Less(t, len(a.body), 800, "a problem quotes at most a clipped value")
		})
	}
	// a request line and headers over the read buffer: fasthttp refuses it before any route, as
	// a problem too (on a real listener: app.Test hands the error back instead)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = c.srv.Serve(ln) }()
	t.Cleanup(func() { _ = c.srv.Shutdown(context.Background()) })
	resp, err := http.Get("http://" + ln.Addr().String() + "/v1/devices?" + strings.Repeat("b", 20<<10))
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	answer{status: resp.StatusCode, header: resp.Header, body: body}.problem(t, http.StatusRequestHeaderFieldsTooLarge, "request-too-large", "")
	// other methods
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		resp, err := c.srv.App().Test(httptest.NewRequest(m, "/v1/stats", strings.NewReader("{}")), -1)
		require.NoError(t, err)
		require.Less(t, resp.StatusCode, 500)
		require.Contains(t, []int{404, 405}, resp.StatusCode)
		require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
	}
}
