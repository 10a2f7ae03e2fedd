package protocol

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
)

// The formula on a worked example: weights 3,600 x 100,000 x 5,000, 1,800 x 10,000 x 10,000
// and 0 (no uptime) share a pool of 1,000,000 as 1.8e12 : 1.8e11 : 0, rounded down.
func TestEpochRewardsExample(t *testing.T) {
	got := EpochRewards(1_000_000, []DeviceEpoch{
		{UptimeSecs: 3_600, MultiplierBps: 100_000, Reputation: 5_000},
		{UptimeSecs: 1_800, MultiplierBps: 10_000, Reputation: 10_000},
		{UptimeSecs: 0, MultiplierBps: 10_000, Reputation: 10_000},
	})
	require.Equal(t, []uint64{909_090, 90_909, 0}, got)
	require.Equal(t, []uint64{0, 0}, EpochRewards(5, []DeviceEpoch{{UptimeSecs: 7}, {Reputation: 9}}), "no weight: nobody earns")
	require.Equal(t, []uint64{}, EpochRewards(5, nil))
	require.Equal(t, []uint64{^uint64(0)}, EpochRewards(^uint64(0), []DeviceEpoch{{^uint64(0), ^uint32(0), ^uint16(0)}}), "the largest values do not overflow")
}

// 10,000 epochs of random devices (some extreme): the rewards never add up to more than the
// pool, rounding leaves less than one base unit per earning device, equal devices earn the
// same and a device without weight earns nothing.
func TestEpochRewardsNeverExceedPool(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 14))
	pick := func(extreme, typical uint64) uint64 {
		switch rng.IntN(8) {
		case 0:
			return 0
		case 1:
			return extreme
		}
		return rng.Uint64N(typical + 1)
	}
	for c := range 10_000 {
		pool := pick(^uint64(0), 10_000_000_000_000)
		devices := make([]DeviceEpoch, rng.IntN(40))
		for i := range devices {
			devices[i] = DeviceEpoch{UptimeSecs: pick(^uint64(0), 10_800), MultiplierBps: uint32(pick(uint64(^uint32(0)), 300_000)), Reputation: uint16(pick(10_000, 10_000))}
		}
		if len(devices) > 1 && rng.IntN(2) == 0 {
			devices[1] = devices[0]
		}
		got := EpochRewards(pool, devices)
		require.Len(t, got, len(devices))
		var sum, earning uint64
		for i, r := range got {
			require.LessOrEqual(t, r, pool-sum, "case %d: the sum exceeds the pool %d at device %d: %+v", c, pool, i, devices)
			sum += r
			if devices[i].Weight().Sign() > 0 {
				earning++
			} else {
				require.Zero(t, r, "case %d: device %d has no weight", c, i)
			}
		}
		if earning > 0 {
			require.Less(t, pool-sum, earning, "case %d: rounding lost more than one unit per earning device", c)
		}
		if len(devices) > 1 && devices[1] == devices[0] {
			require.Equal(t, got[0], got[1], "case %d: equal devices", c)
		}
	}
}

// The configuration an epoch is rewarded under is the last one made live before the epoch's
// end: a change before the end counts for the epoch, one at or after it only for later ones,
// and the class multiplier follows.
func TestConfigInForce(t *testing.T) {
	config := func(multiplier uint32) *registry.ConfigParams {
		p := &registry.ConfigParams{HardwareClassCount: 1}
		p.HardwareClasses[0] = registry.HardwareClass{Model: registry.ModelH100, MultiplierBps: multiplier}
		return p
	}
	initial, before, at, after := config(100_000), config(50_000), config(40_000), config(30_000)
	const end = 1_000 // the epoch's end (exclusive)
	changes := []ConfigChange{{BlockTime: 10, Params: initial}, {BlockTime: end - 1, Params: before}}
	require.Same(t, before, ConfigInForce(changes, end), "a change a second before the end")
	require.Same(t, initial, ConfigInForce(changes, end-1), "the change at an earlier epoch's end is not its")
	changes = append(changes, ConfigChange{BlockTime: end, Params: at}, ConfigChange{BlockTime: end + 5, Params: after})
	require.Same(t, before, ConfigInForce(changes, end), "changes at and after the end are left out")
	require.Same(t, at, ConfigInForce(changes, end+1))
	require.Same(t, after, ConfigInForce(changes, end+6))
	require.Nil(t, ConfigInForce(changes, 10), "nothing before initialization")
	require.Nil(t, ConfigInForce(nil, end))
	require.Equal(t, uint32(50_000), ClassMultiplier(ConfigInForce(changes, end), registry.ModelH100))

	// several changes in one block (one block time): the last in chain order
	same := []ConfigChange{{BlockTime: 10, Params: initial}, {BlockTime: 500, Params: before}, {BlockTime: 500, Params: after}}
	require.Same(t, after, ConfigInForce(same, end))
}
