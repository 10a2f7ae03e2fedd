// Package localdev configures a freshly started localnet with the DEV-ONLY keys the localnet
// writes to its keys directory: the registry's Config (dev keeper, treasury and oracles, the
// escrow program's authority PDA), the economy's (it takes over the IO and IOSD mints from the
// dev admin key; epoch 0 starts then) and the escrow's (dev scheduler and treasury). It is what
// `make dev` runs after the chain is up; never point it at a real cluster.
package localdev

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/keyfile"
	"github.com/gpunet/gpunet/internal/network"
	oneconomy "github.com/gpunet/gpunet/onchain/economy"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
	onregistry "github.com/gpunet/gpunet/onchain/registry"
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

// Mints are the localnet's IO and IOSD mints: the public keys of its io-mint and iosd-mint keys.
func (k Keys) Mints() (network.Mints, error) {
	io, err := k.Key("io-mint")
	if err != nil {
		return network.Mints{}, err
	}
	iosd, err := k.Key("iosd-mint")
	if err != nil {
		return network.Mints{}, err
	}
	return network.Mints{IO: io.PublicKey(), IOSD: iosd.PublicKey()}, nil
}

// Oracles is the number of dev oracles the localnet creates.
const Oracles = 3

// Params are what Init creates the three Configs with.
type Params struct {
	Registry       registry.ConfigParams
	RegistryLimits registry.RegistryLimits
	Economy        economy.ConfigParams
	EconomyLimits  economy.EconomyLimits
	Escrow         escrow.ConfigParams
	EscrowLimits   escrow.EscrowLimits
}

// DevRegistryTimes are the localnet's registry durations, so that a device registered on
// make dev is proven and Active within about 5 minutes (production's 1 h windows and 12 h
// probation would take half a day): 5 s heartbeats, 1-minute proof windows voted within 30 s
// of their end, 3 minutes of probation, and windows votable for 10 minutes (the next counted
// window catches up on those missed).
func DevRegistryTimes(p *registry.ConfigParams) {
	p.HeartbeatIntervalSecs = 5
	p.ProofWindowSecs = 60
	p.VoteDeadlineSecs = 30
	p.ProbationSecs = 3 * 60
	p.MaxProofAgeSecs = 10 * 60
}

