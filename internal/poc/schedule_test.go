package poc_test

import (
	"crypto/sha256"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/poc"
)

// The assignment of known keys, pinned: device = 20 21 .. 3f (the spec vectors' device) and
// device = SHA-256("gpunet/poc/device/1"), over 3 oracles.
func TestAssigneeKnownKeys(t *testing.T) {
	var spec [32]byte
	for k := range spec {
		spec[k] = byte(32 + k)
	}
	other := sha256.Sum256([]byte("gpunet/poc/device/1"))
	var got [2][8]int
	for p := range 8 {
		got[0][p] = poc.Assignee(spec, uint64(p), 3)
		got[1][p] = poc.Assignee(other, uint64(p), 3)
	}
	// computed independently: int.from_bytes(sha256(d + struct.pack('<Q', p)).digest(), 'big') % 3
	require.Equal(t, [2][8]int{{2, 0, 1, 2, 0, 1, 2, 2}, {1, 0, 1, 0, 1, 2, 0, 1}}, got)
	require.Equal(t, 0, poc.Assignee(spec, 5, 1), "one oracle challenges every device")
	require.Equal(t, -1, poc.Assignee(spec, 5, 0), "no oracle set, nobody")
}

// Over many periods every oracle gets its share: no oracle is starved or favoured.
func TestAssigneeSpreads(t *testing.T) {
	var device [32]byte
	counts := make([]int, 5)
	for p := range 5000 {
		counts[poc.Assignee(device, uint64(p), 5)]++
	}
	for i, c := range counts {
		require.InDelta(t, 1000, c, 120, "oracle %d", i)
	}
}
