package protocol

import (
	"math"

	"github.com/gpunet/gpunet/client/programerr"
	"github.com/gpunet/gpunet/client/registry"
)

// MinStake is the minimum stake of hardware model under params: base_stake x max(1x, the
// multiplier of the model's class), rounded up (registry_view_min_stake). The first
// configured class with the model counts; none is ErrUnknownHardwareClass.
func MinStake(params *registry.ConfigParams, model uint32) (uint64, error) {
	stake, err := minStake(params, model)
	if err != nil {
		return 0, err
	}
	return stake, nil
}

func minStake(params *registry.ConfigParams, model uint32) (uint64, *programerr.Error) {
	m, ok := classMultiplier(params, model)
	if !ok {
		return 0, registry.ErrUnknownHardwareClass
	}
	stake, ok := mulDivCeil(params.BaseStake, uint64(max(m, registry.Bps)), uint64(registry.Bps))
	if !ok {
		return 0, registry.ErrArithmeticOverflow
	}
	return stake, nil
}

// NotHireable is every reason device d cannot be hired now, in the order the registry checks
// them (registry_view_hireable), so the first is the error set_device_job fails with:
// ErrProgramPaused, ErrDeviceNotHireable (not Active), then the stake against the CURRENT
// minimum: ErrStakeBelowMinimum, or MinStake's error. Empty when d is hireable.
func NotHireable(config *registry.Config, d *registry.Device) []*programerr.Error {
	var reasons []*programerr.Error
	if config.Paused != 0 {
		reasons = append(reasons, registry.ErrProgramPaused)
	}
	if d.Status != registry.StatusActive {
		reasons = append(reasons, registry.ErrDeviceNotHireable)
	}
	minimum, err := minStake(&config.Params, d.Spec.HardwareModel)
	switch {
	case err != nil:
		reasons = append(reasons, err)
	case d.Stake < minimum:
		reasons = append(reasons, registry.ErrStakeBelowMinimum)
	}
	return reasons
}

// Hireable is nil when device d can be hired now, else the registry's error: the first of
// NotHireable.
func Hireable(config *registry.Config, d *registry.Device) error {
	if reasons := NotHireable(config, d); len(reasons) > 0 {
		return reasons[0]
	}
	return nil
}

// NextStatus is the status registry_refresh_status gives device d under params: Deregistered
// stays; otherwise Suspended while a slash is pending, Hired while it has a job, Active once
// its proven uptime reaches probation_secs and its stake the minimum (an unknown class's
// minimum is unreachable), else Probation.
func NextStatus(d *registry.Device, params *registry.ConfigParams) uint8 {
	if d.Status == registry.StatusDeregistered {
		return d.Status
	}
	minimum, err := minStake(params, d.Spec.HardwareModel)
	if err != nil {
		minimum = math.MaxUint64
	}
	switch {
	case d.PendingSlashes > 0:
		return registry.StatusSuspended
	case !d.CurrentJob.IsZero():
		return registry.StatusHired
	case d.ProvenUptimeSecs >= uint64(params.ProbationSecs) && d.Stake >= minimum:
		return registry.StatusActive
	default:
		return registry.StatusProbation
	}
}
