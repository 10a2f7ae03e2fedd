package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"

	"github.com/gpunet/gpunet/internal/ratelimit"
)

// Config bounds what the API takes and how it answers.
type Config struct {
	// RateBurst requests a client address may make at once, then one per RateEvery; a
	// RateBurst of 0 turns the limit off.
	RateBurst int
	RateEvery time.Duration
	// MaxQuery is the longest query string taken, in bytes (longer: 414).
	MaxQuery int
	// Timeout bounds the database reads of one request (and an oracle's status read).
	Timeout time.Duration
	// CursorKey signs the pagination cursors (HMAC-SHA256); empty: a random key, so cursors
	// do not survive a restart.
	CursorKey []byte
	// AllowOrigins is the CORS Access-Control-Allow-Origin list ("*": any).
	AllowOrigins string
	// CacheEntries and CacheBytes bound the answers kept for the current ingest state (the
	// previous state's are kept too: at most twice CacheBytes in all, cache.go); CacheEntries
	// 0 turns the cache off.
	CacheEntries int
	CacheBytes   int
	// ProxyHeader is the header a trusted reverse proxy puts the client's address in (e.g.
	// X-Forwarded-For), which the rate limit then keys on; empty: the connection's address.
	// Set it only behind a proxy that overwrites it: clients can send any value.
	ProxyHeader string
}

// DefaultConfig is the API's configuration for a public listener.
func DefaultConfig() Config {
	return Config{RateBurst: 120, RateEvery: 50 * time.Millisecond, MaxQuery: 2048, Timeout: 5 * time.Second, AllowOrigins: "*", CacheEntries: 4096, CacheBytes: 64 << 20}
}

// Validate refuses a configuration the API cannot run with.
func (c *Config) Validate() error {
	switch {
	case c.RateBurst < 0 || (c.RateBurst > 0 && c.RateEvery <= 0):
		return fmt.Errorf("api config: rate limit %d per %s", c.RateBurst, c.RateEvery)
	case c.MaxQuery < 64:
		return fmt.Errorf("api config: max query %d bytes: want at least 64", c.MaxQuery)
	case c.CacheEntries < 0 || (c.CacheEntries > 0 && c.CacheBytes < 1<<16):
		return fmt.Errorf("api config: cache of %d entries, %d bytes: want at least 64 KiB", c.CacheEntries, c.CacheBytes)
	case c.Timeout <= 0:
		return fmt.Errorf("api config: timeout %s", c.Timeout)
	}
	return nil
}

// Deps is what the API reads.
type Deps struct {
	// Pool is the indexer's database (indexer/store's schema).
	Pool *pgxpool.Pool
	// Oracles are the base URLs of the oracles' public status APIs (e.g.
	// http://127.0.0.1:8701); /v1/devices/{key} shows each one's live view. None: no live view.
	Oracles []string
	// HTTP reads the oracles (nil: a client with Config.Timeout).
	HTTP *http.Client
	// Metrics registers gpunet_indexer_api_* and is what /metrics serves (nil: a registry
	// of the server's own).
	Metrics *prometheus.Registry
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Log takes the failures answered 5xx (nil: slog.Default()).
	Log *slog.Logger
	// Mount registers routes served beside the API's own (the Solana Actions, the alerts'
	// webhooks): before the API's CORS, validation and caching, which they do their own way,
	// and after its metrics and panic recovery, which they share. The document does not
	// describe them (their packages do).
	Mount []func(fiber.Router)
}

// Server is the explorer API.
type Server struct {
	cfg     Config
	deps    Deps
	app     *fiber.App
	doc     []byte // the OpenAPI document
	routes  []*route
	limiter *ratelimit.Limiter[string]
	cursors cursorSigner
	metrics *metrics
	cache   *cache
	flight  singleflight.Group
}

