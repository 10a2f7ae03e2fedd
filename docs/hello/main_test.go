package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/chaintest"
)

// lockedBuffer is a log the daemon writes while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// line is the first log line with message msg, decoded.
func (b *lockedBuffer) line(msg string) map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, l := range strings.Split(b.buf.String(), "\n") {
		var entry map[string]any
		if json.Unmarshal([]byte(l), &entry) == nil && entry["msg"] == msg {
			return entry
		}
	}
	return nil
}

// The ten-line daemon against the localnet: its config logged, the registry's admin read through
// the network client, its metric and /healthz served, and a clean stop when its context ends.
func TestHello(t *testing.T) {
	e := chaintest.New(t)
	e.InitRegistry(t, solana.NewWallet().PublicKey())

	var logs lockedBuffer
	ctx, stop := context.WithCancel(e.Ctx)
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-url", e.Node.RPCURL}, &logs) }()
	require.Eventually(t, func() bool { return logs.line("registry") != nil }, time.Minute, 10*time.Millisecond)

	config := logs.line("config")
	require.Equal(t, []any{"hello", "localnet", e.Node.RPCURL, ""}, []any{config["component"], config["cluster"], config["url"], config["anchor-toml"]})
	registry := logs.line("registry")
	require.Equal(t, []any{e.Admin.PublicKey().String(), false}, []any{registry["admin"], registry["paused"]})
	addr := logs.line("started")["addr"].(string)
	require.Equal(t, "ok\n", get(t, "http://"+addr+"/healthz"))
	require.Contains(t, get(t, "http://"+addr+"/metrics"), "\ngpunet_hello_registry_paused 0\n")

	stop()
	require.NoError(t, <-done)
	require.NotNil(t, logs.line("stopped"))
}

func get(t *testing.T, url string) string {
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(body)
}
