package network

import (
	"context"
	"errors"
	"fmt"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/anchorcfg"
	"github.com/gpunet/gpunet/internal/chain"
	oneconomy "github.com/gpunet/gpunet/onchain/economy"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
	onregistry "github.com/gpunet/gpunet/onchain/registry"
)

// Mints are the IO and IOSD mints (zero where a caller does not need them, and on a chain whose
// registry is not yet initialized).
type Mints struct{ IO, IOSD solana.PublicKey }

// Network is gpunet as deployed on one cluster: its programs, wired to each other, and a
// client that names every program's custom errors.
type Network struct {
	Client *chain.Client
	// Cluster is the Anchor.toml cluster whose ids Open used ("" for a Network made by New).
	Cluster  string
	IDs      IDs
	Mints    Mints
	Registry onregistry.Program
	Economy  oneconomy.Program
	Escrow   onescrow.Program
}

// New wires the programs at ids with the mints and registers every program's error table in c.
func New(c *chain.Client, ids IDs, mints Mints) *Network {
	reg := onregistry.New(ids.Registry)
	eco := oneconomy.New(ids.Economy, reg, mints.IO, mints.IOSD)
	c.RegisterErrors(ids.Registry, registry.Errors)
	c.RegisterErrors(ids.Economy, economy.Errors)
	c.RegisterErrors(ids.Escrow, escrow.Errors)
	return &Network{Client: c, IDs: ids, Mints: mints, Registry: reg, Economy: eco, Escrow: onescrow.New(ids.Escrow, reg, eco)}
}

// Options say where Open finds the network. A daemon's config embeds them: the tags are the
// keys internal/daemon loads them under (-cluster, -url, -anchor-toml).
type Options struct {
	// Cluster is the Anchor.toml cluster whose ids to use; empty: the one the RPC's genesis
	// hash names (localnet for any chain that is no public one).
	Cluster    string `key:"cluster" usage:"Anchor.toml cluster of the program ids: localnet, devnet, testnet or mainnet (default: the one the RPC's genesis hash names)"`
	URL        string `key:"url" usage:"JSON-RPC URL (default: the cluster's standard endpoint)"`
	WSURL      string `key:"ws-url" usage:"PubSub (websocket) URL for subscriptions (default: the JSON-RPC URL's host, ws, port + 1)"`
	AnchorToml string `key:"anchor-toml" usage:"Anchor.toml to read the program ids from (default: the one built into the binary)"`
	Mints      Mints
	Commitment rpc.CommitmentType // empty: the chain client's default
}

// Open reads the program ids, checks within ProbeTimeout that the RPC answers (ErrUnreachable
// otherwise) and refuses DEV-ONLY ids on a public cluster (ErrDevOnlyIDs). A cluster without
// ids is ErrNoProgramIDs, before anything is asked of the RPC when Cluster is given.
func Open(ctx context.Context, o Options) (*Network, error) {
	cfg := Builtin()
	if o.AnchorToml != "" {
		var err error
		if cfg, err = anchorcfg.Load(o.AnchorToml); err != nil {
			return nil, err
		}
	}
	if o.Cluster != "" {
		if _, err := IDsOf(cfg, o.Cluster); err != nil {
			return nil, err
		}
	}
	url := o.URL
	if url == "" {
		endpoints, err := anchorcfg.ClusterEndpoints(o.Cluster)
		if err != nil {
			return nil, err
		}
		url = endpoints.RPC
	}
	genesis, err := probe(ctx, url)
	if err != nil {
		return nil, err
	}
	cluster := o.Cluster
	if cluster == "" {
		cluster = AnchorCluster(genesis.String())
	}
	ids, err := IDsOf(cfg, cluster)
	if err != nil {
		return nil, err
	}
	if err := CheckGenesis(ids, genesis.String()); err != nil {
		return nil, err
	}
	var opts []chain.Option
	if o.Commitment != "" {
		opts = append(opts, chain.WithCommitment(o.Commitment))
	}
	if o.WSURL != "" {
		opts = append(opts, chain.WithWebsocket(o.WSURL))
	}
	c := chain.New(url, opts...)
	mints := o.Mints
	if mints == (Mints{}) {
		if mints, err = configuredMints(ctx, c, ids); err != nil {
			return nil, err
		}
	}
	n := New(c, ids, mints)
	n.Cluster = cluster
	return n, nil
}

// configuredMints are the mints the registry's Config names: every token instruction a
// daemon builds (stake, claim, a job's mint) must use the chain's own, never a default. A
// chain whose registry is not yet initialized has none (zero), until its Config exists.
func configuredMints(ctx context.Context, c *chain.Client, ids IDs) (Mints, error) {
	rc, err := onregistry.New(ids.Registry).FetchConfig(ctx, c)
	if errors.Is(err, chain.ErrAccountNotFound) {
		return Mints{}, nil
	}
	if err != nil {
		return Mints{}, fmt.Errorf("read the registry's mints: %w", err)
	}
	return Mints{IO: rc.IoMint, IOSD: rc.IosdMint}, nil
}

// ErrNotConfigured means a program's Config account does not exist: nobody has initialized
// the program on this cluster.
var ErrNotConfigured = errors.New("not initialized")

// NotConfigured turns err, from reading program's Config, into ErrNotConfigured saying what
// to run when the account is missing; other errors pass unchanged.
func (n *Network) NotConfigured(program string, err error) error {
	if !errors.Is(err, chain.ErrAccountNotFound) {
		return err
	}
	if n.Cluster == DevCluster {
		return fmt.Errorf("the %s program is %w on this localnet: run `gpunet localnet-init` (`make dev` does)", program, ErrNotConfigured)
	}
	return fmt.Errorf("the %s program is %w on %s: its admin must initialize it first", program, ErrNotConfigured, n.Cluster)
}
