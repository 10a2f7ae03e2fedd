//go:build linux

package validatortest_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/anchorcfg"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/keyfile"
	"github.com/gpunet/gpunet/internal/localdev"
	"github.com/gpunet/gpunet/internal/localnet"
	"github.com/gpunet/gpunet/internal/validatortest"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
)

// The test job: 3.6 IOSD per device-hour (1,000 base units per second) for 10 s on one device,
// a 5% fee of which half is burned (the escrow's defaults).
const (
	perSec   = 1_000
	duration = 10
	iosd     = 1_000_000
)

// testParams are localdev's parameters with durations that elapse in a test, as the program
// tests use: the defaults (1 h proof windows, 12 h probation, hourly epochs, 5-minute usage
// windows, 7-day delays) would make the flow take days.
func testParams(p *localdev.Params) {
	chaintest.ShortRegistryTimes(&p.Registry)
	p.Registry.VoteDeadlineSecs = 4
	p.RegistryLimits = chaintest.RegistryLimits()
	chaintest.ShortEconomyTimes(&p.Economy)
	p.Economy.GenesisTime -= 100 // 50 two-second epochs have ended: the provider pool can pay rewards
	p.EconomyLimits = chaintest.EconomyLimits()
	p.Escrow.AcceptanceWindowSecs = 6
	p.Escrow.UsageWindowSecs = 2
	p.Escrow.UsageGraceSecs = 6
	p.EscrowLimits.MinConfigDelaySecs = 2
}

// start runs solana-test-validator with the programs of target/deploy at their Anchor.toml ids
// and the localnet's genesis accounts, and returns an Env on it.
func start(t *testing.T, binary string) *chaintest.Env {
	root, err := localnet.RepoRoot()
	require.NoError(t, err)
	cfg, err := anchorcfg.Load(filepath.Join(root, "Anchor.toml"))
	require.NoError(t, err)
	ids, err := cfg.ProgramIDs("localnet")
	require.NoError(t, err)
	keys, accounts := t.TempDir(), t.TempDir()
	ctx := t.Context()
	genesis, err := validatortest.DumpGenesis(ctx, keys, accounts)
	require.NoError(t, err)
	require.Len(t, genesis, 16) // 10 SOL accounts, 2 mints, 4 token accounts
	authority, err := keyfile.Load(filepath.Join(keys, "upgrade-authority.json"))
	require.NoError(t, err)

	vc := validatortest.Config{Binary: binary, Ledger: filepath.Join(root, "target", "test-ledger"),
		UpgradeAuthority: authority.PublicKey(), AccountDir: accounts}
	for _, name := range []string{"registry", "escrow", "economy"} {
		vc.Programs = append(vc.Programs, validatortest.Program{ID: ids[name], SO: filepath.Join(root, "target", "deploy", name+".so")})
	}
	began := time.Now()
	v, err := validatortest.Start(ctx, vc)
	require.NoError(t, err)
	t.Logf("solana-test-validator ready in %s at %s", time.Since(began).Round(time.Millisecond), v.RPCURL)
	t.Cleanup(func() { require.NoError(t, v.Close()) })

	node := &localnet.Node{RPCURL: v.RPCURL, WSURL: v.WSURL, KeysDir: keys, RPC: rpc.New(v.RPCURL), Programs: ids}
	e := chaintest.Attach(t, node, chain.WithPollInterval(100*time.Millisecond)) // a validator confirms in a slot or two, not at once
	version, err := node.RPC.GetVersion(ctx)
	require.NoError(t, err)
	require.Equal(t, "4.2.0", version.SolanaCore)
	return e
}

// window is the index of the 2 s window that ended `back` windows before the one the chain's
// clock is in: windows follow the validator's Clock, which need not be this machine's.
func window(t *testing.T, e *chaintest.Env, back uint64) uint64 {
	return uint64(e.ChainNow(t))/2 - 1 - back
}

