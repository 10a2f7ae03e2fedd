package worker

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/keyfile"
)

// rewards shows what a quorum of oracles attested and --claim pays exactly the claimable
// amount to the owner's IO account; a lying oracle's value alone moves nothing.
func TestRewardsShowsAndClaimsWhatAQuorumAttested(t *testing.T) {
	e := chaintest.New(t)
	e.InitRegistry(t, e.Keeper.PublicKey())
	params := e.EconomyParams(t)
	e.InitEconomy(t, e.Network.IDs.Escrow, params)
	config, device := newWorker(t, e)
	owner := e.Funded(t)
	ownerIO := e.TokenAccount(t, e.IOMint, owner.PublicKey(), 500*chaintest.IO)
	wallet := filepath.Join(t.TempDir(), "owner.json")
	require.NoError(t, keyfile.Save(wallet, owner))
	worker(t, "register", "--config", config, "-k", wallet)

	show := func() Rewards {
		var r Rewards
		require.NoError(t, json.Unmarshal(worker(t, "rewards", "--config", config, "-o", "json"), &r))
		return r
	}
	r := show()
	require.Equal(t, device, r.Device)
	require.Equal(t, "no oracle has submitted a reward for this device yet", r.Why)

	e.WaitChainTime(t, params.GenesisTime+2*params.EpochSecs)
	require.NoError(t, e.Send([]solana.PrivateKey{e.Node.Key("faucet")}, chaintest.Must(e.Economy.AdvanceEpoch(economy.MaxEpochsPerCall))))
	submit := func(oracle int, cumulative uint64) {
		ix := chaintest.Must(e.Economy.SubmitRewards(e.Oracles[oracle].PublicKey(), e.Registry.DeviceAddress(device), cumulative))
		require.NoError(t, e.Send([]solana.PrivateKey{e.Oracles[oracle]}, ix))
	}
	submit(0, 1_000)
	r = show()
	require.GreaterOrEqual(t, r.Epochs, uint64(2))
	require.Equal(t, []OracleReward{{e.Oracles[0].PublicKey(), 1_000}, {e.Oracles[1].PublicKey(), 0}, {e.Oracles[2].PublicKey(), 0}}, r.Oracles)
	require.Zero(t, r.Claimable)
	require.Equal(t, "RewardQuorumNotMet: 1 of the 2 oracles needed have submitted a value", r.Why)

	submit(1, 1_000)
	submit(2, 1_000_000*chaintest.IO) // a liar: outside the band, left out
	r = show()
	require.Equal(t, uint64(1_000), r.Attested)
	require.Equal(t, uint64(1_000), r.Claimable)
	require.Empty(t, r.Why)

	before := e.TokenBalance(t, ownerIO)
	var claimed Rewards
	require.NoError(t, json.Unmarshal(worker(t, "rewards", "--config", config, "-k", wallet, "--claim", "-o", "json"), &claimed))
	require.NotNil(t, claimed.Claim)
	require.Equal(t, Claim{Signature: claimed.Claim.Signature, Paid: 1_000, To: ownerIO}, *claimed.Claim)
	require.Equal(t, uint64(1_000), claimed.Claimed)
	require.Equal(t, before+1_000, e.TokenBalance(t, ownerIO))

	// the liar raising its value again pays nothing: the claim counts the agreeing quorum
	submit(2, 2_000_000*chaintest.IO)
	r = show()
	require.Zero(t, r.Claimable)
	require.Equal(t, "NothingToClaim: everything attested so far is paid", r.Why)
	require.ErrorIs(t, e.Send([]solana.PrivateKey{e.Node.Key("faucet")}, chaintest.Must(e.Economy.ClaimRewards(e.Registry.DeviceAddress(device), ownerIO))), economy.ErrNothingToClaim)
	require.Equal(t, before+1_000, e.TokenBalance(t, ownerIO))

	var stderr strings.Builder
	require.Equal(t, 1, Execute(e.Ctx, []string{"rewards", "--config", config, "-k", wallet, "--claim"}, &strings.Builder{}, &stderr))
	require.Contains(t, stderr.String(), "nothing to claim: NothingToClaim")
}
