package scheduler

import (
	"fmt"
	"math/bits"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/protocol"
)

// Estimate is what a job of Devices devices for Secs seconds at PricePerHour costs, computed
// with the escrow's own arithmetic (internal/protocol): the deposit the renter locks, and, if
// every device serves every second, what the providers are paid, the treasury's fee and the
// burn. Deposit minus their sum is refunded at the end (the escrow floors per device).
type Estimate struct {
	Mint         Mint   `json:"mint"`
	PricePerHour uint64 `json:"price_per_hour"`
	Devices      int    `json:"devices"`
	Secs         uint64 `json:"secs"`
	// Jobs is how many escrow jobs hold the devices (at most escrow.MaxDevices each; a
	// Cluster ties them together when there are more).
	Jobs        int    `json:"jobs"`
	Deposit     uint64 `json:"deposit"`
	Payout      uint64 `json:"payout"`
	FeeTreasury uint64 `json:"fee_treasury"`
	FeeBurned   uint64 `json:"fee_burned"`
	// PerDevice is one device's full run.
	PerDevice protocol.Split `json:"per_device"`
}

// Price is the job price a selection needs: the highest ask among devices, the lowest price
// each of them accepts. When every ask is 0 (any IOSD price) no device names one, so the
// renter's max price stands.
func Price(devices []Device, maxPrice uint64) uint64 {
	var price uint64
	for _, d := range devices {
		price = max(price, d.Ask)
	}
	if price == 0 {
		return maxPrice
	}
	return price
}

// Cost estimates a job of devices devices for hours at pricePerHour in mint, under the escrow's
// fee parameters; escrow.ErrArithmeticOverflow when an amount does not fit 64 bits.
func Cost(mint Mint, pricePerHour uint64, devices int, hours uint64, fees escrow.ConfigParams) (Estimate, error) {
	if devices < 1 {
		return Estimate{}, fmt.Errorf("%w: %d devices", ErrBadRequest, devices)
	}
	hi, secs := bits.Mul64(hours, uint64(escrow.SecsPerHour))
	if hi != 0 {
		return Estimate{}, escrow.ErrArithmeticOverflow
	}
	est := Estimate{Mint: mint, PricePerHour: pricePerHour, Devices: devices, Secs: secs}
	job := escrow.Job{PricePerHour: pricePerHour, FeeBps: fees.FeeBps, FeeBurnBps: fees.FeeBurnBps}
	var err error
	if est.PerDevice, err = protocol.Pay(&job, 0, secs); err != nil {
		return Estimate{}, err
	}
	for left := devices; left > 0; left -= int(escrow.MaxDevices) {
		deposit, err := protocol.Cost(pricePerHour, uint8(min(left, int(escrow.MaxDevices))), secs)
		if err != nil {
			return Estimate{}, err
		}
		if est.Deposit, err = add(est.Deposit, deposit); err != nil {
			return Estimate{}, err
		}
		est.Jobs++
	}
	for _, f := range []struct {
		out  *uint64
		each uint64
	}{
		{&est.Payout, est.PerDevice.Payout}, {&est.FeeTreasury, est.PerDevice.FeeTreasury}, {&est.FeeBurned, est.PerDevice.FeeBurned},
	} {
		hi, total := bits.Mul64(f.each, uint64(devices))
		if hi != 0 {
			return Estimate{}, escrow.ErrArithmeticOverflow
		}
		*f.out = total
	}
	return est, nil
}

func add(a, b uint64) (uint64, error) {
	sum, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return 0, escrow.ErrArithmeticOverflow
	}
	return sum, nil
}
