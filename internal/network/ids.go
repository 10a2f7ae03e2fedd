package network

import (
	"errors"
	"fmt"
	"sync"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet"
	"github.com/gpunet/gpunet/internal/anchorcfg"
)

// Genesis hashes of Solana's public clusters, from the Solana documentation's cluster pages
// (docs.solana.com/clusters: each cluster's validator example passes it as
// --expected-genesis-hash; getGenesisHash on api.<cluster>.solana.com returns the same).
const (
	GenesisDevnet      = "EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG"
	GenesisTestnet     = "4uhcVJyU9pJkvQyS88uRDiswHXSCkY3zQawwpjk2NsNY"
	GenesisMainnetBeta = "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d"
)

var publicClusters = map[string]string{GenesisDevnet: "devnet", GenesisTestnet: "testnet", GenesisMainnetBeta: "mainnet-beta"}

// AnchorCluster is the Anchor.toml cluster of the chain whose genesis hash is genesis:
// devnet, testnet or mainnet for the public ones, DevCluster for any other.
func AnchorCluster(genesis string) string {
	switch name := publicClusters[genesis]; name {
	case "":
		return DevCluster
	case "mainnet-beta":
		return "mainnet"
	default:
		return name
	}
}

// DevCluster is the Anchor.toml cluster whose ids are DEV-ONLY: the localnet derives their
// keypairs from public seeds, so anyone can upgrade a program deployed at one of them.
const DevCluster = "localnet"

var (
	// ErrNoProgramIDs means Anchor.toml names no program ids (or not all) for the cluster.
	ErrNoProgramIDs = errors.New("no program ids for the cluster")
	// ErrDevOnlyIDs means DEV-ONLY program ids were asked for on a public cluster.
	ErrDevOnlyIDs = errors.New("DEV-ONLY program ids on a public cluster")
)

// IDs are the program ids of one cluster.
type IDs struct {
	Registry solana.PublicKey
	Escrow   solana.PublicKey
	Economy  solana.PublicKey
}

// IDsFrom picks the programs' ids out of ids by program name ("registry", ...).
func IDsFrom(ids map[string]solana.PublicKey) (IDs, error) {
	var out IDs
	for name, dst := range map[string]*solana.PublicKey{"registry": &out.Registry, "escrow": &out.Escrow, "economy": &out.Economy} {
		id, ok := ids[name]
		if !ok {
			return IDs{}, fmt.Errorf("%w: program %q has no id", ErrNoProgramIDs, name)
		}
		*dst = id
	}
	return out, nil
}

// IDsOf reads a cluster's ids from an Anchor.toml.
func IDsOf(cfg *anchorcfg.Config, cluster string) (IDs, error) {
	if _, ok := cfg.Programs[cluster]; !ok {
		return IDs{}, fmt.Errorf("%w %q: Anchor.toml has no [programs.%s]; deploy the programs there and add their ids", ErrNoProgramIDs, cluster, cluster)
	}
	ids, err := cfg.ProgramIDs(cluster)
	if err != nil {
		return IDs{}, err
	}
	out, err := IDsFrom(ids)
	if err != nil {
		return IDs{}, fmt.Errorf("[programs.%s]: %w", cluster, err)
	}
	return out, nil
}

// builtin is the Anchor.toml built into the binary; it parses, or the binary was built wrong.
var builtin = sync.OnceValue(func() *anchorcfg.Config {
	cfg, err := anchorcfg.Parse(gpunet.AnchorToml, "Anchor.toml")
	if err != nil {
		panic(err)
	}
	return cfg
})

// Builtin is the Anchor.toml the binary was built with.
func Builtin() *anchorcfg.Config { return builtin() }

// DevOnly reports whether any of ids is one of the DEV-ONLY ids (Builtin's [programs.localnet]).
func DevOnly(ids IDs) bool {
	dev, err := IDsOf(Builtin(), DevCluster)
	if err != nil {
		panic(err) // the built-in Anchor.toml lacks its localnet ids: the binary was built wrong
	}
	return ids.Registry == dev.Registry || ids.Escrow == dev.Escrow || ids.Economy == dev.Economy
}

// CheckGenesis refuses DEV-ONLY ids on the cluster whose genesis hash is genesis when that is
// devnet's, testnet's or mainnet-beta's.
func CheckGenesis(ids IDs, genesis string) error {
	if name, public := publicClusters[genesis]; public && DevOnly(ids) {
		return fmt.Errorf("%w: %s runs a public cluster (%s); generate program keypairs of your own, deploy them and put their ids in Anchor.toml", ErrDevOnlyIDs, name, genesis)
	}
	return nil
}
