package indexer_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/indexer"
	"github.com/gpunet/gpunet/internal/daemon"
	"github.com/gpunet/gpunet/internal/harness"
)

// --help lists every key with its default and starts nothing.
func TestHelp(t *testing.T) {
	for _, arg := range []string{"--help", "-help", "-h"} {
		var out harness.Buffer
		require.NoError(t, indexer.Run(context.Background(), []string{arg}, &out))
		for _, line := range []string{"  -database-url ", "  -commitment ", "(default finalized)", "  -batch-size ", "(default 500)",
			"  -batch-wait ", "(default 50ms)", "  -fetchers ", "(default 16)", "  -url ", "  -listen ", "(default 127.0.0.1:8492)", "  -api-listen ", "(default 127.0.0.1:8493)", "  -oracles ", "  -alerts-allow-private ", "GPUNET_INDEXER_<KEY>"} {
			require.Contains(t, out.String(), line, arg)
		}
	}
}

func TestConfigRefusals(t *testing.T) {
	db := []string{"-database-url", "postgres://localhost/x"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "database-url is empty"},
		{append([]string{"-commitment", "processed"}, db...), `commitment "processed" is neither finalized nor confirmed`},
		{append([]string{"-batch-size", "0"}, db...), "batch-size 0 is not within 1..10000"},
		{append([]string{"-batch-wait", "0s"}, db...), "batch-wait 0s is not positive"},
		{append([]string{"-fetchers", "65"}, db...), "fetchers 65 is not within 1..64"},
		{append([]string{"-api-listen", "8493"}, db...), `api-listen "8493" is not host:port`},
		{append([]string{"-actions-icon", "icon.png"}, db...), `actions icon "icon.png": want an absolute http(s) URL`},
		{append([]string{"-alerts-every", "0s"}, db...), "alerts: window, interval, backoff and timeout must be > 0"},
	} {
		err := indexer.Run(context.Background(), append(c.args, "-listen", "127.0.0.1:0"), &harness.Buffer{})
		require.ErrorIs(t, err, daemon.ErrInvalidConfig, c.want)
		require.ErrorContains(t, err, c.want)
	}
}
