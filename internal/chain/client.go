package chain

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/gpunet/gpunet/client/programerr"
)

// Client talks to one cluster: it reads accounts, sends transactions and decodes their errors.
// Its raw RPC client stays inside the package, so every call gets the client's commitment,
// retries and error decoding.
type Client struct {
	rpc          *rpc.Client
	wsURL        string
	commitment   rpc.CommitmentType
	pollInterval time.Duration
	retry        Backoff
	errors       errorRegistry
}

// Option configures New.
type Option func(*Client)

// WithCommitment sets the commitment reads see and sends wait for (default confirmed).
func WithCommitment(c rpc.CommitmentType) Option { return func(cl *Client) { cl.commitment = c } }

// WithPollInterval sets how often a pending signature's status is asked for (default 200 ms).
func WithPollInterval(d time.Duration) Option { return func(cl *Client) { cl.pollInterval = d } }

// WithRetry bounds the retries of transient RPC failures (default DefaultBackoff).
func WithRetry(b Backoff) Option { return func(cl *Client) { cl.retry = b } }

// WithWebsocket sets the PubSub endpoint Stream subscribes to (default: the RPC URL with a ws
// scheme and, when it names a port, the next port, as solana-test-validator serves it).
func WithWebsocket(url string) Option { return func(cl *Client) { cl.wsURL = url } }

// New returns a client of the JSON-RPC endpoint at rpcURL.
func New(rpcURL string, opts ...Option) *Client {
	c := &Client{
		rpc:          rpc.New(rpcURL),
		wsURL:        websocketURL(rpcURL),
		commitment:   rpc.CommitmentConfirmed,
		pollInterval: 200 * time.Millisecond,
		retry:        DefaultBackoff,
		errors:       errorRegistry{tables: map[solana.PublicKey]programerr.Table{}},
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// websocketURL is Solana's convention for a PubSub endpoint: ws(s) on the RPC port plus one.
func websocketURL(rpcURL string) string {
	u, err := url.Parse(rpcURL)
	if err != nil {
		return ""
	}
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	default:
		u.Scheme = "ws"
	}
	if p, err := strconv.Atoi(u.Port()); err == nil {
		u.Host = u.Hostname() + ":" + strconv.Itoa(p+1)
	}
	return u.String()
}

// Commitment is the commitment the client reads at and confirms to.
func (c *Client) Commitment() rpc.CommitmentType { return c.commitment }

// RegisterErrors names the custom errors of the program deployed at id. It is safe to call
// while other goroutines send transactions and decode their errors.
func (c *Client) RegisterErrors(id solana.PublicKey, table programerr.Table) {
	c.errors.register(id, table)
}

// errorRegistry is the programs' error tables, read while transactions' errors are decoded.
type errorRegistry struct {
	mu     sync.RWMutex
	tables map[solana.PublicKey]programerr.Table
}

func (r *errorRegistry) register(id solana.PublicKey, table programerr.Table) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tables[id] = table
}

// lookup is the named error of code in program's table (nil when unknown).
func (r *errorRegistry) lookup(program solana.PublicKey, code uint32) *programerr.Error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.tables[program][code]
}

// GenesisHash returns the cluster's genesis hash, which tells devnet, testnet, mainnet-beta and
// a local chain apart.
func (c *Client) GenesisHash(ctx context.Context) (solana.Hash, error) {
	var h solana.Hash
	err := c.retry.Do(ctx, isTransient, func() (err error) {
		h, err = c.rpc.GetGenesisHash(ctx)
		return err
	})
	if err != nil {
		return solana.Hash{}, fmt.Errorf("get genesis hash: %w", err)
	}
	return h, nil
}
