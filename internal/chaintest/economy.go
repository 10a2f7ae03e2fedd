package chaintest

import (
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/internal/harness"
	oneconomy "github.com/gpunet/gpunet/onchain/economy"
)

// EconomyParams are test parameters for the economy: the defaults with a fresh community pool
// IO account, epoch 0 starting now and 2-second epochs, prices stale after 60 s and circuit
// breakers over a 60-second window.
func (e *Env) EconomyParams(t harness.TB) economy.ConfigParams {
	p := oneconomy.DefaultParams(e.TokenAccount(t, e.IOMint, solana.NewWallet().PublicKey(), 0), time.Now().Unix())
	ShortEconomyTimes(&p)
	return p
}

// ShortEconomyTimes sets the test durations of EconomyParams in p.
func ShortEconomyTimes(p *economy.ConfigParams) {
	p.EpochSecs = 2
	p.MaxPriceAgeSecs = 60
	p.BreakerWindowSecs = 60
}

// EconomyLimits are test limits for the economy: the defaults with a 2-second least delay
// (the registry's test unstake cooldown), so a proposal applies a few seconds later.
func EconomyLimits() economy.EconomyLimits {
	l := oneconomy.DefaultLimits()
	l.MinConfigDelaySecs = 2
	return l
}

// InitEconomy initializes the economy with params and the test limits: the upgrade authority
// signs, and the dev admin key, the mints' authority at genesis, hands both mints to the economy.
func (e *Env) InitEconomy(t harness.TB, escrowProgram solana.PublicKey, params economy.ConfigParams) {
	e.InitEconomyWithLimits(t, escrowProgram, params, EconomyLimits())
}

// InitEconomyWithLimits is InitEconomy with the given limits.
func (e *Env) InitEconomyWithLimits(t harness.TB, escrowProgram solana.PublicKey, params economy.ConfigParams, limits economy.EconomyLimits) {
	mintAuthority := e.Node.Key("admin")
	ix := Must(e.Economy.Initialize(e.Admin.PublicKey(), mintAuthority.PublicKey(), escrowProgram, params, limits))
	require.NoError(t, e.Send([]solana.PrivateKey{e.Admin, mintAuthority}, ix))
}
