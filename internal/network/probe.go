package network

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"

	"github.com/gpunet/gpunet/internal/chain"
)

// ProbeTimeout bounds Open's first request: an RPC that does not answer within it is reported
// as unreachable at once instead of after the client's retries.
const ProbeTimeout = 2 * time.Second

// ErrUnreachable means the cluster's JSON-RPC endpoint did not answer.
var ErrUnreachable = errors.New("cannot reach")

// probe asks the cluster's genesis hash once, within ProbeTimeout (a refused connection is
// final, a slow answer has the whole timeout); a transport failure is ErrUnreachable with a
// hint fit for the endpoint, a JSON-RPC error answer stays what it is.
func probe(ctx context.Context, rpcURL string) (solana.Hash, error) {
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	genesis, err := chain.New(rpcURL, chain.WithRetry(chain.Backoff{Attempts: 1})).GenesisHash(ctx)
	var answered *jsonrpc.RPCError
	if err == nil || errors.As(err, &answered) {
		return genesis, err
	}
	if isLoopback(rpcURL) {
		return solana.Hash{}, fmt.Errorf("%w %s: is the localnet running? try `make dev`", ErrUnreachable, rpcURL)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("no answer within %s", ProbeTimeout)
	}
	return solana.Hash{}, fmt.Errorf("%w %s: check the URL and your network connection (%w)", ErrUnreachable, rpcURL, err)
}

// isLoopback reports whether rpcURL points at this machine, where the endpoint is a localnet.
func isLoopback(rpcURL string) bool {
	u, err := url.Parse(rpcURL)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}