func TestFlow(t *testing.T) {
	binary := os.Getenv(validatortest.EnvBinary)
	if binary == "" {
		t.Skipf("%s is not set: `make test-validator` runs this flow on solana-test-validator", validatortest.EnvBinary)
	}
	e := start(t, binary)
	prog := e.Network.Escrow

	changed, err := localdev.Init(e.Ctx, e.Network, localdev.OpenKeys(e.Node.KeysDir), testParams)
	require.NoError(t, err)
	require.Equal(t, []string{"initialize registry config", "initialize economy config", "initialize escrow config"}, changed)
	rent := func(size int) uint64 {
		n, err := e.Client.RentExempt(e.Ctx, uint64(size))
		require.NoError(t, err)
		return n
	}

	var p chaintest.Provider
	t.Run("register and stake a device", func(t *testing.T) {
		p = e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO)
		d := e.Device(t, p)
		require.Equal(t, uint64(2_000*chaintest.IO), d.Stake)
		require.Equal(t, registry.StatusProbation, d.Status)
		require.Equal(t, uint64(3_000*chaintest.IO), e.TokenBalance(t, p.Token))
		require.Equal(t, uint64(2_000*chaintest.IO), e.TokenBalance(t, d.Vault))
		// The owner paid 3 signatures (register: owner and device key; stake: owner) and the
		// rent of the Provider, the Device and the vault, each exactly rent-exempt.
		var rents uint64
		for _, a := range []solana.PublicKey{e.Registry.ProviderAddress(p.Owner.PublicKey()), p.Device, d.Vault} {
			info, err := e.Client.Account(e.Ctx, a)
			require.NoError(t, err)
			require.Equal(t, rent(len(info.Data)), info.Lamports, "account %s", a)
			rents += info.Lamports
		}
		require.Equal(t, 10*solana.LAMPORTS_PER_SOL-3*5_000-rents, e.Lamports(t, p.Owner.PublicKey()))
	})

	t.Run("proof windows counted", func(t *testing.T) {
		oracle := e.Lamports(t, e.Oracles[0].PublicKey())
		first := window(t, e, 1)
		sig := e.ProveUptime(t, e.Keeper, p, first, 2)
		events := e.Events(t, sig, e.Registry.ID, registry.ParseAnyEvent)
		var counted *registry.ProofCounted
		for _, ev := range events {
			if c, ok := ev.(*registry.ProofCounted); ok {
				counted = c
			}
		}
		require.NotNil(t, counted, "events %v", events)
		require.Equal(t, [4]uint64{first, 2, 2, 2}, [4]uint64{counted.Window, counted.UptimeSecs, counted.ProvenUptimeSecs, uint64(counted.Votes)})
		require.Equal(t, oracle, e.Lamports(t, e.Oracles[0].PublicKey())) // the window's rent is back with the oracle that opened it
		e.ProveUptime(t, e.Keeper, p, first+1, 2)
		d := e.Device(t, p)
		require.Equal(t, uint64(4), d.ProvenUptimeSecs)
		require.Equal(t, registry.StatusActive, d.Status) // 4 s proven: probation is over
	})

	renter := e.Funded(t)
	renterIOSD := e.TokenAccount(t, e.IOSDMint, renter.PublicKey(), duration*perSec+iosd)
	payout := e.TokenAccount(t, e.IOSDMint, p.Owner.PublicKey(), 0)
	treasuryIOSD, _, err := solana.FindAssociatedTokenAddress(e.Node.Key("treasury").PublicKey(), e.IOSDMint) // genesis, empty
	require.NoError(t, err)
	job := prog.JobAddress(renter.PublicKey(), 1)
	vault := prog.VaultAddress(job)
	fetch := func(t *testing.T) *escrow.Job {
		j, err := prog.FetchJob(e.Ctx, e.Client, job)
		require.NoError(t, err)
		return j
	}
	usage := func(t *testing.T, w uint64, secs uint32) {
		e.WaitChainTime(t, int64(w+1)*2) // the window has ended on chain
		r := escrow.UsageReport{Window: w}
		r.Secs[0] = secs
		for _, o := range e.Oracles[:2] {
			require.NoError(t, e.Send([]solana.PrivateKey{renter, o}, chaintest.Must(prog.RecordUsage(o.PublicKey(), job, r))))
		}
		require.Equal(t, uint64(secs), fetch(t).Slots[0].VerifiedSecs)
	}
	settle := func(t *testing.T) {
		to := onescrow.Payee{Device: p.Device, Owner: p.Owner.PublicKey(), Payout: payout}
		require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(prog.Settle(renter.PublicKey(), job, 0, to, treasuryIOSD, e.IOSDMint))))
	}
	var started *escrow.Job
	t.Run("a job is created, accepted and its usage counted and settled", func(t *testing.T) {
		terms := onescrow.Terms{JobID: 1, PricePerHour: perSec * 3600, DurationSecs: duration, DeviceCount: 1, Requirements: [32]byte{1}}
		require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(prog.CreateJob(renter.PublicKey(), renterIOSD, e.IOSDMint, terms))))
		require.Equal(t, uint64(duration*perSec), e.TokenBalance(t, vault))
		require.Equal(t, uint64(iosd), e.TokenBalance(t, renterIOSD))
		require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(prog.AssignDevices(renter.PublicKey(), job, p.Device))))
		require.NoError(t, e.Send([]solana.PrivateKey{renter, p.DeviceKey}, chaintest.Must(prog.AcceptJob(job, p.DeviceKey.PublicKey(), payout, 0))))
		started = fetch(t)
		require.Equal(t, escrow.JobRunning, started.State)
		require.Equal(t, registry.StatusHired, e.Device(t, p).Status)

		w := uint64(started.StartedAt / 2)
		secs := uint32((int64(w)+1)*2 - started.StartedAt)
		usage(t, w, secs)
		supply := e.Supply(t, e.IOSDMint)
		settle(t)
		gross := uint64(secs) * perSec
		fee := gross * 500 / 10_000
		require.Equal(t, gross-fee, e.TokenBalance(t, payout))
		require.Equal(t, fee-fee/2, e.TokenBalance(t, treasuryIOSD))
		require.Equal(t, supply-fee/2, e.Supply(t, e.IOSDMint))
		require.Equal(t, duration*perSec-gross, e.TokenBalance(t, vault))
	})

	t.Run("the job ends, is settled in full and closed", func(t *testing.T) {
		closeIx := chaintest.Must(prog.CloseJob(job, renter.PublicKey(), renterIOSD, solana.PublicKey{}))
		e.WaitChainTime(t, started.StartedAt+duration)
		require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, chaintest.Must(prog.ExpireJob(job, renterIOSD, onescrow.HiredDevices(fetch(t))))))
		ended := fetch(t)
		require.Equal(t, escrow.JobCompleted, ended.State)
		require.Equal(t, registry.StatusActive, e.Device(t, p).Status)

		// A failing instruction, decoded by name from the validator's preflight answer and logged
		// by name as Anchor programs do.
		err := e.Send([]solana.PrivateKey{e.Keeper}, closeIx)
		require.ErrorIs(t, err, escrow.ErrUsageNotFinal)
		var ie *chain.InstructionError
		require.True(t, errors.As(err, &ie))
		require.Equal(t, "UsageNotFinal", ie.Custom.Name)
		require.Equal(t, prog.ID, ie.Program)
		require.Contains(t, ie.Logs, "Program "+prog.ID.String()+" failed: custom program error: "+fmt.Sprintf("%#x", escrow.ErrUsageNotFinal.Code))
		chaintest.RequireAnchorError(t, err, escrow.ErrUsageNotFinal) // the named line Anchor clients parse

		usage(t, uint64(ended.EndedAt/2), duration)
		settle(t)
		fee := uint64(duration*perSec) * 500 / 10_000
		require.Equal(t, duration*perSec-fee, e.TokenBalance(t, payout))
		require.Equal(t, fee-fee/2, e.TokenBalance(t, treasuryIOSD))
		require.Equal(t, uint64(0), e.TokenBalance(t, vault))

		rents := e.Lamports(t, job) + e.Lamports(t, vault)
		lamports := e.Lamports(t, renter.PublicKey())
		require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, closeIx))
		require.Equal(t, lamports+rents, e.Lamports(t, renter.PublicKey()))
		require.Equal(t, uint64(0), e.Lamports(t, job))
		require.Equal(t, uint64(iosd), e.TokenBalance(t, renterIOSD))
	})

	t.Run("a reward claim", func(t *testing.T) {
		require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, chaintest.Must(e.Economy.AdvanceEpoch(24))))
		for _, o := range e.Oracles[:2] {
			require.NoError(t, e.Send([]solana.PrivateKey{o}, chaintest.Must(e.Economy.SubmitRewards(o.PublicKey(), p.Device, 100*chaintest.IO))))
		}
		before := e.TokenBalance(t, p.Token)
		sig, err := e.SendSig([]solana.PrivateKey{e.Keeper}, chaintest.Must(e.Economy.ClaimRewards(p.Device, p.Token)))
		require.NoError(t, err)
		require.Equal(t, []any{&economy.RewardsClaimed{Device: p.Device, OwnerIo: p.Token, Amount: 100 * chaintest.IO, Cumulative: 100 * chaintest.IO}},
			e.Events(t, sig, e.Economy.ID, economy.ParseAnyEvent))
		require.Equal(t, before+100*chaintest.IO, e.TokenBalance(t, p.Token))
		_, err = e.SendSig([]solana.PrivateKey{p.Owner}, chaintest.Must(e.Economy.ClaimRewards(p.Device, p.Token)))
		require.ErrorIs(t, err, economy.ErrNothingToClaim)
	})
}
