package network

import (
	"context"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/anchorcfg"
	"github.com/gpunet/gpunet/internal/chain"
	oneconomy "github.com/gpunet/gpunet/onchain/economy"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
	onregistry "github.com/gpunet/gpunet/onchain/registry"
)

// Mints are the IO and IOSD mints (zero where a caller does not need them).
type Mints struct{ IO, IOSD solana.PublicKey }

// Network is gpunet as deployed on one cluster: its programs, wired to each other, and a
// client that names every program's custom errors.
type Network struct {
	Client   *chain.Client
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

// Options say where Open finds the network.
type Options struct {
	Cluster    string // Anchor.toml's cluster name: localnet, devnet, testnet, mainnet
	URL        string // JSON-RPC URL; empty: the cluster's standard endpoint
	AnchorToml string // Anchor.toml to read the ids from; empty: the one built into the binary
	Mints      Mints
}

// Open reads the cluster's program ids, connects to its RPC and, when the ids are DEV-ONLY,
// asks the cluster's genesis hash and refuses a public cluster.
func Open(ctx context.Context, o Options) (*Network, error) {
	cfg := Builtin()
	if o.AnchorToml != "" {
		var err error
		if cfg, err = anchorcfg.Load(o.AnchorToml); err != nil {
			return nil, err
		}
	}
	ids, err := IDsOf(cfg, o.Cluster)
	if err != nil {
		return nil, err
	}
	url := o.URL
	if url == "" {
		endpoints, err := anchorcfg.ClusterEndpoints(o.Cluster)
		if err != nil {
			return nil, err
		}
		url = endpoints.RPC
	}
	n := New(chain.New(url), ids, o.Mints)
	if DevOnly(ids) {
		genesis, err := n.Client.GenesisHash(ctx)
		if err != nil {
			return nil, err
		}
		if err := CheckGenesis(ids, genesis.String()); err != nil {
			return nil, err
		}
	}
	return n, nil
}
