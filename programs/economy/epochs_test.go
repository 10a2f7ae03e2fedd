package economy_test

import (
	"math"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	computebudget "github.com/gagliardetto/solana-go/programs/compute-budget"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/protocol"
	oneconomy "github.com/gpunet/gpunet/onchain/economy"
)

// scheduled is the schedule's sum over the first `epochs` epochs (protocol.NextEmission from
// the launch curve, no budget in the way).
func scheduled(epochs uint64) uint64 {
	c := economy.Config{Params: economy.ConfigParams{EpochsPerMonth: oneconomy.EpochsPerMonth,
		MonthlyDecayE9: oneconomy.MonthlyDecayE9}, MonthEmission: oneconomy.FirstMonthEmission, EmissionBudget: math.MaxUint64}
	var total uint64
	for ; c.NextEpoch < epochs; c.NextEpoch++ {
		total += chaintest.Must(protocol.NextEmission(&c))
	}
	return total
}

// advance sends advance_epoch(maxEpochs) as a unique transaction (the compute budget
// instruction varies), paid by the keeper.
func (e *env) advance(n int, maxEpochs uint8) (solana.Signature, error) {
	unique := computebudget.NewSetComputeUnitLimitInstruction(uint32(200_000 + n)).Build()
	return e.SendSig([]solana.PrivateKey{e.Keeper}, unique, chaintest.Must(e.prog.AdvanceEpoch(maxEpochs)))
}

// A year of hourly epochs, advanced 24 at a time, emits exactly the schedule's sum; the
// first year's total is io.net's curve (3,333,333 IO in month 1, 1.01508% less each month).
func TestYearOfEpochs(t *testing.T) {
	year := int64(366 * 24 * 3600)
	e := newEnv(t, func(_ *env, p *economy.ConfigParams) {
		p.GenesisTime = time.Now().Unix() - year
		p.EpochSecs = oneconomy.EpochSecs
	})
	for i := 0; i < 365; i++ {
		sig, err := e.advance(i, 24)
		require.NoError(t, err)
		if i == 0 {
			events := e.eventsOf(t, sig)
			require.Len(t, events, 24)
			first := events[0].(*economy.EpochAdvanced)
			perEpoch := uint64(oneconomy.FirstMonthEmission) / oneconomy.EpochsPerMonth
			require.Equal(t, &economy.EpochAdvanced{Epoch: 0, Scheduled: perEpoch, Provider: perEpoch - perEpoch*5/100, Community: perEpoch * 5 / 100}, first)
		}
		if i%73 == 0 {
			c := e.config(t)
			require.Equal(t, uint64(24*(i+1)), c.NextEpoch)
			require.Equal(t, scheduled(c.NextEpoch), c.TotalScheduled)
		}
	}
	c := e.config(t)
	require.Equal(t, uint64(8760), c.NextEpoch)
	want := scheduled(8760)
	require.Equal(t, want, c.TotalScheduled)
	require.Equal(t, c.TotalScheduled, c.ProviderPoolTotal+c.CommunityAccrued)
	// 5% to the community, rounded down in each of the 8,760 epochs.
	require.LessOrEqual(t, c.CommunityAccrued, c.TotalScheduled*5/100)
	require.Greater(t, c.CommunityAccrued, c.TotalScheduled*5/100-8760)

	// The reference curve in floating point: 3,333,333 x (1 - r^12) / (1 - r).
	r := 1 - oneconomy.MonthlyDecayE9/1e9
	reference := 3_333_333 * (1 - math.Pow(r, 12)) / (1 - r)
	got := float64(c.TotalScheduled) / float64(economy.IO)
	t.Logf("first year: %.8f IO on chain, %.8f IO on the reference curve", got, reference)
	require.InDelta(t, reference, got, 1e-6)
}

// Epochs advance only once they ended, in order and once each; re-running the crank does
// nothing twice.
func TestAdvanceEpochIsIdempotent(t *testing.T) {
	e := newEnv(t, nil) // epoch 0 starts now, 2 s epochs
	_, err := e.advance(0, 24)
	require.ErrorIs(t, err, economy.ErrEpochNotDue)
	_, err = e.advance(1, 0)
	require.ErrorIs(t, err, economy.ErrInvalidEpochCount)
	_, err = e.advance(2, 25)
	require.ErrorIs(t, err, economy.ErrInvalidEpochCount)
	time.Sleep(time.Until(time.Unix(e.params.GenesisTime+2*e.params.EpochSecs+1, 0)))
	sig, err := e.advance(3, 24)
	require.NoError(t, err)
	require.Len(t, e.eventsOf(t, sig), 2)
	_, err = e.advance(4, 24)
	require.ErrorIs(t, err, economy.ErrEpochNotDue)
	require.Equal(t, uint64(2), e.config(t).NextEpoch)
	require.Equal(t, scheduled(2), e.config(t).TotalScheduled)
}

// Emissions stop at the cap: with a budget of 5,000 IO, the second epoch emits what is left
// and the third nothing.
func TestEmissionsStayWithinTheCap(t *testing.T) {
	e := newEnv(t, func(e *env, p *economy.ConfigParams) {
		p.GenesisTime -= 100
		p.SupplyCap = e.Supply(t, e.IOMint) + 5_000*io
	})
	sig, err := e.advance(0, 3)
	require.NoError(t, err)
	perEpoch := uint64(oneconomy.FirstMonthEmission) / oneconomy.EpochsPerMonth
	var emitted []uint64
	for _, ev := range e.eventsOf(t, sig) {
		emitted = append(emitted, ev.(*economy.EpochAdvanced).Scheduled)
	}
	require.Equal(t, []uint64{perEpoch, 5_000*io - perEpoch, 0}, emitted)
	require.Equal(t, uint64(5_000*io), e.config(t).TotalScheduled)

	// The community share can be minted, and the supply is still within the cap.
	pool := e.params.CommunityPool
	require.NoError(t, e.Send([]solana.PrivateKey{e.Keeper}, chaintest.Must(e.prog.FundCommunityPool(pool))))
	require.Equal(t, e.config(t).CommunityAccrued, e.TokenBalance(t, pool))
	require.LessOrEqual(t, e.Supply(t, e.IOMint), e.params.SupplyCap)
	err = e.Send([]solana.PrivateKey{e.Funded(t)}, chaintest.Must(e.prog.FundCommunityPool(pool)))
	require.ErrorIs(t, err, economy.ErrInvalidAmount)

	// Redemptions are minted under the same cap: 20,000 IOSD (from the genesis faucet) would
	// mint 10,000 IO at $2, more than the cap leaves.
	e.quorumPrice(t, 2_000_000, 0)
	key := e.Funded(t)
	h := holder{key: key, io: e.TokenAccount(t, e.IOMint, key.PublicKey(), 0), iosd: e.TokenAccount(t, e.IOSDMint, key.PublicKey(), 20_000*iosd)}
	_, err = e.redeem(h, 20_000*iosd)
	require.ErrorIs(t, err, economy.ErrSupplyCapExceeded)
}
