package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/indexer/api"
	"github.com/gpunet/gpunet/internal/wire"
)

func TestETagCacheAndCORS(t *testing.T) {
	c := newClient(t, fixtureDB(t), testConfig(), api.Deps{})
	for _, target := range []string{"/v1/stats", "/v1/devices?limit=2", "/v1/devices/" + key("d1"), "/v1/openapi.json"} {
		a := c.get(target, "Origin", "https://explorer.example")
		require.Equal(t, http.StatusOK, a.status)
		tag := a.header.Get("ETag")
		require.True(t, strings.HasPrefix(tag, `W/"`), tag)
		require.Equal(t, "*", a.header.Get("Access-Control-Allow-Origin"))
		require.Contains(t, a.header.Get("Cache-Control"), "public, max-age=")
		again := c.get(target, "If-None-Match", tag)
		require.Equal(t, http.StatusNotModified, again.status)
		require.Empty(t, again.body)
		other := c.get(target, "If-None-Match", `W/"1-1"`)
		require.Equal(t, http.StatusOK, other.status)
		require.Equal(t, a.body, other.body)
	}
	// a problem is never cached
	bad := c.get("/v1/devices?limit=0")
	require.Equal(t, "no-store", bad.header.Get("Cache-Control"))
	require.Empty(t, bad.header.Get("ETag"))
	// a CORS preflight
	req := httptest.NewRequest(http.MethodOptions, "/v1/devices", nil)
	req.Header.Set("Origin", "https://explorer.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	resp, err := c.srv.App().Test(req, -1)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"))
	require.Equal(t, "GET,HEAD,OPTIONS", resp.Header.Get("Access-Control-Allow-Methods"))
}

func TestCachedByIngestState(t *testing.T) {
	pool := fixtureDB(t)
	c := newClient(t, pool, testConfig(), api.Deps{})
	total := func() float64 { return c.get("/v1/stats").json(t)["devices"].(map[string]any)["total"].(float64) }
	require.Equal(t, float64(8), total())
	require.Len(t, c.all(t, "/v1/devices?", 3, "address"), 8)
	ctx := context.Background()
	_, err := pool.Exec(ctx, `INSERT INTO devices SELECT $1, $2, provider, owner, status, hardware_model, gpu_count, vram_gib, region, stake,
		reputation, benchmark_score, proven_uptime_secs, challenges_passed, challenges_failed, slash_count, NULL, registered_at, 106
		FROM devices WHERE address = $3`, key("d9"), key("key-d9"), key("d1"))
	require.NoError(t, err)
	require.Equal(t, float64(8), total(), "no cursor moved: the cached figures")
	require.Len(t, c.all(t, "/v1/devices?", 3, "address"), 8)
	// a stream behind the newest slot moves: the newest slot is the same, the state is not
	_, err = pool.Exec(ctx, `UPDATE ingest_cursors SET slot = 102, signature = $1 WHERE program = 'escrow'`, sig("escrow-next"))
	require.NoError(t, err)
	require.Equal(t, float64(9), total(), "a cursor moved: figures read again")
	require.Equal(t, float64(105), c.get("/v1/stats").json(t)["slot"])
	require.Len(t, c.all(t, "/v1/devices?", 3, "address"), 9)
}

func TestRateLimit(t *testing.T) {
	cfg := testConfig()
	cfg.RateBurst, cfg.RateEvery = 3, time.Hour
	c := newClient(t, fixtureDB(t), cfg, api.Deps{})
	for range 3 {
		require.Equal(t, http.StatusOK, c.get("/healthz").status)
	}
	a := c.get("/v1/stats")
	a.problem(t, http.StatusTooManyRequests, "rate-limited", "")
	require.Equal(t, "3600", a.header.Get("Retry-After"))
}

func TestMetrics(t *testing.T) {
	c := newClient(t, fixtureDB(t), testConfig(), api.Deps{})
	c.get("/v1/stats")
	c.get("/v1/devices?limit=0")
	c.get("/v1/devices/" + key("d1"))
	a := c.get("/metrics")
	require.Equal(t, http.StatusOK, a.status)
	body := string(a.body)
	require.Contains(t, body, `gpunet_indexer_api_requests_total{code="200",route="/v1/stats"} 1`)
	require.Contains(t, body, `gpunet_indexer_api_requests_total{code="400",route="/v1/devices"} 1`)
	require.Contains(t, body, `gpunet_indexer_api_requests_total{code="200",route="/v1/devices/:key"} 1`)
	require.Contains(t, body, `gpunet_indexer_api_request_seconds_count{route="/v1/stats"} 1`)
}

func TestOracleLiveView(t *testing.T) {
	var asked []string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"device":"x","submissions":[]}`))
	}))
	defer up.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	down.Close()
	c := newClient(t, fixtureDB(t), testConfig(), api.Deps{Oracles: []string{up.URL, down.URL}})
	v := c.get("/v1/devices/" + key("d1")).json(t)
	require.Equal(t, []string{wire.StatusPath + key("key-d1")}, asked)
	require.Equal(t, []any{
		map[string]any{"url": up.URL, "signer": "", "view": map[string]any{"device": "x", "submissions": []any{}}},
		map[string]any{"url": down.URL, "signer": "", "error": "unreachable"},
	}, v["oracles"])
}

func TestConfigValidate(t *testing.T) {
	require.NoError(t, func() *api.Config { c := api.DefaultConfig(); return &c }().Validate())
	pool := fixtureDB(t)
	for name, edit := range map[string]func(*api.Config){
		"negative burst":     func(c *api.Config) { c.RateBurst = -1 },
		"burst without rate": func(c *api.Config) { c.RateEvery = 0 },
		"tiny query cap":     func(c *api.Config) { c.MaxQuery = 10 },
		"no timeout":         func(c *api.Config) { c.Timeout = 0 },
		"tiny cache":         func(c *api.Config) { c.CacheBytes = 1000 },
		"negative cache":     func(c *api.Config) { c.CacheEntries = -1 },
	} {
		c := api.DefaultConfig()
		edit(&c)
		require.Error(t, c.Validate(), name)
		_, err := api.New(c, api.Deps{Pool: pool})
		require.Error(t, err, name)
	}
	_, err := api.New(api.DefaultConfig(), api.Deps{})
	require.EqualError(t, err, "api: no database pool")
}
