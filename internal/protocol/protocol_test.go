package protocol

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/programerr"
	"github.com/gpunet/gpunet/client/registry"
)

// requireResult requires a rule's exact answer: want and wantErr.
func requireResult[T any](t *testing.T, want T, wantErr error, got T, err error) {
	t.Helper()
	require.Equal(t, wantErr, err)
	require.Equal(t, want, got)
}

// config is a registry Config with base stake 1,000, 1 day of probation and the classes
// model 1 at 1x, model 2 at 10x and model 3 at 0.5x (counted as 1x).
func config(paused bool) registry.Config {
	var c registry.Config
	if paused {
		c.Paused = 1
	}
	c.Params.BaseStake = 1_000
	c.Params.ProbationSecs = 86_400
	c.Params.HardwareClassCount = 3
	c.Params.HardwareClasses[0] = registry.HardwareClass{Model: 1, MultiplierBps: 10_000}
	c.Params.HardwareClasses[1] = registry.HardwareClass{Model: 2, MultiplierBps: 100_000}
	c.Params.HardwareClasses[2] = registry.HardwareClass{Model: 3, MultiplierBps: 5_000}
	return c
}

func TestMinStake(t *testing.T) {
	c := config(false)
	for _, tc := range []struct {
		name  string
		base  uint64
		model uint32
		want  uint64
		err   error
	}{
		{"1x", 1_000, 1, 1_000, nil},
		{"10x", 1_000, 2, 10_000, nil},
		{"below 1x counts as 1x", 1_000, 3, 1_000, nil},
		{"rounded up", 3, 2, 30, nil},
		{"unknown model", 1_000, 4, 0, registry.ErrUnknownHardwareClass},
		{"overflow", math.MaxUint64, 2, 0, registry.ErrArithmeticOverflow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.Params.BaseStake = tc.base
			got, err := MinStake(&c.Params, tc.model)
			requireResult(t, tc.want, tc.err, got, err)
		})
	}
	c.Params.BaseStake = 7
	c.Params.HardwareClassCount = 1 // model 2 is past the configured classes
	_, err := MinStake(&c.Params, 2)
	require.Equal(t, registry.ErrUnknownHardwareClass, err)
}

func TestNotHireableListsReasonsInTheRegistrysOrder(t *testing.T) {
	for _, tc := range []struct {
		name   string
		paused bool
		status uint8
		model  uint32
		stake  uint64
		want   []*programerr.Error
	}{
		{"hireable", false, registry.StatusActive, 2, 10_000, nil},
		{"paused", true, registry.StatusActive, 2, 10_000, []*programerr.Error{registry.ErrProgramPaused}},
		{"hired", false, registry.StatusHired, 2, 10_000, []*programerr.Error{registry.ErrDeviceNotHireable}},
		{"stake below the current minimum", false, registry.StatusActive, 2, 9_999,
			[]*programerr.Error{registry.ErrStakeBelowMinimum}},
		{"class removed", false, registry.StatusActive, 9, 10_000, []*programerr.Error{registry.ErrUnknownHardwareClass}},
		{"all three, paused first", true, registry.StatusProbation, 2, 0, []*programerr.Error{
			registry.ErrProgramPaused, registry.ErrDeviceNotHireable, registry.ErrStakeBelowMinimum}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := config(tc.paused)
			d := registry.Device{Status: tc.status, Stake: tc.stake, Spec: registry.DeviceSpec{HardwareModel: tc.model}}
			require.Equal(t, tc.want, NotHireable(&c, &d))
			if tc.want == nil {
				require.NoError(t, Hireable(&c, &d))
			} else {
				require.Equal(t, tc.want[0], Hireable(&c, &d))
			}
		})
	}
}

func TestNextStatus(t *testing.T) {
	c := config(false)
	job := registry.Device{}.CurrentJob
	job[0] = 1
	for _, tc := range []struct {
		name string
		d    registry.Device
		want uint8
	}{
		{"deregistered stays", registry.Device{Status: registry.StatusDeregistered, PendingSlashes: 1},
			registry.StatusDeregistered},
		{"slash pending", registry.Device{Status: registry.StatusHired, PendingSlashes: 1, CurrentJob: job},
			registry.StatusSuspended},
		{"on a job", registry.Device{Status: registry.StatusActive, CurrentJob: job}, registry.StatusHired},
		{"proven and staked", registry.Device{ProvenUptimeSecs: 86_400, Stake: 1_000,
			Spec: registry.DeviceSpec{HardwareModel: 1}}, registry.StatusActive},
		{"uptime one second short", registry.Device{Status: registry.StatusActive, ProvenUptimeSecs: 86_399,
			Stake: 1_000, Spec: registry.DeviceSpec{HardwareModel: 1}}, registry.StatusProbation},
		{"stake one short", registry.Device{Status: registry.StatusActive, ProvenUptimeSecs: 86_400, Stake: 9_999,
			Spec: registry.DeviceSpec{HardwareModel: 2}}, registry.StatusProbation},
		{"unknown class: minimum unreachable", registry.Device{ProvenUptimeSecs: 86_400, Stake: math.MaxUint64 - 1,
			Spec: registry.DeviceSpec{HardwareModel: 9}}, registry.StatusProbation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, NextStatus(&tc.d, &c.Params))
		})
	}
}