// Init configures the registry, the economy and the escrow of net (with its mints: Keys.Mints)
// on the localnet, signed by the upgrade authority, creating what does not exist yet; a
// registry Config from before the escrow was deployed is pointed at the escrow's authority.
// The Configs it creates have the programs' default parameters and limits with the dev keys
// and DevRegistryTimes, changed by adjust (tests shorten the durations). A registry Config
// with other times is an old chain (ErrOldChain): its proof window is fixed at initialization.
// It reports what it changed.
func Init(ctx context.Context, net *network.Network, keys Keys, adjust ...func(*Params)) ([]string, error) {
	c, prog := net.Client, net.Escrow
	names := []string{"upgrade-authority", "admin", "keeper", "scheduler", "treasury"}
	for i := 1; i <= Oracles; i++ {
		names = append(names, fmt.Sprintf("oracle-%d", i))
	}
	key, pub := map[string]solana.PrivateKey{}, map[string]solana.PublicKey{}
	for _, name := range names {
		k, err := keys.Key(name)
		if err != nil {
			return nil, err
		}
		key[name], pub[name] = k, k.PublicKey()
	}
	admin, mintAuthority := key["upgrade-authority"], key["admin"] // "admin": the mints' authority at genesis
	treasury, _, err := solana.FindAssociatedTokenAddress(pub["treasury"], net.Mints.IO)
	if err != nil {
		return nil, err
	}
	oracles := []solana.PublicKey{pub["oracle-1"], pub["oracle-2"], pub["oracle-3"]}
	params := Params{
		// The localnet sends the renters' compensation share of slashes to the treasury too.
		Registry:       onregistry.DefaultParams(pub["keeper"], treasury, treasury, prog.AuthorityAddress(), oracles, 2),
		RegistryLimits: onregistry.DefaultLimits(),
		// The localnet's community pool is the treasury's IO account.
		Economy:       oneconomy.DefaultParams(treasury, time.Now().Unix()),
		EconomyLimits: oneconomy.DefaultLimits(),
		Escrow:        onescrow.DefaultParams(pub["scheduler"], pub["treasury"]),
		EscrowLimits:  onescrow.DefaultLimits(),
	}
	DevRegistryTimes(&params.Registry)
	for _, a := range adjust {
		a(&params)
	}
	var changed []string
	send := func(what string, ix solana.Instruction, err error, cosigners ...chain.Signer) error {
		if err == nil {
			_, err = c.Send(ctx, []solana.Instruction{ix}, admin, cosigners...)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		changed = append(changed, what)
		return nil
	}

	for _, l := range layouts(prog) {
		if err := fetchChecked(ctx, c, l); err != nil && !errors.Is(err, chain.ErrAccountNotFound) {
			return nil, err
		}
	}
	config, err := prog.Registry.FetchConfig(ctx, c)
	switch {
	case errors.Is(err, chain.ErrAccountNotFound):
		ix, err := prog.Registry.InitializeConfig(admin.PublicKey(), net.Mints.IO, net.Mints.IOSD, params.Registry, params.RegistryLimits)
		if err := send("initialize registry config", ix, err); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		if err := checkTimes(prog.Registry.ConfigAddress(), config.Params, params.Registry); err != nil {
			return nil, err
		}
		if config.Params.EscrowAuthority != prog.AuthorityAddress() {
			if err := repointRegistry(ctx, c, prog, admin, config, send); err != nil {
				return nil, err
			}
		}
	}

	if _, err := prog.Economy.FetchConfig(ctx, c); errors.Is(err, chain.ErrAccountNotFound) {
		ix, err := prog.Economy.Initialize(admin.PublicKey(), mintAuthority.PublicKey(), prog.ID, params.Economy, params.EconomyLimits)
		if err := send("initialize economy config", ix, err, mintAuthority); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}

	if _, err := prog.FetchConfig(ctx, c); errors.Is(err, chain.ErrAccountNotFound) {
		ix, err := prog.InitializeConfig(admin.PublicKey(), params.Escrow, params.EscrowLimits)
		if err := send("initialize escrow config", ix, err); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	return changed, nil
}

// maxRepointWait is how long Init waits for the registry to apply a new escrow authority.
const maxRepointWait = time.Minute

// repointRegistry points a registry Config made before the escrow existed at the escrow's
// authority. A new escrow authority is a delayed change: it is proposed, and applied once its
// delay is over if that is within maxRepointWait (a chain whose delay is longer, days with the
// default parameters, has to be reset instead).
func repointRegistry(ctx context.Context, c *chain.Client, prog onescrow.Program, admin solana.PrivateKey, config *registry.Config,
	send func(string, solana.Instruction, error, ...chain.Signer) error) error {
	const what = "point the registry at the escrow authority"
	params := config.Params
	params.EscrowAuthority = prog.AuthorityAddress()
	ix, err := prog.Registry.UpdateConfig(admin.PublicKey(), params)
	if err := send(what, ix, err); err != nil {
		return err
	}
	config, err = prog.Registry.FetchConfig(ctx, c)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if config.PendingAppliesAt == 0 {
		return nil
	}
	wait := time.Until(time.Unix(config.PendingAppliesAt+1, 0)) // the chain's clock trails ours by up to a slot
	if wait > maxRepointWait {
		return fmt.Errorf("%s: the change applies at %s, reset the chain with `make reset`, then `make dev`",
			what, time.Unix(config.PendingAppliesAt, 0).UTC())
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(wait):
	}
	ix, err = prog.Registry.ApplyConfig()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if _, err := c.Send(ctx, []solana.Instruction{ix}, admin); err != nil {
		return fmt.Errorf("%s: apply: %w", what, err)
	}
	return nil
}
