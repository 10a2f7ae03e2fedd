package api

import (
	"context"
	"sync"
)

// cache keeps encoded answers of the routes whose answer depends only on the tables (route.cache)
// for one ingest state: the ingest writes every row in the same database transaction as the
// cursor that covers it, so while no cursor moved no such answer can change. A new state
// drops every entry; so does a full table (at most max entries and maxBytes bytes of answers).
type cache struct {
	max, maxBytes int

	mu      sync.Mutex
	state   string
	entries map[string][]byte
	bytes   int
}

// ingestState is every program's cursor, in one string: it changes with every stored transaction.
func (s *Server) ingestState(ctx context.Context) (string, error) {
	var state string
	err := s.deps.Pool.QueryRow(ctx, `SELECT coalesce(string_agg(program || ':' || slot || ':' || signature, ',' ORDER BY program), '')
		FROM ingest_cursors`).Scan(&state)
	return state, err
}

func (c *cache) get(state, key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != state {
		return nil, false
	}
	b, ok := c.entries[key]
	return b, ok
}

func (c *cache) put(state, key string, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(body) > c.maxBytes/16 {
		return // one answer takes at most a sixteenth
	}
	if c.state != state || len(c.entries) >= c.max || c.bytes+len(body) > c.maxBytes {
		c.state, c.entries, c.bytes = state, map[string][]byte{}, 0
	}
	if old, ok := c.entries[key]; ok {
		c.bytes -= len(old)
	}
	c.entries[key] = body
	c.bytes += len(body)
}
