package chaintest

import (
	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/harness"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
)

// EscrowVoteDeadline is the registry's vote_deadline_secs under the escrow fixtures: a usage
// collection may be counted as it is 4 s after its window ended (longer than a window, so a
// later window can end while one is open; the grace period leaves room for a window and the
// deadline).
const EscrowVoteDeadline = 4

// Escrow is what the escrow's fixtures set up beside it: its test parameters and limits, its
// scheduler, and the treasury's IOSD account, which receives the fee's treasury share of IOSD
// jobs.
type Escrow struct {
	Params       escrow.ConfigParams
	Limits       escrow.EscrowLimits
	Scheduler    solana.PrivateKey
	TreasuryIOSD solana.PublicKey
}

// SetUpEscrow deploys the registry (its escrow authority the escrow's PDA, votes due within
// EscrowVoteDeadline) and the economy (IOSD fees burn through it) for the escrow, and returns
// the escrow's test parameters, not initialized: the defaults with 6 s to accept, 2 s usage
// windows and a 6 s usage grace (>= a window + the vote deadline: programs/escrow/README.md),
// the default limits with a 2 s configuration delay (the registry's test unstake cooldown).
// adjust changes the registry's parameters further.
func (e *Env) SetUpEscrow(t harness.TB, adjust ...func(*registry.ConfigParams)) Escrow {
	prog := e.Network.Escrow
	s := Escrow{Scheduler: e.Funded(t)}
	e.InitRegistry(t, prog.AuthorityAddress(), append([]func(*registry.ConfigParams){func(p *registry.ConfigParams) { p.VoteDeadlineSecs = EscrowVoteDeadline }}, adjust...)...)
	e.InitEconomy(t, prog.ID, e.EconomyParams(t))
	treasury := e.Node.Key("treasury").PublicKey()
	iosd, _, err := solana.FindAssociatedTokenAddress(treasury, e.IOSDMint) // made at genesis
	require.NoError(t, err)
	if e.Lamports(t, iosd) == 0 { // not the genesis IOSD
		iosd = e.TokenAccount(t, e.IOSDMint, treasury, 0)
	}
	s.TreasuryIOSD = iosd
	s.Params = onescrow.DefaultParams(s.Scheduler.PublicKey(), treasury)
	s.Params.AcceptanceWindowSecs = 6
	s.Params.UsageWindowSecs = 2
	s.Params.UsageGraceSecs = 6
	s.Limits = onescrow.DefaultLimits()
	s.Limits.MinConfigDelaySecs = 2
	return s
}

// InitForWallets deploys the three programs for tests that act as a person's wallet (the
// Solana Actions, the web app): the registry as SetUpEscrow's, an economy whose genesis is
// 100 s back (50 two-second epochs ended) with 24 epochs advanced so the provider pool pays
// rewards, and the escrow's default parameters with 60 s to accept.
func (e *Env) InitForWallets(t harness.TB) {
	prog := e.Network.Escrow
	e.InitRegistry(t, prog.AuthorityAddress(), func(p *registry.ConfigParams) { p.VoteDeadlineSecs = EscrowVoteDeadline })
	ep := e.EconomyParams(t)
	ep.GenesisTime -= 100
	e.InitEconomy(t, prog.ID, ep)
	params := onescrow.DefaultParams(e.Funded(t).PublicKey(), e.Node.Key("treasury").PublicKey())
	params.AcceptanceWindowSecs = 60
	require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, Must(prog.InitializeConfig(e.Admin.PublicKey(), params, onescrow.DefaultLimits()))))
	require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, Must(e.Economy.AdvanceEpoch(24))))
}

// InitEscrow is SetUpEscrow with the escrow's Config initialized by the admin.
func (e *Env) InitEscrow(t harness.TB, adjust ...func(*registry.ConfigParams)) Escrow {
	s := e.SetUpEscrow(t, adjust...)
	require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, Must(e.Network.Escrow.InitializeConfig(e.Admin.PublicKey(), s.Params, s.Limits))))
	return s
}
