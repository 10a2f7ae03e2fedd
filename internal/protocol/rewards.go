package protocol

import (
	"math/big"

	"github.com/gpunet/gpunet/client/registry"
)

// DeviceEpoch is what the chain recorded about one device in one reward epoch (the oracle
// README's rewards section says how each field is read from it).
type DeviceEpoch struct {
	// UptimeSecs is the sum of the uptime_secs of the device's ProofCounted events whose
	// transactions' block time lies in the epoch.
	UptimeSecs uint64
	// MultiplierBps is the registry's multiplier of the device's hardware class (10,000 = 1x).
	MultiplierBps uint32
	// Reputation is the reputation (0-10,000) of the last of those ProofCounted events.
	Reputation uint16
}

// Weight is a device's weight in its epoch: proven uptime x hardware multiplier x reputation,
// exact (at most 2^112).
func (d DeviceEpoch) Weight() *big.Int {
	w := new(big.Int).SetUint64(d.UptimeSecs)
	w.Mul(w, new(big.Int).SetUint64(uint64(d.MultiplierBps)))
	return w.Mul(w, new(big.Int).SetUint64(uint64(d.Reputation)))
}

// EpochRewards is each device's reward from an epoch's provider pool: floor(pool x w / W),
// w its Weight and W the sum of every device's. The rewards add up to at most pool (less than
// one base unit per device is left over by rounding); with W = 0 nobody earns.
func EpochRewards(pool uint64, devices []DeviceEpoch) []uint64 {
	out := make([]uint64, len(devices))
	weights := make([]*big.Int, len(devices))
	total := new(big.Int)
	for i, d := range devices {
		weights[i] = d.Weight()
		total.Add(total, weights[i])
	}
	if total.Sign() == 0 {
		return out
	}
	p := new(big.Int).SetUint64(pool)
	for i, w := range weights {
		out[i] = w.Mul(w, p).Quo(w, total).Uint64() // w <= total: fits pool
	}
	return out
}

// ClassMultiplier is the multiplier (bps) of hardware model under params, the first class with
// the model as MinStake reads it; 0 when no class has it, so such a device earns nothing.
func ClassMultiplier(params *registry.ConfigParams, model uint32) uint32 {
	m, _ := classMultiplier(params, model)
	return m
}

// classMultiplier is the multiplier of the first configured class with model, and whether
// there is one.
func classMultiplier(params *registry.ConfigParams, model uint32) (uint32, bool) {
	for _, c := range params.HardwareClasses[:min(int(params.HardwareClassCount), len(params.HardwareClasses))] {
		if c.Model == model {
			return c.MultiplierBps, true
		}
	}
	return 0, false
}

// ConfigChange is a registry configuration made live at a transaction's block time:
// initialize_config's parameters, then each ConfigUpdated's (update_config's immediate changes
// and apply_config's delayed ones).
type ConfigChange struct {
	BlockTime int64
	Params    *registry.ConfigParams
}

// ConfigInForce is the configuration an epoch ending at end (unix seconds, exclusive) is
// rewarded under: the last of changes (in chain order) whose block time is before end, the
// same rule that credits a ProofCounted to an epoch; nil when none is. A change at end or
// later belongs to the next epochs, so every oracle picks the same one whenever it folds.
func ConfigInForce(changes []ConfigChange, end int64) *registry.ConfigParams {
	var in *registry.ConfigParams
	for _, c := range changes {
		if c.BlockTime >= end {
			break
		}
		in = c.Params
	}
	return in
}
