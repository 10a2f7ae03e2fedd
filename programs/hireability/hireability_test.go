// Package hireability_test checks internal/protocol's hireability against the registry on the
// localnet: the first reason protocol gives for a device not being hireable is the error the
// registry's set_device_job returns when the escrow authority hires it, and a device protocol
// finds hireable is hired.
package hireability_test

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/programerr"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/protocol"
)

// devices is how many devices every phase tries to hire.
const devices = 40

// phase is the registry's configuration while every device is tried.
type phase struct {
	paused    bool
	baseStake uint64 // added to the launch base stake, in base units: 1 puts every minimum above stakes at it
}

// phases walk the configuration through pausing and a higher minimum, and back. (The registry
// refuses to remove a hardware class that devices use, so UnknownHardwareClass cannot happen.)
var phases = []phase{{}, {paused: true}, {baseStake: 1}, {}, {paused: true, baseStake: 1}, {baseStake: 1}, {}}

// device is a registered device, the job it was hired for, if any, and whether it was slashed
// (one pending slash per offence).
type device struct {
	key     solana.PrivateKey
	job     solana.PublicKey
	slashed bool
}

// parallel runs f(i) for i in [0, n) at once and returns the errors, by i.
func parallel(n int, f func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = f(i) })
	}
	wg.Wait()
	return errs
}

func requireNoErrors(t *testing.T, errs []error) {
	t.Helper()
	for i, err := range errs {
		require.NoError(t, err, "#%d", i)
	}
}

func TestFirstReasonIsTheRegistrysError(t *testing.T) {
	start := time.Now()
	e := chaintest.New(t)
	escrow := e.Node.Key("admin") // stands in for the escrow program's authority
	launch := e.InitRegistry(t, escrow.PublicKey(), func(p *registry.ConfigParams) { p.ProbationSecs = 2 })
	r := rand.New(rand.NewPCG(12, 5))

	// One provider owns every device: a random model (RTX 4090, A100 or H100), staked one base
	// unit below, at or one above its minimum; three in four prove the 2 s probation.
	owner := e.Funded(t)
	token := e.TokenAccount(t, e.IOMint, owner.PublicKey(), 100_000*chaintest.IO)
	require.NoError(t, e.Send([]solana.PrivateKey{owner}, chaintest.Must(e.Registry.RegisterProvider(owner.PublicKey(), "https://provider.example/meta.json"))))
	ds := make([]*device, devices)
	models := []uint32{registry.ModelRTX4090, registry.ModelA100_80G, registry.ModelH100}
	requireNoErrors(t, parallel(devices, func(i int) error {
		ds[i] = &device{key: solana.NewWallet().PrivateKey}
		spec := chaintest.H100
		spec.HardwareModel = models[i%len(models)]
		minimum, err := protocol.MinStake(&launch, spec.HardwareModel)
		if err != nil {
			return err
		}
		return e.Send([]solana.PrivateKey{owner, ds[i].key},
			chaintest.Must(e.Registry.RegisterDevice(owner.PublicKey(), ds[i].key.PublicKey(), e.IOMint, spec)),
			chaintest.Must(e.Registry.Stake(owner.PublicKey(), ds[i].key.PublicKey(), token, minimum-1+uint64(i/len(models)%3))))
	}))
	window := chaintest.PastWindow(0)
	for oracle := range 2 { // the test quorum, one vote a transaction
		requireNoErrors(t, parallel(devices, func(i int) error {
			if i%4 == 3 {
				return nil
			}
			p := chaintest.Provider{Owner: owner, DeviceKey: ds[i].key, Device: e.Registry.DeviceAddress(ds[i].key.PublicKey())}
			_, err := e.Vote(owner, oracle, p, registry.ProofReport{Window: window, UptimeSecs: 2, Challenge: registry.ChallengeNone})
			return err
		}))
	}
	t.Logf("%d devices set up in %s", devices, time.Since(start).Round(time.Millisecond))

	outcomes := map[string]int{}
	slashes := 0
	for n, ph := range phases {
		config, err := e.Registry.FetchConfig(e.Ctx, e.Client)
		require.NoError(t, err)
		if config.Paused != 0 {
			require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, chaintest.Must(e.Registry.SetPause(e.Admin.PublicKey(), false))))
		}
		// Between phases, some hired devices are released and a few slashed (Suspended).
		release, slash := make([]bool, devices), make([]bool, devices)
		for i, d := range ds {
			release[i] = !d.job.IsZero() && r.IntN(2) == 0
			slash[i] = !release[i] && !d.slashed && n > 0 && r.IntN(16) == 0
			if slash[i] {
				d.slashed = true
				slashes++
			}
		}
		requireNoErrors(t, parallel(devices, func(i int) error {
			d := ds[i]
			switch {
			case release[i]:
				job := d.job
				d.job = solana.PublicKey{}
				return e.Send([]solana.PrivateKey{escrow}, chaintest.Must(e.Registry.ReleaseDevice(escrow.PublicKey(), d.key.PublicKey(), job)))
			case slash[i]:
				evidence := sha256.Sum256(fmt.Appendf(nil, "phase %d device %d", n, i))
				return e.Send([]solana.PrivateKey{e.Keeper, e.Oracles[0], e.Oracles[1]}, chaintest.Must(e.Registry.Slash(
					e.Keeper.PublicKey(), owner.PublicKey(), d.key.PublicKey(), e.IOMint, registry.OffenceDowntime, evidence,
					e.Oracles[0].PublicKey(), e.Oracles[1].PublicKey())))
			}
			return nil
		}))
		params := launch
		params.BaseStake += ph.baseStake
		if config.Params != params {
			e.UpdateRegistry(t, params)
		}
		if ph.paused {
			require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, chaintest.Must(e.Registry.SetPause(e.Admin.PublicKey(), true))))
		}

		// Every device as the chain has it now, what protocol says, and what hiring it says.
		config, err = e.Registry.FetchConfig(e.Ctx, e.Client)
		require.NoError(t, err)
		states := make([]*registry.Device, devices)
		requireNoErrors(t, parallel(devices, func(i int) (err error) {
			states[i], err = e.Registry.FetchDevice(e.Ctx, e.Client, ds[i].key.PublicKey())
			return err
		}))
		jobs := make([]solana.PublicKey, devices)
		hired := parallel(devices, func(i int) error {
			jobs[i] = solana.NewWallet().PublicKey()
			return e.Send([]solana.PrivateKey{escrow}, chaintest.Must(e.Registry.HireDevice(escrow.PublicKey(), ds[i].key.PublicKey(), jobs[i])))
		})
		for i, err := range hired {
			want := protocol.Hireable(config, states[i])
			name := "hireable"
			if want != nil {
				name = want.(*programerr.Error).Name
				require.ErrorIs(t, err, want, "phase %d device %d: %+v", n, i, states[i])
			} else {
				require.NoError(t, err, "phase %d device %d: %+v", n, i, states[i])
				ds[i].job = jobs[i]
			}
			outcomes[name]++
		}
	}
	t.Logf("%d hires over %d phases (%d slashes): %v; %s in all", devices*len(phases), len(phases), slashes, outcomes,
		time.Since(start).Round(time.Millisecond))
	for _, name := range []string{"hireable", "ProgramPaused", "DeviceNotHireable", "StakeBelowMinimum"} {
		require.GreaterOrEqual(t, outcomes[name], 5, "too few %s cases", name)
	}
}