// job is a job at 3,600 per device-hour (1 per second) with a 5% fee, half burned, started at
// 1,000 for 2 devices over 1 hour, its deposit (7,200) held.
func job() escrow.Job {
	return escrow.Job{PricePerHour: 3_600, FeeBps: 500, FeeBurnBps: 5_000, StartedAt: 1_000, DurationSecs: 3_600,
		DeviceCount: 2, Deposited: 7_200}
}

func TestCost(t *testing.T) {
	for _, tc := range []struct {
		name        string
		price, secs uint64
		n           uint8
		want        uint64
		err         error
	}{
		{"2 devices, 1 hour", 3_600, 3_600, 2, 7_200, nil},
		{"floored", 1, 3_599, 1, 0, nil},
		{"128-bit product", math.MaxUint64, 3_600, 1, math.MaxUint64, nil},
		{"quotient too big", math.MaxUint64, 3_600, 2, 0, escrow.ErrArithmeticOverflow},
		{"device seconds too big", 1, math.MaxUint64, 2, 0, escrow.ErrArithmeticOverflow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Cost(tc.price, tc.n, tc.secs)
			requireResult(t, tc.want, tc.err, got, err)
		})
	}
}

func TestPayInStepsEqualsPayAtOnce(t *testing.T) {
	j := job()
	whole, err := Pay(&j, 0, 1_001)
	require.NoError(t, err)
	require.Equal(t, Split{Gross: 1_001, Payout: 951, FeeTreasury: 25, FeeBurned: 25}, whole)
	var steps Split
	for from := uint64(0); from < 1_001; from += 77 {
		s, err := Pay(&j, from, min(from+77, 1_001))
		require.NoError(t, err)
		steps = Split{steps.Gross + s.Gross, steps.Payout + s.Payout, steps.FeeTreasury + s.FeeTreasury,
			steps.FeeBurned + s.FeeBurned}
	}
	require.Equal(t, whole, steps)
	_, err = Pay(&j, 2, 1)
	require.Equal(t, escrow.ErrArithmeticOverflow, err)
}

func TestRefundKeepsWhatTheSlotsMayStillBePaid(t *testing.T) {
	j := job()
	j.EndedAt = 2_800 // ended 30 minutes in
	j.SlotCount = 2
	// slot 0 ran to the end, 1,000 s of its 1,800 paid; slot 1 left at 1,600 having joined at 1,100, unpaid
	j.Slots[0] = escrow.Slot{State: escrow.SlotHired, JoinedAt: 1_000, VerifiedSecs: 1_000, PaidSecs: 1_000}
	j.Slots[1] = escrow.Slot{State: escrow.SlotLeft, JoinedAt: 1_100, LeftAt: 1_600}
	j.PaidOut, j.FeesTreasury, j.FeesBurned = 950, 25, 25
	require.Equal(t, int64(2_800), SlotEnd(&j, &j.Slots[0]))
	require.Equal(t, int64(1_600), SlotEnd(&j, &j.Slots[1]))
	require.Equal(t, uint64(1_800), SlotCap(&j, &j.Slots[0], 5_000))
	require.Equal(t, uint64(300), SlotCap(&j, &j.Slots[1], 1_400))
	require.Equal(t, uint64(0), SlotCap(&j, &escrow.Slot{}, 5_000))

	held, err := Held(&j)
	require.NoError(t, err)
	require.Equal(t, uint64(6_200), held)
	reserve, err := Reserve(&j)
	require.NoError(t, err)
	require.Equal(t, uint64(800+500), reserve)
	refund, err := Refund(&j)
	require.NoError(t, err)
	require.Equal(t, uint64(4_900), refund)

	j.Refunded = 7_000 // more gone (8,000) than deposited
	_, err = Held(&j)
	require.Equal(t, escrow.ErrArithmeticOverflow, err)
	_, err = Refund(&j)
	require.Equal(t, escrow.ErrArithmeticOverflow, err)
	j.Refunded = 5_000 // held 1,200 < reserve 1,300
	_, err = Refund(&j)
	require.Equal(t, escrow.ErrArithmeticOverflow, err)
}

// A slot released by the job's end left with it; one replaced or quit before did not, and one
// that never joined never served.
func TestLeftBeforeTheEnd(t *testing.T) {
	j := job()
	j.Slots[0] = escrow.Slot{State: escrow.SlotLeft, JoinedAt: 1_000, LeftAt: 1_600}
	require.True(t, LeftBeforeTheEnd(&j, &j.Slots[0]), "the job runs on")
	j.EndedAt = 2_800
	require.True(t, LeftBeforeTheEnd(&j, &j.Slots[0]), "left before the end")
	j.Slots[1] = escrow.Slot{State: escrow.SlotLeft, JoinedAt: 1_000, LeftAt: 2_800}
	require.False(t, LeftBeforeTheEnd(&j, &j.Slots[1]), "released by the end")
	require.False(t, LeftBeforeTheEnd(&j, &escrow.Slot{State: escrow.SlotLeft, LeftAt: 1_600}), "never joined")
	require.False(t, LeftBeforeTheEnd(&j, &escrow.Slot{State: escrow.SlotHired, JoinedAt: 1_000}), "still hired")
}
