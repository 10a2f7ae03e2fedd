package protocol

import (
	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
)

// Mint is a job's payment mint, as the escrow tells them apart: its Config's iosd_mint, or
// io_mint (create_job accepts no other).
type Mint uint8

const (
	MintIOSD Mint = iota
	MintIO
)

// MinPrice is the least price per device-hour device d accepts in mint: its ask x
// registry.AskUnit base units. ok is false when d refuses the mint altogether (an IO ask of 0).
func MinPrice(d *registry.Device, mint Mint) (price uint64, ok bool) {
	ask := d.AskIosd
	if mint == MintIO {
		ask = d.AskIo
		if ask == 0 {
			return 0, false
		}
	}
	return uint64(ask) * registry.AskUnit, true // a u32 x 1,000 never overflows
}

// AcceptsPrice is nil when device d's ask accepts a job paying price per device-hour in mint,
// else the error accept_job fails with (escrow_check_ask): ErrIoNotAccepted when d takes no IO,
// ErrPriceBelowAsk when price is below its ask.
func AcceptsPrice(d *registry.Device, mint Mint, price uint64) error {
	least, ok := MinPrice(d, mint)
	switch {
	case !ok:
		return escrow.ErrIoNotAccepted
	case price < least:
		return escrow.ErrPriceBelowAsk
	}
	return nil
}
