// Package localdev configures a freshly started localnet with the DEV-ONLY keys the localnet
// writes to its keys directory: the registry's Config with the dev keeper, treasury and
// oracles. It is what `make dev` runs after the chain is up; never point it at a real cluster.
package localdev

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/keyfile"
)

// Keys are the localnet's dev keypairs, read from its keys directory.
type Keys struct {
	dir string
}

// OpenKeys reads keys from the localnet's keys directory.
func OpenKeys(dir string) Keys { return Keys{dir: dir} }

// Key loads the dev key of that name ("upgrade-authority", "oracle-1", ...).
func (k Keys) Key(name string) (solana.PrivateKey, error) {
	return keyfile.Load(filepath.Join(k.dir, name+".json"))
}

// Oracles is the number of dev oracles the localnet creates.
const Oracles = 3

// InitRegistry initializes the registry's Config on the localnet, signed by the upgrade
// authority, unless it exists already. It reports whether it created it.
func InitRegistry(ctx context.Context, c *chain.Client, prog registry.Program, keys Keys) (bool, error) {
	_, err := prog.FetchConfig(ctx, c)
	if err == nil {
		return false, nil
	}
	if !errors.Is(err, chain.ErrAccountNotFound) {
		return false, err
	}
	names := []string{"upgrade-authority", "admin", "keeper", "treasury", "io-mint", "iosd-mint"}
	for i := 1; i <= Oracles; i++ {
		names = append(names, fmt.Sprintf("oracle-%d", i))
	}
	pub := map[string]solana.PublicKey{}
	var admin solana.PrivateKey
	for _, name := range names {
		key, err := keys.Key(name)
		if err != nil {
			return false, err
		}
		pub[name] = key.PublicKey()
		if name == "upgrade-authority" {
			admin = key
		}
	}
	treasury, _, err := solana.FindAssociatedTokenAddress(pub["treasury"], pub["io-mint"])
	if err != nil {
		return false, err
	}
	oracles := []solana.PublicKey{pub["oracle-1"], pub["oracle-2"], pub["oracle-3"]}
	// The localnet sends the renters' compensation share of slashes to the treasury too, and
	// lets the dev admin key stand in for the escrow program's authority until escrow is
	// deployed (update_config then names the escrow PDA).
	params := registry.DefaultParams(pub["keeper"], treasury, treasury, pub["admin"], oracles, 2)
	ix, err := prog.InitializeConfig(admin.PublicKey(), pub["io-mint"], pub["iosd-mint"], params)
	if err != nil {
		return false, err
	}
	if _, err := c.Send(ctx, []solana.Instruction{ix}, admin); err != nil {
		return false, fmt.Errorf("initialize registry config: %w", err)
	}
	return true, nil
}
