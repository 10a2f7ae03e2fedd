package economy_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// rewardVote is one step of a reward scenario: oracle i attests value, or (claim) a claim
// that must pay the device's owner paid in all, or fail with err.
type rewardVote struct {
	oracle int
	value  uint64
	claim  bool
	paid   uint64
	err    error
}

func attest(oracle int, value uint64) rewardVote { return rewardVote{oracle: oracle, value: value} }
func claimPays(paid uint64) rewardVote           { return rewardVote{claim: true, paid: paid} }
func claimFails(err error, paid uint64) rewardVote {
	return rewardVote{claim: true, paid: paid, err: err}
}

// Attack 3's shape in rewards: oracle 2 is faulty. Its value, first or last, high or low, is
// left out when it disagrees with the honest oracles beyond the vote band (1%), so it cannot
// choose what a device is paid: at most it delays a claim (RewardDisagreement) while an honest
// oracle is offline, and the cumulative values catch up once the honest oracles agree. A
// value within the band lowers a claim by at most the band, and the next claim catches up.
func TestRewardVotesWithAFaultyOracle(t *testing.T) {
	e := newEnv(t, func(_ *env, p *economy.ConfigParams) { p.GenesisTime -= 100 })
	_, err := e.advance(0, 24)
	require.NoError(t, err)
	scenarios := []struct {
		name  string
		steps []rewardVote
	}{
		{"faulty first, high", []rewardVote{attest(2, 1_000*io), attest(0, 100*io), claimFails(economy.ErrRewardDisagreement, 0),
			attest(1, 100*io), claimPays(100 * io)}},
		{"faulty first, low", []rewardVote{attest(2, 1), attest(0, 100*io), claimFails(economy.ErrRewardDisagreement, 0),
			attest(1, 100*io), claimPays(100 * io)}},
		{"faulty last, high", []rewardVote{attest(0, 100*io), attest(1, 100*io), attest(2, 1_000*io), claimPays(100 * io)}},
		{"faulty last, low", []rewardVote{attest(0, 100*io), attest(1, 100*io), attest(2, 1), claimPays(100 * io)}},
		// slightly low, within 1% of the honest value: it is the low end of the agreeing three
		{"faulty last, slightly low", []rewardVote{attest(0, 100*io), attest(1, 100*io), attest(2, 99*io), claimPays(99 * io),
			attest(0, 200*io), attest(1, 200*io), claimPays(200 * io)}},
		// honest oracle 1 offline: the faulty value out of the band only delays the claim;
		// once oracle 1 is back, its cumulative value catches up the whole amount
		{"honest oracle offline, faulty high", []rewardVote{attest(0, 100*io), attest(2, 5_000*io), claimFails(economy.ErrRewardDisagreement, 0),
			attest(0, 150*io), claimFails(economy.ErrRewardDisagreement, 0), attest(1, 150*io), claimPays(150 * io)}},
		{"honest oracle offline, faulty low", []rewardVote{attest(0, 100*io), attest(2, 50*io), claimFails(economy.ErrRewardDisagreement, 0),
			attest(1, 100*io), claimPays(100 * io)}},
		{"honest oracle offline, faulty within the band", []rewardVote{attest(0, 100*io), attest(2, 99*io), claimPays(99 * io),
			attest(0, 300*io), attest(1, 300*io), claimPays(300 * io)}},
	}
	for _, s := range scenarios {
		p := e.NewProvider(t, chaintest.H100, 0, 0)
		for i, step := range s.steps {
			if !step.claim {
				require.NoError(t, e.rewards(step.oracle, p.Device, step.value), "%s: step %d", s.name, i)
				continue
			}
			before := e.TokenBalance(t, p.Token)
			sig, err := e.claim(e.Funded(t), p.Device, p.Token) // a new payer: never a replayed transaction
			if step.err != nil {
				require.ErrorIs(t, err, step.err, "%s: step %d", s.name, i)
			} else {
				require.NoError(t, err, "%s: step %d", s.name, i)
				// the event carries the decided cumulative value
				want := &economy.RewardsClaimed{Device: p.Device, OwnerIo: p.Token, Amount: step.paid - before, Cumulative: step.paid}
				require.Equal(t, []any{want}, e.eventsOf(t, sig), "%s: step %d", s.name, i)
			}
			require.Equal(t, step.paid, e.TokenBalance(t, p.Token), "%s: step %d", s.name, i)
		}
	}
}
