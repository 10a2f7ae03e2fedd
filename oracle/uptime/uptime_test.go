package uptime

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/protocol"
)

func TestCreditIsTheOraclesClock(t *testing.T) {
	at := time.UnixMilli(1_000_000)
	iv, ok := Credit(at, 999_000, 5) // 1 s behind: live
	require.True(t, ok)
	require.Equal(t, Interval{1_000_000, 1_006_000}, iv)
	iv, ok = Credit(at, 1_050_000, 5) // the worker's clock ahead grants nothing more
	require.True(t, ok)
	require.Equal(t, Interval{1_000_000, 1_006_000}, iv)
	iv, ok = Credit(at, 994_999, 5) // more than one interval late: telemetry only
	require.False(t, ok)
	require.Equal(t, Interval{1_000_000, 1_000_000}, iv)
}

func TestCoveredMergesOverlaps(t *testing.T) {
	ivs := []Interval{{5_000, 8_000}, {0, 2_000}, {1_000, 3_000}, {7_000, 12_000}, {20_000, 20_000}}
	require.Equal(t, int64(3_000+7_000), Covered(ivs, 0, 100_000))
	require.Equal(t, int64(1_000+5_000), Covered(ivs, 2_000, 10_000))
	require.Equal(t, int64(0), Covered(ivs, 13_000, 19_000))
	require.Equal(t, int64(0), Covered(nil, 0, 10))
}

func TestSecondsCoverTheRegistrysSpan(t *testing.T) {
	p := &registry.ConfigParams{ProofWindowSecs: 10, MaxProofAgeSecs: 30, VoteDeadlineSecs: 4}
	span, err := protocol.ProofSpan(p, &registry.Device{RegisteredAt: 11}, 1) // [10, 20)
	require.NoError(t, err)
	require.Equal(t, uint32(4), Seconds(span, []Interval{{9_000, 12_500}, {18_400, 25_000}})) // 2.5 + 1.6 s
}

func TestIntersectIsTheTimeBothCover(t *testing.T) {
	member := []Interval{{0, 2_000}, {1_500, 3_500}, {6_000, 8_000}}
	head := []Interval{{1_000, 3_000}, {7_000, 9_000}}
	both := Intersect(member, head)
	require.Equal(t, []Interval{{1_000, 3_000}, {7_000, 8_000}}, both, "overlapping credits count once")
	require.Equal(t, int64(3_000), Covered(both, 0, 10_000))
	require.Equal(t, int64(500), Covered(both, 7_500, 10_000))
	require.Nil(t, Intersect(member, nil), "no head heartbeat: nothing")
}
