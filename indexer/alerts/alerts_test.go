package alerts_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/indexer/alerts"
	"github.com/gpunet/gpunet/indexer/store"
	"github.com/gpunet/gpunet/internal/pg/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// db is a fresh database with the indexer's migrations.
func db(t *testing.T) *pgxpool.Pool {
	pool := pgtest.DB(t)
	v, err := store.Migrate(context.Background(), pool)
	require.NoError(t, err)
	require.Equal(t, int32(2), v)
	return pool
}

// provider inserts an indexed provider of owner with one device and returns the device's
// address and key.
func provider(t *testing.T, pool *pgxpool.Pool, owner solana.PublicKey) (device, key solana.PublicKey) {
	ctx := context.Background()
	device, key, prov := solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey()
	_, err := pool.Exec(ctx, `INSERT INTO providers (address, owner, total_stake, device_count, metadata_uri, created_at, slot) VALUES ($1, $2, 0, 1, '', now(), 1)`, prov.String(), owner.String())
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO devices (address, device_key, provider, owner, status, hardware_model, gpu_count, vram_gib, region, stake, reputation,
		benchmark_score, proven_uptime_secs, challenges_passed, challenges_failed, slash_count, registered_at, slot)
		VALUES ($1, $2, $3, $4, 1, 4, 1, 80, 276, 200000000000, 10000, 0, 0, 0, 0, 0, now(), 1)`, device.String(), key.String(), prov.String(), owner.String())
	require.NoError(t, err)
	return device, key
}

type api struct {
	t   *testing.T
	app *fiber.App
}

func (a api) do(method, path string, body any) (int, []byte) {
	a.t.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(a.t, err)
		r = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.app.Test(req, -1)
	require.NoError(a.t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(a.t, err)
	return resp.StatusCode, out
}

// refused checks the exact problem.
func (a api) refused(method, path string, body any, status int, reason, detail string) {
	a.t.Helper()
	got, raw := a.do(method, path, body)
	require.Equal(a.t, status, got, string(raw))
	var p alerts.Problem
	require.NoError(a.t, json.Unmarshal(raw, &p))
	require.Equal(a.t, reason, p.Reason, string(raw))
	require.Equal(a.t, status, p.Status)
	if detail != "" {
		require.Equal(a.t, detail, p.Detail)
	}
}

func signed(key solana.PrivateKey, url string, events []string, ts int64) alerts.RegisterRequest {
	sig, err := key.Sign(alerts.RegisterMessage(key.PublicKey(), url, events, ts))
	if err != nil {
		panic(err)
	}
	return alerts.RegisterRequest{Owner: key.PublicKey().String(), URL: url, Events: events, Timestamp: ts, Signature: sig.String()}
}

func signedQuery(key solana.PrivateKey, msg []byte, ts int64) string {
	sig, err := key.Sign(msg)
	if err != nil {
		panic(err)
	}
	return "owner=" + key.PublicKey().String() + "&timestamp=" + strconv.FormatInt(ts, 10) + "&signature=" + sig.String()
}

func TestRegistration(t *testing.T) {
	pool := db(t)
	cfg := alerts.DefaultConfig()
	cfg.MaxWebhooks = 2
	s, err := alerts.New(pool, cfg, nil, nil)
	require.NoError(t, err)
	app := fiber.New()
	s.Register(app)
	a := api{t, app}
	owner := solana.NewWallet().PrivateKey
	provider(t, pool, owner.PublicKey())
	now := time.Now().Unix()
	const path = "/v1/alerts/webhooks"
	events := []string{alerts.EventSlashed, alerts.EventOffline}

	status, raw := a.do("POST", path, signed(owner, "https://hooks.example/gpunet", events, now))
	require.Equal(t, 201, status, string(raw))
	var w alerts.Webhook
	require.NoError(t, json.Unmarshal(raw, &w))
	require.Equal(t, []string{"device.offline", "device.slashed"}, w.Events)
	secret, err := hex.DecodeString(w.Secret)
	require.NoError(t, err)
	require.Len(t, secret, 32)
	var stored []byte
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT secret FROM webhooks WHERE id = $1`, w.ID).Scan(&stored))
	require.Equal(t, secret, stored)

	// Refusals, each exact.
	a.refused("POST", path, signed(owner, "https://hooks.example/gpunet", events, now), 409, "replayed", "this signed request was already taken: sign a new one")
	a.refused("POST", path, signed(owner, "https://hooks.example/gpunet", events, now+1), 409, "conflict", owner.PublicKey().String()+" already has a webhook at this URL: delete it first")
	a.refused("POST", path, signed(owner, "http://hooks.example/x", events, now), 400, "bad_parameter", `url "http://hooks.example/x": want https`)
	a.refused("POST", path, signed(owner, "https://10.1.2.3/x", events, now), 400, "bad_parameter", `url "https://10.1.2.3/x": not a public address`)
	a.refused("POST", path, signed(owner, "https://127.0.0.1:8080/x", events, now), 400, "bad_parameter", `url "https://127.0.0.1:8080/x": not a public address`)
	a.refused("POST", path, signed(owner, "https://localhost/x", events, now), 400, "bad_parameter", `url "https://localhost/x": not a public host`)
	for _, u := range []string{"https://[::ffff:127.0.0.1]/x", "https://100.64.1.1/x", "https://0.1.2.3/x", "https://[fd00::1]/x", "https://169.254.169.254/x"} {
		a.refused("POST", path, signed(owner, u, events, now), 400, "bad_parameter", fmt.Sprintf("url %q: not a public address", u))
	}
	a.refused("POST", path, signed(owner, "https://u:p@hooks.example/x", events, now), 400, "bad_parameter", `url "https://u:p@hooks.example/x": no credentials or fragment`)
	a.refused("POST", path, signed(owner, "hooks.example", events, now), 400, "bad_parameter", `url "hooks.example": want an absolute https URL`)
	a.refused("POST", path, signed(owner, "https://hooks.example/y", nil, now), 400, "bad_parameter", "events: want at least one of device.offline, device.unhealthy, device.slashed")
	a.refused("POST", path, signed(owner, "https://hooks.example/y", []string{"device.exploded"}, now), 400, "bad_parameter", `event "device.exploded": want one of device.offline, device.unhealthy, device.slashed`)
	a.refused("POST", path, signed(owner, "https://hooks.example/y", []string{alerts.EventSlashed, alerts.EventSlashed}, now), 400, "bad_parameter", `event "device.slashed" twice`)
	a.refused("POST", path, signed(owner, "https://hooks.example/y", events, now-600), 400, "stale", "timestamp "+strconv.FormatInt(now-600, 10)+" is 10m0s from the server's clock; the window is 5m0s")
	forged := signed(solana.NewWallet().PrivateKey, "https://hooks.example/y", events, now)
	forged.Owner = owner.PublicKey().String()
	a.refused("POST", path, forged, 401, "bad_signature", "the signature is not the owner's over the canonical message")
	tampered := signed(owner, "https://hooks.example/y", events, now)
	tampered.URL = "https://attacker.example/y"
	a.refused("POST", path, tampered, 401, "bad_signature", "the signature is not the owner's over the canonical message")
	bad := signed(owner, "https://hooks.example/y", events, now)
	bad.Signature = "xyz"
	a.refused("POST", path, bad, 401, "bad_signature", "signature: want the base58 ed25519 signature of the canonical message")
	bad.Owner = "not-a-key"
	a.refused("POST", path, bad, 400, "bad_parameter", `owner "not-a-key": want a base58 public key`)
	a.refused("POST", path, "[1,2]", 400, "bad_request", "")
	stranger := solana.NewWallet().PrivateKey
	a.refused("POST", path, signed(stranger, "https://hooks.example/y", events, now), 403, "not_a_provider", stranger.PublicKey().String()+" has no registered provider (as indexed)")
	status, _ = a.do("POST", path, signed(owner, "https://hooks.example/2", events, now))
	require.Equal(t, 201, status)
	a.refused("POST", path, signed(owner, "https://hooks.example/3", events, now), 409, "too_many", owner.PublicKey().String()+" has 2 webhooks, the most one owner may have")

	// List (no secrets) and delete, signed likewise.
	status, raw = a.do("GET", path+"?"+signedQuery(owner, alerts.ListMessage(owner.PublicKey(), now), now), nil)
	require.Equal(t, 200, status, string(raw))
	var list struct{ Webhooks []alerts.Webhook }
	require.NoError(t, json.Unmarshal(raw, &list))
	require.Len(t, list.Webhooks, 2)
	require.Equal(t, "https://hooks.example/gpunet", list.Webhooks[0].URL)
	require.Empty(t, list.Webhooks[0].Secret)
	a.refused("GET", path+"?"+signedQuery(stranger, alerts.ListMessage(owner.PublicKey(), now), now)[:0]+"owner="+owner.PublicKey().String()+"&timestamp=abc", nil, 400, "bad_parameter", `timestamp "abc": want unix seconds`)
	del := path + "/" + strconv.FormatInt(w.ID, 10) + "?"
	a.refused("DELETE", del+signedQuery(stranger, alerts.DeleteMessage(stranger.PublicKey(), w.ID, now), now), nil, 404, "not_found", stranger.PublicKey().String()+" has no webhook "+strconv.FormatInt(w.ID, 10))
	a.refused("DELETE", del+signedQuery(owner, alerts.DeleteMessage(owner.PublicKey(), w.ID+1, now), now), nil, 401, "bad_signature", "")
	a.refused("DELETE", path+"/0?"+signedQuery(owner, alerts.DeleteMessage(owner.PublicKey(), 0, now), now), nil, 400, "bad_parameter", `webhook id "0": want a positive integer`)
	status, _ = a.do("DELETE", del+signedQuery(owner, alerts.DeleteMessage(owner.PublicKey(), w.ID, now), now), nil)
	require.Equal(t, 204, status)
	var n int
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM webhooks WHERE owner = $1`, owner.PublicKey().String()).Scan(&n))
	require.Equal(t, 1, n)

	// The signatures taken are remembered while their timestamps are in the window, then
	// pruned: a replay is refused as stale from then on.
	taken := func() (n int) {
		require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM webhook_requests`).Scan(&n))
		return n
	}
	require.NoError(t, s.Prune(context.Background()))
	require.Equal(t, 8, taken())
	later := time.Unix(now+1, 0).Add(cfg.Window)
	s.Now = func() time.Time { return later }
	require.NoError(t, s.Prune(context.Background()))
	require.Equal(t, 1, taken()) // the one at now+1 is still in the window
	s.Now = func() time.Time { return later.Add(time.Second) }
	require.NoError(t, s.Prune(context.Background()))
	require.Equal(t, 0, taken())
	a.refused("POST", path, signed(owner, "https://hooks.example/gpunet", events, now), 400, "stale", "timestamp "+strconv.FormatInt(now, 10)+" is 5m2s from the server's clock; the window is 5m0s")
}

