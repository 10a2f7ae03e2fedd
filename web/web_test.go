package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/indexer/api"
	"github.com/gpunet/gpunet/web"
)

var update = flag.Bool("update", false, "rewrite web/openapi.json from the API's route table")

// server is the explorer API on a pool that never connects (pgxpool connects lazily): the
// document and the routing need no database.
// server is the explorer API with routes mounted beside it, as the daemon mounts the app.
func server(t *testing.T, mount ...func(fiber.Router)) *api.Server {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	srv, err := api.New(api.DefaultConfig(), api.Deps{Pool: pool, Mount: mount})
	require.NoError(t, err)
	return srv
}

// TestOpenAPICopy checks that web/openapi.json, which the app's TypeScript types are
// generated from (npm run types), is the document the API serves. After changing the API:
// go test ./web -run TestOpenAPICopy -update && npm --prefix web run types.
func TestOpenAPICopy(t *testing.T) {
	var doc bytes.Buffer
	require.NoError(t, json.Indent(&doc, server(t).Document(), "", "  "))
	doc.WriteByte('\n')
	if *update {
		require.NoError(t, os.WriteFile("openapi.json", doc.Bytes(), 0o644))
	}
	committed, err := os.ReadFile("openapi.json")
	require.NoError(t, err)
	require.Equal(t, doc.String(), string(committed),
		"web/openapi.json differs from the API's document: go test ./web -run TestOpenAPICopy -update && npm --prefix web run types")
}

// TestMount serves the app (web.Mount) beside the API on its fiber app: app paths (deep links included) get
// index.html, API paths the API's answers and problems.
func TestMount(t *testing.T) {
	srv := server(t, web.Mount, func(r fiber.Router) {
		r.Post("/v1/alerts/webhooks", func(c *fiber.Ctx) error { return c.SendStatus(http.StatusCreated) })
	})
	root := srv.App()
	index := string(web.Index())
	require.Contains(t, index, "<html")
	do := func(method, path string) (int, http.Header, string) {
		res, err := root.Test(httptest.NewRequest(method, path, nil), 5000)
		require.NoError(t, err)
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, res.Header, string(body)
	}
	for _, p := range []string{"/", "/devices", "/devices/9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin", "/jobs/x", "/provider", "/cloud?x=1", "/v1x"} {
		code, h, body := do(http.MethodGet, p)
		require.Equal(t, http.StatusOK, code, p)
		require.Equal(t, "text/html; charset=utf-8", h.Get("Content-Type"), p)
		require.Equal(t, "no-cache", h.Get("Cache-Control"), p)
		require.Equal(t, index, body, p)
	}
	code, h, body := do(http.MethodGet, "/v1/openapi.json")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "application/json", strings.Split(h.Get("Content-Type"), ";")[0])
	require.JSONEq(t, string(srv.Document()), body)

	for _, p := range []string{"/v1/nothing", "/v1", "/assets/missing.js"} {
		code, h, body = do(http.MethodGet, p)
		require.Equal(t, http.StatusNotFound, code, p)
		require.Equal(t, "application/problem+json", h.Get("Content-Type"), p)
		require.Contains(t, body, `"type":"`, p)
	}
	code, _, _ = do(http.MethodPost, "/devices")
	require.NotEqual(t, http.StatusOK, code)                // the app only answers GET and HEAD
	code, _, _ = do(http.MethodPost, "/v1/alerts/webhooks") // a route registered before the API's
	require.Equal(t, http.StatusCreated, code)
}
