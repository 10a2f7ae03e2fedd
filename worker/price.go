package worker

import (
	"context"
	"fmt"
	"math"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/cli"
	"github.com/gpunet/gpunet/internal/network"
)

// Asks are a device's asking prices per device-hour in base units of each mint, as the
// registry holds them (Device.ask_iosd / ask_io x registry.AskUnit): an IOSD ask of 0 takes any
// IOSD price, an IO ask of 0 refuses IO jobs.
type Asks struct {
	IOSD uint64 `json:"iosd"`
	IO   uint64 `json:"io"`
}

func asksOf(d *registry.Device) Asks {
	return Asks{IOSD: uint64(d.AskIosd) * registry.AskUnit, IO: uint64(d.AskIo) * registry.AskUnit}
}

// String says what the asks accept: "0.45 IOSD, 1.2 IO per device-hour", "any IOSD price, IO refused".
func (a Asks) String() string {
	iosd, io := "any IOSD price", "IO refused"
	if a.IOSD > 0 {
		iosd = cli.IOSD.Format(a.IOSD) + " per device-hour"
	}
	if a.IO > 0 {
		io = cli.IO.Format(a.IO) + " per device-hour"
	}
	return iosd + ", " + io
}

// ParseAsk reads a price per device-hour in tokens ("0.45") as base units an ask can hold: a
// multiple of registry.AskUnit, at most a u32 of them.
func ParseAsk(t cli.Token, amount string) (uint64, error) {
	units, err := t.Parse(amount)
	if err != nil {
		return 0, err
	}
	if units%registry.AskUnit != 0 {
		return 0, fmt.Errorf("%s %s: asks go in steps of %s (the registry's ASK_UNIT, %d base units)", amount, t.Symbol, t.Format(registry.AskUnit), registry.AskUnit)
	}
	if top := uint64(math.MaxUint32) * registry.AskUnit; units > top {
		return 0, fmt.Errorf("%s %s: the highest ask is %s", amount, t.Symbol, t.Format(top))
	}
	return units, nil
}

// PriceSet is what price set sent: the device's asks before and after.
type PriceSet struct {
	Device solana.PublicKey `json:"device"`
	Before Asks             `json:"before"`
	Asks   Asks             `json:"asks"`
	Transaction
}

// SetPrice sets device's asks to iosd and io (base units per device-hour from ParseAsk; nil
// keeps the current one) with set_asks, paid and signed by its owner as o says.
func SetPrice(ctx context.Context, n *network.Network, device solana.PublicKey, iosd, io *uint64, o OwnerOptions) (*PriceSet, error) {
	d, err := n.Registry.FetchDevice(ctx, n.Client, device)
	if err != nil {
		return nil, fmt.Errorf("device %s (run `gpunet-worker register` first): %w", device, err)
	}
	if d.Owner != o.Owner {
		return nil, fmt.Errorf("device %s belongs to %s, not %s: its owner's wallet signs", device, d.Owner, o.Owner)
	}
	p := &PriceSet{Device: device, Before: asksOf(d)}
	p.Asks = p.Before
	if iosd != nil {
		p.Asks.IOSD = *iosd
	}
	if io != nil {
		p.Asks.IO = *io
	}
	ix, err := n.Registry.SetAsks(o.Owner, device, uint32(p.Asks.IOSD/registry.AskUnit), uint32(p.Asks.IO/registry.AskUnit))
	if err != nil {
		return nil, err
	}
	tx, err := sendAsOwner(ctx, n, []solana.Instruction{ix}, o)
	if err != nil {
		return nil, err
	}
	p.Transaction = *tx
	return p, nil
}
