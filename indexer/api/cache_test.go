package api

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCache(t *testing.T) {
	c := &cache{max: 3, maxBytes: 1 << 16}
	get := func(state, key string) (string, bool) {
		b, fresh := c.get(state, key)
		return string(b), fresh
	}
	// nothing yet
	b, fresh := get("s1", "/a")
	require.Equal(t, "", b)
	require.False(t, fresh)
	// computed in s1
	c.start("s1", "/a")
	b, _ = get("s1", "/a")
	require.Equal(t, "", b, "no previous state: a request waits")
	c.put("s1", "/a", []byte("a1"))
	c.done("/a")
	b, fresh = get("s1", "/a")
	require.Equal(t, "a1", b)
	require.True(t, fresh)
	// the ingest moved to s2: nothing is served until someone computes
	b, _ = get("s2", "/a")
	require.Equal(t, "", b)
	// while s2's /a is computed, others get s1's; another key has no previous answer
	c.start("s2", "/a")
	b, fresh = get("s2", "/a")
	require.Equal(t, "a1", b)
	require.False(t, fresh)
	b, _ = get("s2", "/b")
	require.Equal(t, "", b)
	b, fresh = get("s3", "/a")
	require.Equal(t, "a1", b, "one computation at a time: a newer state's request gets the latest kept too")
	require.False(t, fresh)
	c.put("s2", "/a", []byte("a2"))
	c.done("/a")
	b, fresh = get("s2", "/a")
	require.Equal(t, "a2", b)
	require.True(t, fresh)
	// bounds: at most max entries, then the table starts over; an answer over a sixteenth of
	// maxBytes is not kept
	c.put("s2", "/b", []byte("b2"))
	c.put("s2", "/c", []byte("c2"))
	c.put("s2", "/d", []byte("d2"))
	_, fresh = get("s2", "/a")
	require.False(t, fresh)
	b, fresh = get("s2", "/d")
	require.Equal(t, "d2", b)
	require.True(t, fresh)
	c.put("s2", "/big", make([]byte, 1<<12+1))
	_, fresh = get("s2", "/big")
	require.False(t, fresh)
	require.Equal(t, 2, c.bytes)
}
