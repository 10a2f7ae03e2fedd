package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/indexer/api"
	"github.com/gpunet/gpunet/internal/pg/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// client is a server under test and its document's schemas, which every answer is checked
// against.
type client struct {
	t   *testing.T
	srv *api.Server
	doc map[string]any

	mu       sync.Mutex
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema
}

func newClient(t *testing.T, pool *pgxpool.Pool, cfg api.Config, deps api.Deps) *client {
	deps.Pool = pool
	if deps.Now == nil {
		deps.Now = func() time.Time { return now }
	}
	srv, err := api.New(cfg, deps)
	require.NoError(t, err)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(srv.Document()))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	require.NoError(t, c.AddResource("mem://openapi.json", doc))
	var plain map[string]any
	require.NoError(t, json.Unmarshal(srv.Document(), &plain))
	return &client{t: t, srv: srv, doc: plain, compiler: c, schemas: map[string]*jsonschema.Schema{}}
}

func testConfig() api.Config {
	cfg := api.DefaultConfig()
	cfg.RateBurst = 0
	cfg.CursorKey = []byte("test cursor key")
	return cfg
}

// answer is one response.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	var v map[string]any
	require.NoError(t, json.Unmarshal(a.body, &v), string(a.body))
	return v
}

// problem asserts a is the problem status/kind (and, when param is set, about param).
func (a answer) problem(t *testing.T, status int, kind, param string) {
	t.Helper()
	require.Equal(t, status, a.status, string(a.body))
	require.Equal(t, "application/problem+json", a.header.Get("Content-Type"))
	p := a.json(t)
	require.Equal(t, api.ProblemBase+kind, p["type"], string(a.body))
	require.Equal(t, float64(status), p["status"])
	require.Equal(t, http.StatusText(status), p["title"])
	if param != "" {
		require.Equal(t, param, p["param"], string(a.body))
	}
}

// get requests target and checks the answer against the document: the schema of the route
// it matched, for its status.
func (c *client) get(target string, header ...string) answer {
	c.t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.URL, req.RequestURI = &url.URL{Opaque: target}, target // sent as it is, even what url.Parse refuses (%ZZ)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.srv.App().Test(req, -1)
	require.NoError(c.t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	a := answer{status: resp.StatusCode, header: resp.Header, body: body}
	require.Less(c.t, a.status, 500, "a 5xx for %s: %s", target, body)
	c.check(target, a)
	return a
}

// check validates a's body against the document.
func (c *client) check(target string, a answer) {
	c.t.Helper()
	if a.status == http.StatusNotModified || a.status == http.StatusNoContent {
		require.Empty(c.t, a.body)
		return
	}
	path, _, _ := strings.Cut(target, "?")
	var ptr string
	if a.status >= 400 {
		ptr = "#/components/schemas/Problem"
	} else {
		route := c.route(path)
		require.NotEmpty(c.t, route, "no route of the document matches %s", path)
		if !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
			return // /metrics: text
		}
		ptr = "#/paths/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(route) + "/get/responses/200/content/application~1json/schema"
	}
	c.mu.Lock()
	s, ok := c.schemas[ptr]
	if !ok {
		var err error
		s, err = c.compiler.Compile("mem://openapi.json" + ptr)
		require.NoError(c.t, err, ptr)
		c.schemas[ptr] = s
	}
	c.mu.Unlock()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(a.body))
	require.NoError(c.t, err, string(a.body))
	require.NoError(c.t, s.Validate(v), "%s answered %s", target, a.body)
}

// route is the document's path that path matches.
func (c *client) route(path string) string {
	for p := range c.doc["paths"].(map[string]any) {
		re := "^" + regexp.MustCompile(`\\\{[a-z_]+\\\}`).ReplaceAllString(regexp.QuoteMeta(p), `[^/]+`) + "$"
		if regexp.MustCompile(re).MatchString(path) {
			return p
		}
	}
	return ""
}

func TestRoutesMatchDocument(t *testing.T) {
	c := newClient(t, fixtureDB(t), testConfig(), api.Deps{})
	var routed []string
	for _, r := range c.srv.App().GetRoutes(true) {
		if r.Method != http.MethodGet {
			continue
		}
		routed = append(routed, regexp.MustCompile(`:([a-z_]+)`).ReplaceAllString(r.Path, "{$1}"))
	}
	var documented []string
	for p, ops := range c.doc["paths"].(map[string]any) {
		for m := range ops.(map[string]any) {
			require.Equal(t, "get", m)
		}
		documented = append(documented, p)
	}
	sort.Strings(routed)
	sort.Strings(documented)
	require.Equal(t, documented, routed)
	require.Len(t, routed, 20)
	require.Equal(t, "3.1.0", c.doc["openapi"])
	// every parameter of the router's validation is the document's
	a := c.get("/v1/openapi.json")
	require.Equal(t, http.StatusOK, a.status)
	require.JSONEq(t, string(c.srv.Document()), string(a.body))
}
