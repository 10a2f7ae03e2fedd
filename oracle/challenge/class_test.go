package challenge

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseClasses(t *testing.T) {
	got, err := ParseClasses("0:512:1s:5s, 3:8192:2s:10s")
	require.NoError(t, err)
	require.Equal(t, map[uint32]Class{0: {0, 512, time.Second, 5 * time.Second}, 3: {3, 8192, 2 * time.Second, 10 * time.Second}}, got)
	require.Equal(t, uint64(268), got[0].Score(), "2 * 512^3 / 1 s in millions")

	for in, want := range map[string]string{
		"0:512:1s":               `challenge class "0:512:1s": want model:n:expected:deadline`,
		"0:500:1s:5s":            `challenge class "0:500:1s:5s": poc: n must be a positive multiple of 16, at most 65536: 500`,
		"0:512:1s:4s":            `challenge class "0:512:1s:4s": deadline "4s" is under 5 x the expected time`,
		"0:512:0s:5s":            `challenge class "0:512:0s:5s": expected time "0s" is not a positive duration`,
		"0:512:1s:5s,0:16:1s:5s": `challenge class "0:16:1s:5s": model 0 twice`,
	} {
		_, err := ParseClasses(in)
		require.EqualError(t, err, want, in)
	}
}
