package uptime

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
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

func TestSpanMirrorsTheRegistry(t *testing.T) {
	p := &registry.ConfigParams{ProofWindowSecs: 10, MaxProofAgeSecs: 30, VoteDeadlineSecs: 4}
	tests := []struct {
		name   string
		device registry.Device
		window uint64
		want   Span
	}{
		{"registered mid-window: from that window's start", registry.Device{RegisteredAt: 1_003}, 101, Span{1_000, 1_020, 1_024}},
		{"registered after the window: the window alone", registry.Device{RegisteredAt: 1_055}, 101, Span{1_010, 1_020, 1_024}},
		{"since the last counted window", registry.Device{RegisteredAt: 1, LastProofWindow: 99}, 101, Span{1_000, 1_020, 1_024}},
		{"capped at the maximum age", registry.Device{RegisteredAt: 1, LastProofWindow: 90}, 101, Span{990, 1_020, 1_024}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { require.Equal(t, tc.want, SpanOf(p, &tc.device, tc.window)) })
	}
	s := Span{Start: 10, End: 20}
	require.Equal(t, uint32(4), s.Seconds([]Interval{{9_000, 12_500}, {18_400, 25_000}})) // 2.5 + 1.6 s
}
