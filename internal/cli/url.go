package cli

import (
	"fmt"
	"net/url"

	"github.com/gpunet/gpunet/internal/anchorcfg"
)

// Target is where -u/--url points.
type Target struct {
	URL string
	// Cluster is the Anchor.toml cluster a moniker names (localnet, devnet, testnet, mainnet);
	// empty for a URL, whose cluster its genesis hash tells.
	Cluster string
}

// Monikers are the Solana CLI's cluster names and their one-letter forms, each with its
// Anchor.toml cluster; the Anchor.toml names are accepted too.
var Monikers = map[string]string{
	"localhost": "localnet", "l": "localnet", "localnet": "localnet",
	"devnet": "devnet", "d": "devnet",
	"testnet": "testnet", "t": "testnet",
	"mainnet-beta": "mainnet", "m": "mainnet", "mainnet": "mainnet",
}

// ParseTarget reads a -u/--url value: a moniker or an http(s) URL.
func ParseTarget(s string) (Target, error) {
	if cluster, ok := Monikers[s]; ok {
		endpoints, err := anchorcfg.ClusterEndpoints(cluster)
		if err != nil {
			return Target{}, err
		}
		return Target{URL: endpoints.RPC, Cluster: cluster}, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Target{}, fmt.Errorf("--url %q: want localhost, devnet, testnet, mainnet-beta (or l, d, t, m) or an http(s) URL", s)
	}
	return Target{URL: s}, nil
}
