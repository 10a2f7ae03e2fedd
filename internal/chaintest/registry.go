package chaintest

import (
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/harness"
	onregistry "github.com/gpunet/gpunet/onchain/registry"
)

// RegistryParams are test parameters for the registry: the defaults, with the keeper, the
// treasury, the compensation pool (e.Pool), escrowAuthority as the escrow program's
// authority and a quorum of 2 of the 3 oracles, and durations short enough to elapse in a
// test (real time drives the localnet's clock): 2 s cooldown and proof windows, 3 s appeal
// window, 4 s probation.
func (e *Env) RegistryParams(escrowAuthority solana.PublicKey) registry.ConfigParams {
	oracles := make([]solana.PublicKey, len(e.Oracles))
	for i, o := range e.Oracles {
		oracles[i] = o.PublicKey()
	}
	p := onregistry.DefaultParams(e.Keeper.PublicKey(), e.Treasury, e.Pool, escrowAuthority, oracles, 2)
	ShortRegistryTimes(&p)
	return p
}

// ShortRegistryTimes sets the test durations of RegistryParams in p.
func ShortRegistryTimes(p *registry.ConfigParams) {
	p.UnstakeCooldownSecs = 2
	p.AppealWindowSecs = 3
	p.ProbationSecs = 4
	p.ProofWindowSecs = 2
	p.MaxProofAgeSecs = 60
}

// RegistryLimits are test hard limits: any slash rate up to 100% (the tests slash whole
// stakes), an appeal window of at least 1 s, a configuration delay of at least 1 s (the delay is
// then the 2 s test cooldown) and at most 200% in slash rates per device in any 10 s.
func RegistryLimits() registry.RegistryLimits {
	return registry.RegistryLimits{
		MaxSlashBps:         [4]uint16{10_000, 10_000, 10_000, 10_000},
		MaxSlashPeriodBps:   20_000,
		MinAppealWindowSecs: 1,
		MinConfigDelaySecs:  1,
		SlashPeriodSecs:     10,
	}
}

// InitRegistry creates the registry's Config with e.RegistryParams(escrowAuthority), changed
// by adjust (so a test needs no delayed update_config for its own setup), and RegistryLimits,
// signed by the admin, and returns the parameters.
func (e *Env) InitRegistry(t harness.TB, escrowAuthority solana.PublicKey, adjust ...func(*registry.ConfigParams)) registry.ConfigParams {
	params := e.RegistryParams(escrowAuthority)
	for _, a := range adjust {
		a(&params)
	}
	require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, Must(e.Registry.InitializeConfig(e.Admin.PublicKey(), e.IOMint, e.IOSDMint, params, RegistryLimits()))))
	return params
}

// UpdateRegistry has the registry's admin change its parameters to params: at once when the
// change only reduces a key's power, otherwise proposed, waited for (the test delay is 2 s) and
// applied. It returns the live parameters, params.
func (e *Env) UpdateRegistry(t harness.TB, params registry.ConfigParams) registry.ConfigParams {
	require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, Must(e.Registry.UpdateConfig(e.Admin.PublicKey(), params))))
	rc, err := e.Registry.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	if rc.PendingAppliesAt != 0 {
		e.WaitChainTime(t, rc.PendingAppliesAt)
		require.NoError(t, e.Send([]solana.PrivateKey{e.Node.Key("faucet")}, Must(e.Registry.ApplyConfig())))
		rc, err = e.Registry.FetchConfig(e.Ctx, e.Client)
		require.NoError(t, err)
	}
	require.Equal(t, params, rc.Params)
	return params
}

// Provider is a wallet with a registry Provider, a funded IO account and one registered
// device.
type Provider struct {
	Owner     solana.PrivateKey
	Token     solana.PublicKey // owner's IO associated token account
	DeviceKey solana.PrivateKey
	Device    solana.PublicKey // Device address
}

// H100 is the device spec most tests register: one H100 (minimum stake 2,000 IO).
var H100 = registry.DeviceSpec{HardwareModel: registry.ModelH100, VramGib: 80, GpuCount: 1, Region: 276, BandwidthTier: 1}

