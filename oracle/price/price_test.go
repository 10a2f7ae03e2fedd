package price_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/oracle/price"
)

// serve is an HTTP source answering body with status.
func serve(t *testing.T, status int, body string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

var now = time.Unix(1_750_000_000, 0)

// read fetches each source (URL#PATH[#TIMEPATH]) over real HTTP.
func read(t *testing.T, sources ...string) []price.Reading {
	parsed, err := price.ParseSources(strings.Join(sources, " "))
	require.NoError(t, err)
	client := &http.Client{Timeout: 200 * time.Millisecond}
	out := make([]price.Reading, len(parsed))
	for i, s := range parsed {
		out[i] = price.Fetch(context.Background(), client, s, now)
	}
	return out
}

var rule = price.Rule{MinSources: 2, MaxAge: time.Minute, MaxSpreadBps: 200}

func TestMedianOfSources(t *testing.T) {
	readings := read(t,
		serve(t, 200, `{"data":{"price":1.0}}`)+"#data.price",
		serve(t, 200, `{"result":[{"last":"1.010"}]}`)+"#result[0].last",
		serve(t, 200, `[{"p":1.0041}, {"p":7}]`)+"#[0].p",
	)
	for _, r := range readings {
		require.NoError(t, r.Err)
	}
	q, err := price.Combine(readings, rule, now)
	require.NoError(t, err)
	// 1.0041 rounds to 1,004,100 micro-USD; the confidence is the farthest reading from the median
	require.Equal(t, price.Quote{Price: 1_004_100, Conf: 5_900, Used: 3}, q)

	// an even count: the middles' mean, rounded down
	q, err = price.Combine(read(t, serve(t, 200, `{"p":1.000000}`)+"#p", serve(t, 200, `{"p":1.000003}`)+"#p"), rule, now)
	require.NoError(t, err)
	require.Equal(t, price.Quote{Price: 1_000_001, Conf: 2, Used: 2}, q)
}

func TestStaleSourcesAreLeftOut(t *testing.T) {
	fresh, stale := now.Add(-59*time.Second).Unix(), now.Add(-61*time.Second).Unix()
	readings := read(t,
		serve(t, 200, fmt.Sprintf(`{"p":1.0,"t":%d}`, fresh))+"#p#t",
		serve(t, 200, fmt.Sprintf(`{"p":1.001,"t":"%d"}`, fresh*1000))+"#p#t", // milliseconds, as text
		serve(t, 200, fmt.Sprintf(`{"p":5.0,"t":"%s"}`, time.Unix(stale, 0).UTC().Format(time.RFC3339)))+"#p#t",
	)
	require.Equal(t, time.Unix(fresh, 0), readings[0].At)
	require.Equal(t, time.Unix(fresh, 0), readings[1].At)
	require.ErrorIs(t, rule.Usable(readings[2], now), price.ErrStale)
	q, err := price.Combine(readings, rule, now)
	require.NoError(t, err)
	require.Equal(t, price.Quote{Price: 1_000_500, Conf: 500, Used: 2}, q)

	// without a TIMEPATH a reading is as old as its fetch
	readings = read(t, serve(t, 200, `{"p":1}`)+"#p", serve(t, 200, `{"p":1}`)+"#p")
	_, err = price.Combine(readings, rule, now.Add(61*time.Second))
	require.ErrorIs(t, err, price.ErrTooFewSources)
}

func TestSourcesThatDisagreeSubmitNothing(t *testing.T) {
	// 1.00 and 1.03: 3% of their median 1.015 > 2%
	_, err := price.Combine(read(t, serve(t, 200, `{"p":1.00}`)+"#p", serve(t, 200, `{"p":1.03}`)+"#p"), rule, now)
	require.ErrorIs(t, err, price.ErrDisagreement)
	// 1.00 and 1.02: 20,000 / 1,010,000 = 198 bps: within
	q, err := price.Combine(read(t, serve(t, 200, `{"p":1.00}`)+"#p", serve(t, 200, `{"p":1.02}`)+"#p"), rule, now)
	require.NoError(t, err)
	require.Equal(t, price.Quote{Price: 1_010_000, Conf: 10_000, Used: 2}, q)
	// a spread wider than the median itself
	_, err = price.Combine(read(t, serve(t, 200, `{"p":0.1}`)+"#p", serve(t, 200, `{"p":9}`)+"#p"), price.Rule{MinSources: 2, MaxAge: time.Minute, MaxSpreadBps: 10_000}, now)
	require.ErrorIs(t, err, price.ErrDisagreement)
}

func TestTooFewSourcesSubmitNothing(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hang.Close)
	readings := read(t,
		serve(t, 200, `{"p":1.0}`)+"#p",
		serve(t, http.StatusServiceUnavailable, `{"p":1.0}`)+"#p",
		hang.URL+"#p", // past the client's timeout
		serve(t, 200, `{"p":`+strings.Repeat(" ", 70_000)+`1}`)+"#p", // over the body limit
	)
	require.NoError(t, readings[0].Err)
	for _, r := range readings[1:] {
		require.ErrorIs(t, r.Err, price.ErrFetch)
	}
	require.NotContains(t, readings[1].Err.Error(), "127.0.0.1", "errors name no URL: its query may hold a key")
	_, err := price.Combine(readings, rule, now)
	require.ErrorIs(t, err, price.ErrTooFewSources)
	require.EqualError(t, err, "too few sources: 1 of 4 sources usable, 2 needed")
}

