package price

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds a source's answer: a ticker is a few hundred bytes.
const maxBody = 64 << 10

// Errors a source's reading fails with (Reading.Err wraps one of them).
var (
	ErrFetch = errors.New("fetch failed")              // no answer, or not 200
	ErrJSON  = errors.New("not JSON")                  // the body does not parse
	ErrPath  = errors.New("JSON path does not match")  // the path leads nowhere, or not to a usable value
	ErrStale = errors.New("source's price is too old") // its timestamp is older than the rule's MaxAge
)

// Source is one HTTP JSON price source: the IO/USD price at Path in the body of a GET of URL,
// and optionally the time it was observed at TimePath (otherwise the time it was fetched).
type Source struct {
	URL      string
	Path     string
	TimePath string
}

// Name is the source's host and path: what logs and metrics show of it, as its query may
// hold an API key.
func (s Source) Name() string {
	u, err := url.Parse(s.URL)
	if err != nil {
		return "?"
	}
	return u.Host + u.Path
}

// ParseSources reads a list of sources separated by white space, each URL#PATH or
// URL#PATH#TIMEPATH: a URL's fragment is never sent to the server, so it names the part of
// the answer to read, e.g. https://api.example.com/ticker?pair=IO-USD#result[0].last#result[0].time.
func ParseSources(text string) ([]Source, error) {
	var out []Source
	for i, f := range strings.Fields(text) {
		parts := strings.Split(f, "#")
		if len(parts) < 2 || len(parts) > 3 {
			return nil, fmt.Errorf("price source %d: want URL#PATH or URL#PATH#TIMEPATH", i+1)
		}
		u, err := url.Parse(parts[0])
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("price source %d: not an http(s) URL", i+1)
		}
		for _, p := range parts[1:] {
			if _, err := parsePath(p); err != nil {
				return nil, fmt.Errorf("price source %d: %w", i+1, err)
			}
		}
		s := Source{URL: parts[0], Path: parts[1]}
		if len(parts) == 3 {
			s.TimePath = parts[2]
		}
		out = append(out, s)
	}
	return out, nil
}

// Reading is what one source said: a price in micro-USD per IO observed At, or Err.
type Reading struct {
	Source string
	Price  uint64
	At     time.Time
	Err    error
}

// Fetch reads s with client (whose timeout bounds it); now is the fetch time, At when s has
// no TimePath.
func Fetch(ctx context.Context, client *http.Client, s Source, now time.Time) Reading {
	r := Reading{Source: s.Name(), At: now}
	body, err := get(ctx, client, s.URL)
	if err != nil {
		r.Err = err
		return r
	}
	r.Price, r.At, r.Err = Parse(body, s, now)
	return r
}

func get(ctx context.Context, client *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: bad URL", ErrFetch)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	var withURL *url.Error
	if errors.As(err, &withURL) {
		err = withURL.Err // its text holds the URL, query and all
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: status %d", ErrFetch, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("%w: body over %d bytes", ErrFetch, maxBody)
	}
	return body, nil
}

// Parse reads the price (and the time, at s.TimePath, else now) from a source's JSON body.
func Parse(body []byte, s Source, now time.Time) (uint64, time.Time, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // the price's digits as sent: no float rounding
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return 0, time.Time{}, fmt.Errorf("%w: %w", ErrJSON, err)
	}
	v, err := lookup(doc, s.Path)
	if err != nil {
		return 0, time.Time{}, err
	}
	price, err := micros(v)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("%w: %s: %w", ErrPath, s.Path, err)
	}
	if s.TimePath == "" {
		return price, now, nil
	}
	v, err = lookup(doc, s.TimePath)
	if err != nil {
		return 0, time.Time{}, err
	}
	at, err := timestamp(v)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("%w: %s: %w", ErrPath, s.TimePath, err)
	}
	return price, at, nil
}

// step is one element of a path: an object's key, or an array's index when key is "".
type step struct {
	key   string
	index int
}