// NewProvider registers a provider holding ioBalance IO base units and one device of spec,
// staked with stake base units.
func (e *Env) NewProvider(t harness.TB, spec registry.DeviceSpec, ioBalance, stake uint64) Provider {
	p := Provider{Owner: e.Funded(t), DeviceKey: solana.NewWallet().PrivateKey}
	p.Token = e.TokenAccount(t, e.IOMint, p.Owner.PublicKey(), ioBalance)
	p.Device = e.Registry.DeviceAddress(p.DeviceKey.PublicKey())
	require.NoError(t, e.Send([]solana.PrivateKey{p.Owner, p.DeviceKey},
		Must(e.Registry.RegisterProvider(p.Owner.PublicKey(), "https://provider.example/meta.json")),
		Must(e.Registry.RegisterDevice(p.Owner.PublicKey(), p.DeviceKey.PublicKey(), e.IOMint, spec))))
	if stake > 0 {
		require.NoError(t, e.Send([]solana.PrivateKey{p.Owner}, Must(e.Registry.Stake(p.Owner.PublicKey(), p.DeviceKey.PublicKey(), p.Token, stake))))
	}
	return p
}

// ActiveProvider registers a device with the H100 minimum stake and proves 4 s of uptime
// (the test probation) over two past windows, so it is Active.
func (e *Env) ActiveProvider(t harness.TB, payer solana.PrivateKey) Provider {
	p := e.NewProvider(t, H100, 5_000*IO, 2_000*IO)
	e.ProveUptime(t, payer, p, PastWindow(3), 2)
	e.ProveUptime(t, payer, p, PastWindow(2), 2)
	require.Equal(t, registry.StatusActive, e.Device(t, p).Status)
	return p
}

// Device fetches and decodes p's device.
func (e *Env) Device(t harness.TB, p Provider) *registry.Device {
	d, err := e.Registry.FetchDevice(e.Ctx, e.Client, p.DeviceKey.PublicKey())
	require.NoError(t, err)
	return d
}

// PastWindow is the index of a 2 s proof window that ended `back` windows before the last one.
// The localnet's Clock is the wall clock as of its latest slot, up to one 400 ms slot behind
// this process, so the window just ended by our clock may not have ended on chain: skip it.
func PastWindow(back uint64) uint64 { return uint64(time.Now().Unix())/2 - 2 - back }

// Vote sends oracle e.Oracles[i]'s report on p's device; payer pays the fee, so the
// oracle's lamports move by rent only. The window's rent payer is read from its account (the
// oracle itself when this vote opens it).
func (e *Env) Vote(payer solana.PrivateKey, i int, p Provider, r registry.ProofReport) (solana.Signature, error) {
	oracle := e.Oracles[i].PublicKey()
	ix := Must(e.Registry.SubmitProof(oracle, p.DeviceKey.PublicKey(), r, e.ProofPayer(p, r.Window, oracle)))
	return e.Client.Send(e.Ctx, []solana.Instruction{ix}, payer, e.Oracles[i])
}

// ProveUptime counts window for p's device with uptime seconds from oracles 0 and 1 (the
// test quorum) and returns the counting transaction's signature.
func (e *Env) ProveUptime(t harness.TB, payer solana.PrivateKey, p Provider, window uint64, uptime uint32) solana.Signature {
	r := registry.ProofReport{Window: window, UptimeSecs: uptime, Challenge: registry.ChallengeNone}
	_, err := e.Vote(payer, 0, p, r)
	require.NoError(t, err)
	sig, err := e.Vote(payer, 1, p, r)
	require.NoError(t, err)
	return sig
}

// RotateOracles has the registry's admin replace the oracle set with the given oracles (the
// quorum unchanged; at once when oracles are only removed, else after the delay) and returns
// the new parameters.
func (e *Env) RotateOracles(t harness.TB, oracles ...solana.PrivateKey) registry.ConfigParams {
	rc, err := e.Registry.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	params := rc.Params
	params.Oracles = [16]solana.PublicKey{}
	for i, o := range oracles {
		params.Oracles[i] = o.PublicKey()
	}
	params.OracleCount = uint8(len(oracles))
	return e.UpdateRegistry(t, params)
}
