package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/indexer/api"
	"github.com/gpunet/gpunet/indexer/store"
	"github.com/gpunet/gpunet/internal/pg/pgtest"
)

// benchDevices is how many devices BenchmarkAPI serves.
const benchDevices = 100_000

// benchConns is how many connections load the API at once.
const benchConns = 64

// BenchmarkAPI serves /v1/stats and a paginated /v1/devices over 100,000 devices (COPY into
// the devices and accounts tables) on a real listener, loaded by 64 keep-alive connections;
// it reports requests per second and the p50 and p99 latency of each (target p99 < 20 ms).
// The devices pages walk the whole list: each connection starts at its own place (the
// connections spread evenly over the 2,000 pages), each request takes the cursor the previous
// request of its connection got, and a walk starts over at the end.
func BenchmarkAPI(b *testing.B) {
	pool := pgtest.DB(b)
	ctx := context.Background()
	_, err := store.Migrate(ctx, pool)
	require.NoError(b, err)
	rc := registryConfig(0)
	_, err = pool.Exec(ctx, `INSERT INTO accounts VALUES ($1, 'registry', 'Config', '{}', $2, 1)`, key("registry-config"), raw(b, registry.Account_Config, rc))
	require.NoError(b, err)
	_, err = pool.Exec(ctx, `INSERT INTO ingest_cursors VALUES ('registry', $1, 1000)`, sig("tip"))
	require.NoError(b, err)
	models := []uint32{registry.ModelH100, registry.ModelRTX4090, registry.ModelA100_80G, registry.ModelH200}
	t0 := time.Now()
	n, err := pool.CopyFrom(ctx, pgx.Identifier{"devices"}, []string{"address", "device_key", "provider", "owner", "status", "hardware_model",
		"gpu_count", "vram_gib", "region", "stake", "reputation", "benchmark_score", "proven_uptime_secs", "challenges_passed",
		"challenges_failed", "slash_count", "current_job", "registered_at", "slot"},
		pgx.CopyFromSlice(benchDevices, func(i int) ([]any, error) {
			var job any
			status := int16(i % 5)
			if status == 2 {
				job = key(fmt.Sprint("job-", i))
			}
			return []any{key(fmt.Sprint("dev-", i)), key(fmt.Sprint("key-", i)), key(fmt.Sprint("prov-", i%1000)), key(fmt.Sprint("own-", i%1000)),
				status, int32(models[i%len(models)]), int32(1 + i%8), int32(80), int32([]int{840, 276, 392, 250}[i%4]), uint64(1000 + i),
				int32(i % 10001), uint64(i * 7), uint64(i), int32(i % 50), int32(i % 3), int32(0), job, t0.Add(-time.Duration(i) * time.Second), int64(i)}, nil
		}))
	require.NoError(b, err)
	require.EqualValues(b, benchDevices, n)
	b.Logf("COPY %d devices in %s", n, time.Since(t0).Round(time.Millisecond))
	_, err = pool.Exec(ctx, "ANALYZE devices")
	require.NoError(b, err)

	for _, mode := range []struct {
		name    string
		entries int
	}{{"cached", api.DefaultConfig().CacheEntries}, {"uncached", 0}} {
		cfg := testConfig()
		cfg.CacheEntries = mode.entries
		srv, err := api.New(cfg, api.Deps{Pool: pool})
		require.NoError(b, err)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(b, err)
		go func() { _ = srv.Serve(ln) }()
		base := "http://" + ln.Addr().String()
		client := &http.Client{Transport: &http.Transport{MaxIdleConns: benchConns, MaxIdleConnsPerHost: benchConns, MaxConnsPerHost: benchConns}}
		var stats api.Stats
		start := time.Now()
		getJSON(b, client, base+"/v1/stats", &stats)
		b.Logf("%s: one computation of /v1/stats over %d devices: %s", mode.name, benchDevices, time.Since(start).Round(time.Microsecond))
		require.EqualValues(b, benchDevices, stats.Devices["total"])
		require.EqualValues(b, benchDevices/5, stats.Devices["hired"])
		if mode.entries > 0 { // uncached, 64 connections only queue behind the computations
			b.Run(mode.name+"/stats", func(b *testing.B) {
				load(b, client, func(int) string { return base + "/v1/stats" }, nil)
			})
			// the ingest stores a transaction every 100 ms (4 per 400 ms slot): each new state
			// costs one computation of the figures, during which the other requests get the
			// previous state's
			b.Run(mode.name+"/stats-ingesting", func(b *testing.B) {
				stop := make(chan struct{})
				done := make(chan struct{})
				go func() {
					defer close(done)
					tick := time.NewTicker(100 * time.Millisecond)
					defer tick.Stop()
					for slot := 1001; ; slot++ {
						select {
						case <-stop:
							return
						case <-tick.C:
							if _, err := pool.Exec(ctx, `UPDATE ingest_cursors SET slot = $1 WHERE program = 'registry'`, slot); err != nil {
								panic(err)
							}
						}
					}
				}()
				load(b, client, func(int) string { return base + "/v1/stats" }, nil)
				close(stop)
				<-done
			})
		}
		// every page's cursor, so the connections start their walks spread over the list
		// (not in step, sharing pages)
		pages := []string{""}
		for {
			var p struct {
				NextCursor *string `json:"next_cursor"`
			}
			u := base + "/v1/devices?limit=50"
			if c := pages[len(pages)-1]; c != "" {
				u += "&cursor=" + url.QueryEscape(c)
			}
			getJSON(b, client, u, &p)
			if p.NextCursor == nil {
				break
			}
			pages = append(pages, *p.NextCursor)
		}
		require.Len(b, pages, benchDevices/50)
		b.Run(mode.name+"/devices", func(b *testing.B) {
			var mu sync.Mutex
			cursors := make([]string, benchConns)
			for w := range cursors {
				cursors[w] = pages[w*len(pages)/benchConns]
			}
			load(b, client, func(w int) string {
				mu.Lock()
				defer mu.Unlock()
				u := base + "/v1/devices?limit=50"
				if cursors[w] != "" {
					u += "&cursor=" + url.QueryEscape(cursors[w])
				}
				return u
			}, func(w int, body []byte) {
				// the cursor ends the page: read just it, so the client spends little of the CPU
				i := bytes.LastIndex(body, []byte(`"next_cursor":`))
				var next *string
				if i < 0 || json.Unmarshal(bytes.TrimSuffix(body[i+len(`"next_cursor":`):], []byte("}")), &next) != nil {
					panic("bad page: " + string(body))
				}
				mu.Lock()
				defer mu.Unlock()
				cursors[w] = ""
				if next != nil {
					cursors[w] = *next
				}
			})
		})
		b.Run(mode.name+"/devices-filtered", func(b *testing.B) {
			load(b, client, func(int) string { return base + "/v1/devices?limit=50&class=h100&status=active&min_reputation=5000" }, nil)
		})
		client.CloseIdleConnections()
		require.NoError(b, srv.Shutdown(context.Background()))
	}
}

func getJSON(b *testing.B, c *http.Client, u string, out any) {
	resp, err := c.Get(u)
	require.NoError(b, err)
	defer resp.Body.Close()
	require.Equal(b, http.StatusOK, resp.StatusCode)
	require.NoError(b, json.NewDecoder(resp.Body).Decode(out))
}

// load makes b.N requests from benchConns workers (worker w asks target(w) and hands the
// body to seen) and reports the throughput and the p50 and p99 latencies.
func load(b *testing.B, c *http.Client, target func(w int) string, seen func(w int, body []byte)) {
	var next atomic.Int64
	lat := make([][]time.Duration, benchConns)
	var wg sync.WaitGroup
	var failed atomic.Value
	b.ResetTimer()
	start := time.Now()
	for w := range benchConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				t := time.Now()
				resp, err := c.Get(target(w))
				if err != nil {
					failed.Store(err.Error())
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				lat[w] = append(lat[w], time.Since(t))
				if resp.StatusCode != http.StatusOK {
					failed.Store(fmt.Sprintf("%d %s", resp.StatusCode, body))
					return
				}
				if seen != nil {
					seen(w, body)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if f := failed.Load(); f != nil {
		b.Fatal(f)
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	pct := func(p float64) float64 {
		return float64(all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}