// parsePath reads a path such as data.price, result[0].last or [2].p: keys separated by dots,
// each followed by any number of [index].
func parsePath(path string) ([]step, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: empty path", ErrPath)
	}
	var steps []step
	for i, part := range strings.Split(path, ".") {
		key, rest, bracket := strings.Cut(part, "[")
		if key == "" && (i > 0 || !bracket) {
			return nil, fmt.Errorf("%w: %q has an empty key", ErrPath, path)
		}
		if key != "" {
			steps = append(steps, step{key: key})
		}
		for bracket {
			n, after, ok := strings.Cut(rest, "]")
			index, err := strconv.Atoi(n)
			if !ok || err != nil || index < 0 || after != "" && !strings.HasPrefix(after, "[") {
				return nil, fmt.Errorf("%w: %q has a bad index", ErrPath, path)
			}
			steps = append(steps, step{index: index})
			rest, bracket = strings.CutPrefix(after, "[")
		}
	}
	return steps, nil
}

// lookup follows path through a decoded JSON document.
func lookup(doc any, path string) (any, error) {
	steps, err := parsePath(path)
	if err != nil {
		return nil, err
	}
	v := doc
	for _, s := range steps {
		switch node := v.(type) {
		case map[string]any:
			next, ok := node[s.key]
			if s.key == "" || !ok {
				return nil, fmt.Errorf("%w: %s: no key %q", ErrPath, path, s.key)
			}
			v = next
		case []any:
			if s.key != "" || s.index >= len(node) {
				return nil, fmt.Errorf("%w: %s: no element [%d] or key %q in an array of %d", ErrPath, path, s.index, s.key, len(node))
			}
			v = node[s.index]
		default:
			return nil, fmt.Errorf("%w: %s: %T has no %q[%d]", ErrPath, path, v, s.key, s.index)
		}
	}
	return v, nil
}

// decimal is a JSON number, or a string holding one (many exchanges send prices as strings).
func decimal(v any) (*big.Rat, error) {
	var text string
	switch x := v.(type) {
	case json.Number:
		text = x.String()
	case string:
		text = strings.TrimSpace(x)
	default:
		return nil, fmt.Errorf("%T is not a number", v)
	}
	r, ok := new(big.Rat).SetString(text)
	if !ok {
		return nil, fmt.Errorf("%q is not a number", text)
	}
	return r, nil
}

// micros is a positive USD price in micro-USD, rounded to the nearest.
func micros(v any) (uint64, error) {
	r, err := decimal(v)
	if err != nil {
		return 0, err
	}
	r.Mul(r, big.NewRat(1_000_000, 1))
	// round half up: floor((2 num + den) / (2 den))
	twice := new(big.Int).Mul(r.Denom(), big.NewInt(2))
	n := new(big.Int).Mul(r.Num(), big.NewInt(2))
	n.Add(n, r.Denom()).Quo(n, twice)
	if r.Sign() <= 0 || n.Sign() <= 0 || !n.IsUint64() {
		return 0, fmt.Errorf("price %s is not a positive micro-USD amount", r.FloatString(0))
	}
	return n.Uint64(), nil
}

// msThreshold: a time number at or above it is in milliseconds (as seconds it would be past
// the year 33000), below it in seconds.
const msThreshold = 1e12

// timestamp is unix seconds or milliseconds (a number or a numeric string), or RFC 3339 text.
func timestamp(v any) (time.Time, error) {
	if s, ok := v.(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, nil
		}
	}
	r, err := decimal(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("not a unix time or RFC 3339: %w", err)
	}
	if r.Sign() <= 0 {
		return time.Time{}, fmt.Errorf("time %s is not positive", r.FloatString(3))
	}
	if r.Cmp(big.NewRat(msThreshold, 1)) < 0 {
		r.Mul(r, big.NewRat(1000, 1))
	}
	ms, _ := r.Float64()
	return time.UnixMilli(int64(ms)), nil
}