// New is the explorer API over deps.Pool: every route of the route table (routes.go) under
// the OpenAPI document it generates, with CORS, ETags, a per-address rate limit and
// problem+json errors.
func New(cfg Config, deps Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Pool == nil {
		return nil, errors.New("api: no database pool")
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	if deps.HTTP == nil {
		deps.HTTP = &http.Client{Timeout: cfg.Timeout}
	}
	if deps.Metrics == nil {
		deps.Metrics = prometheus.NewRegistry()
	}
	key := cfg.CursorKey
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("api: cursor key: %w", err)
		}
	}
	s := &Server{cfg: cfg, deps: deps, cursors: cursorSigner{key: key}}
	if cfg.RateBurst > 0 {
		s.limiter = ratelimit.New[string](cfg.RateBurst, cfg.RateEvery, ratelimit.MaxTracked)
	}
	if cfg.CacheEntries > 0 {
		s.cache = &cache{max: cfg.CacheEntries, maxBytes: cfg.CacheBytes}
	}
	m, err := newMetrics(deps.Metrics)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	s.routes = s.table()
	if err := compileRoutes(s.routes); err != nil {
		return nil, err
	}
	if s.doc, err = document(s.routes); err != nil {
		return nil, err
	}
	s.app = fiber.New(fiber.Config{
		ReadTimeout:           10 * time.Second,
		WriteTimeout:          10 * time.Second,
		IdleTimeout:           time.Minute,
		ReadBufferSize:        16 << 10,
		BodyLimit:             4 << 10,
		DisableStartupMessage: true,
		CaseSensitive:         true,
		StrictRouting:         true,
		ProxyHeader:           cfg.ProxyHeader,
		ErrorHandler:          s.fail,
	})
	s.app.Use(s.measure)
	s.app.Use(recover.New()) // a bug answers 503 (logged by fail) instead of ending the process
	for _, mount := range deps.Mount {
		mount(s.app)
	}
	s.app.Use(cors.New(cors.Config{AllowOrigins: cfg.AllowOrigins, AllowMethods: "GET,HEAD,OPTIONS",
		ExposeHeaders: "ETag,Retry-After", MaxAge: 86400}))
	s.app.Use(s.guard)
	s.app.Use(s.etag)
	for _, r := range s.routes {
		s.app.Get(r.fiberPath(), s.serve(r))
	}
	s.app.Use(func(c *fiber.Ctx) error {
		return problem(http.StatusNotFound, "not-found", "no such endpoint: "+c.Path())
	})
	return s, nil
}

// App is the fiber application (for app.Test and for mounting).
func (s *Server) App() *fiber.App { return s.app }

// Document is the OpenAPI 3.1 document the server serves at /v1/openapi.json.
func (s *Server) Document() []byte { return s.doc }

// Listen serves the API on addr (host:port) until Shutdown.
func (s *Server) Listen(addr string) error { return s.app.Listen(addr) }

// Serve serves the API on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(ln) }

// Shutdown stops taking requests and waits for those in flight until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }

// guard refuses what no route takes: a query string over the cap, a client over its rate.
func (s *Server) guard(c *fiber.Ctx) error {
	if c.Method() == fiber.MethodOptions {
		return c.Next()
	}
	if n := len(c.Request().URI().QueryString()); n > s.cfg.MaxQuery {
		return problem(http.StatusRequestURITooLong, "query-too-long",
			fmt.Sprintf("the query string is %d bytes; at most %d are taken", n, s.cfg.MaxQuery))
	}
	if s.limiter != nil && !s.limiter.Allow(c.IP(), s.deps.Now()) {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(s.cfg.RateEvery.Seconds()+0.999))))
		return problem(http.StatusTooManyRequests, "rate-limited", "too many requests from this address; retry later")
	}
	return c.Next()
}

// crcTable is CRC-32C, which amd64 and arm64 compute in hardware.
var crcTable = crc32.MakeTable(crc32.Castagnoli)

// etag gives a 200 answer a weak ETag (its length and CRC-32C) and answers 304 without a
// body when the request's If-None-Match names it.
func (s *Server) etag(c *fiber.Ctx) error {
	if err := c.Next(); err != nil {
		return err
	}
	if c.Response().StatusCode() != http.StatusOK {
		return nil
	}
	body := c.Response().Body()
	tag := make([]byte, 0, 32)
	tag = append(tag, `W/"`...)
	tag = strconv.AppendInt(tag, int64(len(body)), 16)
	tag = append(tag, '-')
	tag = strconv.AppendUint(tag, uint64(crc32.Checksum(body, crcTable)), 16)
	tag = append(tag, '"')
	if match := c.Request().Header.Peek(fiber.HeaderIfNoneMatch); len(match) > 0 && etagMatches(match, tag) {
		c.Context().ResetBody()
		c.Status(http.StatusNotModified)
		c.Response().Header.SetBytesV(fiber.HeaderETag, tag)
		return nil
	}
	c.Response().Header.SetBytesV(fiber.HeaderETag, tag)
	return nil
}

// etagMatches reports whether an If-None-Match list names tag (weakly: W/ is ignored on both).
func etagMatches(list, tag []byte) bool {
	tag = bytes.TrimPrefix(tag, []byte("W/"))
	for _, t := range bytes.Split(list, []byte(",")) {
		t = bytes.TrimPrefix(bytes.TrimSpace(t), []byte("W/"))
		if bytes.Equal(t, tag) || bytes.Equal(t, []byte("*")) {
			return true
		}
	}
	return false
}