// receiver is a webhook endpoint answering the statuses queued, then 200.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	got      []received
}

type received struct {
	header http.Header
	body   []byte
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, received{req.Header.Clone(), body})
	status := 200
	if len(r.statuses) > 0 {
		status, r.statuses = r.statuses[0], r.statuses[1:]
	}
	w.WriteHeader(status)
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

type prober map[solana.PublicKey]alerts.Health

func (p prober) Probe(_ context.Context, key solana.PublicKey) (alerts.Health, error) {
	return p[key], nil
}

type delivery struct {
	Key       string
	Attempts  int
	NextAt    time.Time
	Delivered bool
	Failed    bool
}

func deliveries(t *testing.T, pool *pgxpool.Pool) []delivery {
	rows, err := pool.Query(context.Background(), `SELECT key, attempts, next_at, delivered_at IS NOT NULL, failed_at IS NOT NULL FROM alert_deliveries ORDER BY id`)
	require.NoError(t, err)
	var out []delivery
	for rows.Next() {
		var d delivery
		require.NoError(t, rows.Scan(&d.Key, &d.Attempts, &d.NextAt, &d.Delivered, &d.Failed))
		out = append(out, d)
	}
	require.NoError(t, rows.Err())
	return out
}

func TestDelivery(t *testing.T) {
	ctx := context.Background()
	pool := db(t)
	health := prober{}
	cfg := alerts.DefaultConfig()
	cfg.AllowPrivate = true
	cfg.Attempts = 3
	s, err := alerts.New(pool, cfg, health, nil)
	require.NoError(t, err)
	t0 := time.Now().Add(time.Minute).Truncate(time.Second)
	clock := t0
	s.Now = func() time.Time { return clock }
	app := fiber.New()
	s.Register(app)
	a := api{t, app}

	rec := &receiver{statuses: []int{500}}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	owner := solana.NewWallet().PrivateKey
	device, key := provider(t, pool, owner.PublicKey())
	status, raw := a.do("POST", "/v1/alerts/webhooks", signed(owner, srv.URL+"/hook", []string{alerts.EventSlashed, alerts.EventOffline}, t0.Unix()))
	require.Equal(t, 201, status, string(raw))
	var w alerts.Webhook
	require.NoError(t, json.Unmarshal(raw, &w))
	secret, _ := hex.DecodeString(w.Secret)

	// A DeviceSlashed event indexed after the registration.
	sig := solana.Signature{1, 2, 3}.String()
	_, err = pool.Exec(ctx, `INSERT INTO transactions (signature, slot, block_time, fee_payer, instructions) VALUES ($1, 500, $2, $3, '{registry.slash}')`, sig, t0, owner.PublicKey().String())
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO events (signature, position, slot, block_time, program, name, data) VALUES ($1, 0, 500, $2, 'registry', 'DeviceSlashed', $3)`,
		sig, t0, `{"device":"`+device.String()+`","amount":100000000000,"offence":1}`)
	require.NoError(t, err)
	require.NoError(t, s.Detect(ctx))
	require.NoError(t, s.Detect(ctx)) // again: nothing new
	slashKey := "device.slashed:" + sig + ":0"
	require.Equal(t, []delivery{{Key: slashKey, NextAt: t0}}, deliveries(t, pool))

	// The first POST gets a 500: retried after the backoff, not before.
	n, err := s.Deliver(ctx)
	require.NoError(t, err)
	require.Equal(t, 0, n)
	require.Equal(t, []delivery{{Key: slashKey, Attempts: 1, NextAt: t0.Add(cfg.Backoff)}}, deliveries(t, pool))
	n, err = s.Deliver(ctx)
	require.NoError(t, err)
	require.Equal(t, 0, n)
	require.Len(t, rec.requests(), 1)
	clock = t0.Add(cfg.Backoff)
	n, err = s.Deliver(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, []delivery{{Key: slashKey, Attempts: 2, NextAt: t0.Add(cfg.Backoff).Add(2 * cfg.Timeout), Delivered: true}}, deliveries(t, pool))

	got := rec.requests()
	require.Len(t, got, 2)
	for i, r := range got {
		require.Equal(t, slashKey, r.header.Get(alerts.HeaderIdempotencyKey))
		require.Equal(t, "device.slashed", r.header.Get(alerts.HeaderEvent))
		require.Equal(t, strconv.FormatInt(w.ID, 10), r.header.Get(alerts.HeaderWebhook))
		at := []time.Time{t0, t0.Add(cfg.Backoff)}[i]
		require.Equal(t, strconv.FormatInt(at.Unix(), 10), r.header.Get(alerts.HeaderTimestamp))
		require.NoError(t, alerts.Verify(secret, r.header, r.body, at, 5*time.Minute))
		require.Equal(t, got[0].body, r.body)
	}
	require.ErrorIs(t, alerts.Verify(secret, got[0].header, append([]byte(" "), got[0].body...), t0, 5*time.Minute), alerts.ErrBadSignature)
	require.ErrorIs(t, alerts.Verify([]byte("another secret"), got[0].header, got[0].body, t0, 5*time.Minute), alerts.ErrBadSignature)
	require.ErrorIs(t, alerts.Verify(secret, got[0].header, got[0].body, t0.Add(6*time.Minute), 5*time.Minute), alerts.ErrStale)
	var p alerts.Payload
	require.NoError(t, json.Unmarshal(got[0].body, &p))
	require.Equal(t, alerts.Payload{ID: slashKey, Event: "device.slashed", Owner: owner.PublicKey().String(), Device: device.String(), DeviceKey: key.String(),
		OccurredAt: t0.UTC(), Data: json.RawMessage(`{"amount":100000000000,"device":"` + device.String() + `","offence":1}`)}, p)

	// Offline from the oracles: one alert per change to offline, none for unhealthy (not
	// subscribed); five 503s: the first is given up after cfg.Attempts, the second lands on its third.
	rec.mu.Lock()
	rec.statuses = []int{503, 503, 503, 503, 503}
	rec.mu.Unlock()
	health[key] = alerts.Health{Known: true, Offline: true, Unhealthy: true}
	require.NoError(t, s.Detect(ctx))
	require.NoError(t, s.Detect(ctx))
	health[key] = alerts.Health{Known: true}
	require.NoError(t, s.Detect(ctx))
	health[key] = alerts.Health{Known: true, Offline: true}
	require.NoError(t, s.Detect(ctx))
	off1, off2 := "device.offline:"+device.String()+":1", "device.offline:"+device.String()+":2"
	require.Equal(t, []delivery{{Key: off1, NextAt: clock}, {Key: off2, NextAt: clock}}, deliveries(t, pool)[1:])
	c := clock
	for i, wait := range []time.Duration{0, cfg.Backoff, 2 * cfg.Backoff} {
		clock = clock.Add(wait)
		n, err := s.Deliver(ctx)
		require.NoError(t, err)
		require.Equal(t, []int{0, 0, 1}[i], n)
	}
	end := c.Add(3 * cfg.Backoff).Add(2 * cfg.Timeout)
	require.Equal(t, []delivery{{Key: off1, Attempts: 3, NextAt: end, Failed: true}, {Key: off2, Attempts: 3, NextAt: end, Delivered: true}}, deliveries(t, pool)[1:])
	require.Len(t, rec.requests(), 2+6)
}

// A webhook whose name resolved to a public address when it was registered but resolves inside
// at delivery (DNS rebinding, or a record changed since) is refused at connect time: nothing
// reaches the inside address and the delivery records why.
func TestDeliveryRefusesInsideAddress(t *testing.T) {
	ctx := context.Background()
	pool := db(t)
	registering := alerts.DefaultConfig()
	registering.AllowPrivate = true // stands for the name's public address at registration
	r, err := alerts.New(pool, registering, prober{}, nil)
	require.NoError(t, err)
	app := fiber.New()
	r.Register(app)
	rec := &receiver{}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	owner := solana.NewWallet().PrivateKey
	device, _ := provider(t, pool, owner.PublicKey())
	now := time.Now().Truncate(time.Second)
	status, raw := api{t, app}.do("POST", "/v1/alerts/webhooks", signed(owner, srv.URL+"/hook", []string{alerts.EventSlashed}, now.Unix()))
	require.Equal(t, 201, status, string(raw))
	sig, slashed := solana.Signature{4, 5, 6}.String(), now.Add(time.Minute)
	_, err = pool.Exec(ctx, `INSERT INTO transactions (signature, slot, block_time, fee_payer, instructions) VALUES ($1, 500, $2, $3, '{registry.slash}')`, sig, slashed, owner.PublicKey().String())
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO events (signature, position, slot, block_time, program, name, data) VALUES ($1, 0, 500, $2, 'registry', 'DeviceSlashed', $3)`,
		sig, slashed, `{"device":"`+device.String()+`","amount":1,"offence":1}`)
	require.NoError(t, err)

	s, err := alerts.New(pool, alerts.DefaultConfig(), prober{}, nil)
	require.NoError(t, err)
	require.NoError(t, s.Detect(ctx))
	n, err := s.Deliver(ctx)
	require.NoError(t, err)
	require.Equal(t, 0, n)
	require.Empty(t, rec.requests())
	var attempts int
	var lastError string
	require.NoError(t, pool.QueryRow(ctx, `SELECT attempts, last_error FROM alert_deliveries`).Scan(&attempts, &lastError))
	require.Equal(t, 1, attempts)
	require.Contains(t, lastError, "the webhook's host resolves to 127.0.0.1, not a public address: refused")
}
