package api

import (
	"context"
	"sync"
)

// cache keeps encoded answers of the routes whose answer depends only on the tables (route.cache)
// for one ingest state: the ingest writes every row in the same database transaction as the
// cursor that covers it, so while no cursor moved no such answer can change. A new state
// starts an empty table and keeps the last one's as the previous answers; a full table (max
// entries, maxBytes bytes of answers) starts over too.
//
// One answer is computed at a time, whatever the states: while one runs, a request that
// finds an older answer of that key gets it instead of waiting or starting another (it was
// exact a few ingested transactions ago), so a busy ingest (hundreds of states a second)
// costs one computation at a time, not one per state; a request that finds none waits for
// the running one. A request that finds none running computes, so a client that reads after
// the ingest moved, alone, reads the new state.
type cache struct {
	max, maxBytes int

	mu        sync.Mutex
	state     string
	entries   map[string][]byte
	previous  map[string][]byte
	bytes     int
	computing map[string]bool // by key
}

// ingestState is every program's cursor, in one string: it changes with every stored transaction.
func (s *Server) ingestState(ctx context.Context) (string, error) {
	var state string
	err := s.deps.Pool.QueryRow(ctx, `SELECT coalesce(string_agg(program || ':' || slot || ':' || signature, ',' ORDER BY program), '')
		FROM ingest_cursors`).Scan(&state)
	return state, err
}

// get is key's answer in state (fresh), or else, while an answer of key is being computed, the
// latest one kept (stale), or neither.
func (c *cache) get(state, key string) (body []byte, fresh bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.entries[key]; ok && c.state == state {
		return b, true
	}
	if c.computing[key] {
		if b, ok := c.entries[key]; ok {
			return b, false
		}
		return c.previous[key], false
	}
	return nil, false
}

// start and done bracket the computation of key's answer in state.
func (c *cache) start(state, key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.roll(state)
	c.computing[key] = true
}

func (c *cache) done(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.computing, key)
}

// roll makes state the current one, the current table becoming the previous one (a request
// that read an older state before a newer one began rolls back: rare, and never wrong).
func (c *cache) roll(state string) {
	if c.entries == nil {
		c.entries, c.computing = map[string][]byte{}, map[string]bool{}
	}
	if c.state != state {
		c.state, c.previous, c.entries, c.bytes = state, c.entries, map[string][]byte{}, 0
	}
}

func (c *cache) put(state, key string, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(body) > c.maxBytes/16 {
		return // one answer takes at most a sixteenth
	}
	if c.state != state {
		return // computed for a state another computation has since rolled past
	}
	if len(c.entries) >= c.max || c.bytes+len(body) > c.maxBytes {
		c.previous, c.entries, c.bytes = nil, map[string][]byte{}, 0
	}
	if old, ok := c.entries[key]; ok {
		c.bytes -= len(old)
	}
	c.entries[key] = body
	c.bytes += len(body)
}
