package ratelimit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A full table refuses new keys, keeps serving the keys in it, and takes new keys again once
// the old buckets are full again and forgotten.
func TestLimiterTableIsBounded(t *testing.T) {
	l := New[int](2, time.Second, 3)
	now := time.Unix(1000, 0)
	for k := range 3 {
		require.True(t, l.Allow(k, now))
	}
	require.False(t, l.Allow(3, now), "table full")
	require.Len(t, l.buckets, 3)
	require.True(t, l.Allow(0, now), "a tracked key keeps its burst")
	require.False(t, l.Allow(0, now))
	later := now.Add(2 * time.Second)
	require.True(t, l.Allow(3, later), "the refilled buckets were forgotten")
	require.Len(t, l.buckets, 1)
}