func TestJSONPathErrors(t *testing.T) {
	for _, c := range []struct {
		body, path string
		want       error
	}{
		{`{"data":{"price":1}}`, "data.cost", price.ErrPath},
		{`{"result":[{"last":1}]}`, "result[1].last", price.ErrPath},
		{`{"result":[{"last":1}]}`, "result.last", price.ErrPath},
		{`{"data":"1"}`, "data.price", price.ErrPath},
		{`{"p":"one"}`, "p", price.ErrPath},
		{`{"p":true}`, "p", price.ErrPath},
		{`{"p":-1}`, "p", price.ErrPath},
		{`{"p":0.0000004}`, "p", price.ErrPath}, // rounds to 0 micro-USD
		{`{"p":1e30}`, "p", price.ErrPath},      // beyond a u64
		{`{"p":`, "p", price.ErrJSON},
		{`<html>`, "p", price.ErrJSON},
	} {
		_, _, err := price.Parse([]byte(c.body), price.Source{Path: c.path}, now)
		require.ErrorIs(t, err, c.want, "%s at %s", c.body, c.path)
	}
	_, _, err := price.Parse([]byte(`{"p":1,"t":"yesterday"}`), price.Source{Path: "p", TimePath: "t"}, now)
	require.ErrorIs(t, err, price.ErrPath)
	p, at, err := price.Parse([]byte(`{"a":[[0,{"b":"2.5e-1"}]],"t":1750000000.5}`), price.Source{Path: "a[0][1].b", TimePath: "t"}, now)
	require.NoError(t, err)
	require.Equal(t, uint64(250_000), p)
	require.Equal(t, time.UnixMilli(1_750_000_000_500), at)

	for _, bad := range []string{"https://x.example/p", "https://x.example/p#", "https://x.example/p#a..b", "https://x.example/p#a[", "https://x.example/p#a[x]",
		"https://x.example/p#a[0]b", "https://x.example/p#.a", "https://x.example/p#a#t#u", "ftp://x.example/p#a", "/p#a"} {
		_, err := price.ParseSources(bad)
		require.Error(t, err, bad)
		require.NotContains(t, err.Error(), "x.example", "config errors name no URL")
	}
	got, err := price.ParseSources("https://a.example/t?key=SECRET#data.price \n https://b.example/u#r[0].last#r[0].ts")
	require.NoError(t, err)
	require.Equal(t, []price.Source{{URL: "https://a.example/t?key=SECRET", Path: "data.price"}, {URL: "https://b.example/u", Path: "r[0].last", TimePath: "r[0].ts"}}, got)
	require.Equal(t, "a.example/t", got[0].Name())
}

func TestSettings(t *testing.T) {
	two := "https://a.example/t#p https://b.example/t#p"
	for _, c := range []struct {
		edit func(*price.Settings)
		want string // in the error; "" for none
	}{
		{func(*price.Settings) {}, ""}, // no prices: the oracle submits none
		{func(s *price.Settings) { s.PriceFixed = 1_000_000 }, ""},
		{func(s *price.Settings) { s.PriceSources = two }, ""},
		{func(s *price.Settings) { s.PriceSources, s.PriceFixed = two, 1 }, "price-fixed and price-sources are both set"},
		{func(s *price.Settings) { s.PriceSources, s.PriceMinSources = two, 1 }, "price-min-sources 1 is not within 2 and the 2 sources"},
		{func(s *price.Settings) { s.PriceSources, s.PriceMinSources = two, 3 }, "price-min-sources 3 is not within 2 and the 2 sources"},
		{func(s *price.Settings) { s.PriceSources = "https://a.example/t" }, "price-sources: price source 1: want URL#PATH or URL#PATH#TIMEPATH"},
		{func(s *price.Settings) { s.PriceMaxSpread = 0 }, "price-max-spread-bps 0 is not within 1 and 10000"},
		{func(s *price.Settings) { s.PriceMaxSpread = 10_001 }, "price-max-spread-bps 10001 is not within 1 and 10000"},
		{func(s *price.Settings) { s.PriceEvery = 999 * time.Millisecond }, "price-every 999ms is under 1s"},
		{func(s *price.Settings) { s.PriceTimeout = 0 }, "price-timeout 0s is under 1ns"},
	} {
		s := price.DefaultSettings()
		c.edit(&s)
		err := s.Validate()
		if c.want == "" {
			require.NoError(t, err)
		} else {
			require.ErrorContains(t, err, c.want)
		}
	}
}
