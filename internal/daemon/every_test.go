package daemon

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A failed round is logged and the loop goes on; the loop ends with its context.
func TestEveryLogsAFailedRoundAndGoesOn(t *testing.T) {
	var logs bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := Every(ctx, time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)), "test round", func(context.Context) error {
		calls++
		switch calls {
		case 1:
			return errors.New("rpc down")
		case 3:
			cancel()
		}
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, 3, calls)
	require.Equal(t, 1, strings.Count(logs.String(), `msg="test round" err="rpc down"`), logs.String())
}
