package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/harness"
)

// line is the first line of the JSON log with message msg, decoded.
func line(log *harness.Buffer, msg string) map[string]any {
	for _, l := range strings.Split(log.String(), "\n") {
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

	var logs harness.Buffer
	ctx, stop := context.WithCancel(e.Ctx)
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-url", e.Node.RPCURL}, &logs) }()
	require.Eventually(t, func() bool { return line(&logs, "registry") != nil }, time.Minute, 10*time.Millisecond)

	config := line(&logs, "config")
	require.Equal(t, []any{"hello", "localnet", e.Node.RPCURL, ""}, []any{config["component"], config["cluster"], config["url"], config["anchor-toml"]})
	registry := line(&logs, "registry")
	require.Equal(t, []any{e.Admin.PublicKey().String(), false}, []any{registry["admin"], registry["paused"]})
	addr := line(&logs, "started")["addr"].(string)
	require.Equal(t, "ok\n", get(t, "http://"+addr+"/healthz"))
	require.Contains(t, get(t, "http://"+addr+"/metrics"), "\ngpunet_hello_registry_paused 0\n")

	stop()
	require.NoError(t, <-done)
	require.NotNil(t, line(&logs, "stopped"))
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
