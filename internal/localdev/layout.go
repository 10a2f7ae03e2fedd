package localdev

import (
	"context"
	"errors"
	"fmt"
	"strings"

	bin "github.com/gagliardetto/binary"
	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
)

// ErrOldChain: the saved chain holds accounts in a layout this build no longer writes.
var ErrOldChain = errors.New("the localnet's saved chain was made by an older gpunet")

// configLayout is what this build writes into a program's Config account: its size, and the
// layout version stored in it (read by version from a Config of the current size).
type configLayout struct {
	program string
	address solana.PublicKey
	size    int
	want    uint8
	version func(data []byte) (uint8, error)
}

// accountSize is the size of an account of a generated type: its 8-byte discriminator and the
// borsh encoding of a zero value (bytemuck layouts have no variable-length fields).
func accountSize(zero bin.BinaryMarshaler) int {
	data, err := bin.MarshalBorsh(zero)
	if err != nil {
		panic(err) // a generated fixed-size type always encodes
	}
	return 8 + len(data)
}

// layouts lists the Configs Init writes, with the layout this build gives them.
func layouts(prog onescrow.Program) []configLayout {
	return []configLayout{
		layoutOf("registry", prog.Registry.ConfigAddress(), &registry.Config{}, registry.LayoutVersion,
			registry.ParseAccount_Config, func(c *registry.Config) uint8 { return c.Version }),
		layoutOf("economy", prog.Economy.ConfigAddress(), &economy.Config{}, economy.LayoutVersion,
			economy.ParseAccount_Config, func(c *economy.Config) uint8 { return c.Version }),
		layoutOf("escrow", prog.ConfigAddress(), &escrow.Config{}, escrow.LayoutVersion,
			escrow.ParseAccount_Config, func(c *escrow.Config) uint8 { return c.Version }),
	}
}

// layoutOf describes a Config of the generated type T.
func layoutOf[T bin.BinaryMarshaler](program string, address solana.PublicKey, zero T, want uint8,
	parse func([]byte) (T, error), version func(T) uint8) configLayout {
	return configLayout{program: program, address: address, size: accountSize(zero), want: want,
		version: func(data []byte) (uint8, error) {
			c, err := parse(data)
			if err != nil {
				return 0, err
			}
			return version(c), nil
		}}
}

// checkLayout refuses a Config whose size or version is not this build's: the programs were
// upgraded in place over a chain restored from target/localnet/state, and every instruction
// would fail on the old accounts with an obscure error.
func checkLayout(l configLayout, data []byte) error {
	if len(data) == l.size {
		v, err := l.version(data)
		if err == nil && v == l.want {
			return nil
		}
		if err == nil {
			return fmt.Errorf("%w: the %s Config at %s has layout version %d, this build writes %d; "+
				"reset the chain with `make reset`, then `make dev`", ErrOldChain, l.program, l.address, v, l.want)
		}
	}
	return fmt.Errorf("%w: the %s Config at %s is %d bytes, this build's is %d; "+
		"reset the chain with `make reset`, then `make dev`", ErrOldChain, l.program, l.address, len(data), l.size)
}

// checkTimes refuses a registry Config whose durations are not the ones Init creates: a chain
// saved by an older make dev (the production times, say) would leave devices in probation for
// hours, and its proof window can never change (update_config refuses it).
func checkTimes(address solana.PublicKey, have, want registry.ConfigParams) error {
	var diffs []string
	for _, f := range []struct {
		name       string
		have, want int64
	}{
		{"proof_window_secs", have.ProofWindowSecs, want.ProofWindowSecs},
		{"heartbeat_interval_secs", have.HeartbeatIntervalSecs, want.HeartbeatIntervalSecs},
		{"probation_secs", have.ProbationSecs, want.ProbationSecs},
		{"vote_deadline_secs", have.VoteDeadlineSecs, want.VoteDeadlineSecs},
		{"max_proof_age_secs", have.MaxProofAgeSecs, want.MaxProofAgeSecs},
	} {
		if f.have != f.want {
			diffs = append(diffs, fmt.Sprintf("%s %d (this build: %d)", f.name, f.have, f.want))
		}
	}
	if len(diffs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: the registry Config at %s has %s, and the proof window is fixed at initialization; "+
		"reset the chain with `make reset`, then `make dev`", ErrOldChain, address, strings.Join(diffs, ", "))
}

// fetchChecked reads the Config at l.address and checks its layout; ErrAccountNotFound passes
// through (the program is not configured yet).
func fetchChecked(ctx context.Context, c *chain.Client, l configLayout) error {
	data, err := c.AccountData(ctx, l.address)
	if err != nil {
		return err
	}
	return checkLayout(l, data)
}
