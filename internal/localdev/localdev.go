// Package localdev configures a freshly started localnet with the DEV-ONLY keys the localnet
// writes to its keys directory: the registry's Config (dev keeper, treasury and oracles, the
// escrow program's authority PDA) and the escrow's Config (dev scheduler and treasury). It is
// what `make dev` runs after the chain is up; never point it at a real cluster.
package localdev

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/escrow"
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

// Init configures the registry and the escrow (prog.Registry) on the localnet, signed by the
// upgrade authority, creating what does not exist yet; a registry Config from before the
// escrow was deployed is pointed at the escrow's authority. It reports what it changed.
func Init(ctx context.Context, c *chain.Client, prog escrow.Program, keys Keys) ([]string, error) {
	names := []string{"upgrade-authority", "keeper", "scheduler", "treasury", "io-mint", "iosd-mint"}
	for i := 1; i <= Oracles; i++ {
		names = append(names, fmt.Sprintf("oracle-%d", i))
	}
	pub := map[string]solana.PublicKey{}
	admin, err := keys.Key("upgrade-authority")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		key, err := keys.Key(name)
		if err != nil {
			return nil, err
		}
		pub[name] = key.PublicKey()
	}
	var changed []string
	send := func(what string, ix solana.Instruction, err error) error {
		if err == nil {
			_, err = c.Send(ctx, []solana.Instruction{ix}, admin)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		changed = append(changed, what)
		return nil
	}

	config, err := prog.Registry.FetchConfig(ctx, c)
	switch {
	case errors.Is(err, chain.ErrAccountNotFound):
		treasury, _, err := solana.FindAssociatedTokenAddress(pub["treasury"], pub["io-mint"])
		if err != nil {
			return nil, err
		}
		oracles := []solana.PublicKey{pub["oracle-1"], pub["oracle-2"], pub["oracle-3"]}
		// The localnet sends the renters' compensation share of slashes to the treasury too.
		params := registry.DefaultParams(pub["keeper"], treasury, treasury, prog.AuthorityAddress(), oracles, 2)
		ix, err := prog.Registry.InitializeConfig(admin.PublicKey(), pub["io-mint"], pub["iosd-mint"], params)
		if err := send("initialize registry config", ix, err); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	case config.Params.EscrowAuthority != prog.AuthorityAddress():
		params := config.Params
		params.EscrowAuthority = prog.AuthorityAddress()
		ix, err := prog.Registry.UpdateConfig(admin.PublicKey(), params)
		if err := send("point the registry at the escrow authority", ix, err); err != nil {
			return nil, err
		}
	}

	if _, err := prog.FetchConfig(ctx, c); errors.Is(err, chain.ErrAccountNotFound) {
		ix, err := prog.InitializeConfig(admin.PublicKey(), escrow.DefaultParams(pub["scheduler"], pub["treasury"]))
		if err := send("initialize escrow config", ix, err); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	return changed, nil
}
