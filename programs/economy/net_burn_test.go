package economy_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
)

// epochs advances n ended epochs (n <= 24) and returns their events.
func (e *env) epochs(t *testing.T, crank int, n uint8) []*economy.EpochAdvanced {
	sig, err := e.advance(crank, n)
	require.NoError(t, err)
	var out []*economy.EpochAdvanced
	for _, ev := range e.eventsOf(t, sig) {
		out = append(out, ev.(*economy.EpochAdvanced))
	}
	require.Len(t, out, int(n))
	return out
}

// Attack 4: at $1.00 with zero confidence, burning 100 IO for 100 IOSD and redeeming it for
// 100 IO leaves the holder and IO's supply where they were. The old rule still added the 100
// IO burned back to the next epoch (95 IO of provider headroom, 5 IO minted to the community
// pool, nothing backing either). Now only the net burn (IO burned for IOSD less IO minted by
// redemptions) is added back: the round trip, in either order, adds nothing, and a real net
// burn of 50 IO is added back exactly once.
func TestBurnAndRedeemRoundTripAddsNothingBack(t *testing.T) {
	e := newEnv(t, func(_ *env, p *economy.ConfigParams) { p.GenesisTime -= 200 }) // 100 epochs have ended
	e.quorumPrice(t, 1_000_000, 0)
	ioSupply := e.Supply(t, e.IOMint)

	// burn, then redeem
	h := e.holder(t, 100*io)
	_, err := e.burn(h, 100*io)
	require.NoError(t, err)
	require.Equal(t, uint64(100*iosd), e.TokenBalance(t, h.iosd))
	_, err = e.redeem(h, 100*iosd)
	require.NoError(t, err)
	require.Equal(t, [2]uint64{100 * io, 0}, [2]uint64{e.TokenBalance(t, h.io), e.TokenBalance(t, h.iosd)})
	require.Equal(t, ioSupply, e.Supply(t, e.IOMint))
	for _, ev := range e.epochs(t, 0, 24) {
		require.Zero(t, ev.AddedBack, "epoch %d", ev.Epoch)
	}

	// redeem first (IOSD from the faucet), then burn what it minted
	key := e.Funded(t)
	g := holder{key: key, io: e.TokenAccount(t, e.IOMint, key.PublicKey(), 0), iosd: e.TokenAccount(t, e.IOSDMint, key.PublicKey(), 100*iosd)}
	_, err = e.redeem(g, 100*iosd)
	require.NoError(t, err)
	_, err = e.burn(g, 100*io)
	require.NoError(t, err)
	require.Equal(t, [2]uint64{0, 100 * iosd}, [2]uint64{e.TokenBalance(t, g.io), e.TokenBalance(t, g.iosd)})
	for _, ev := range e.epochs(t, 1, 24) {
		require.Zero(t, ev.AddedBack, "epoch %d", ev.Epoch)
	}

	// The pools gained exactly the schedule, nothing more.
	c := e.config(t)
	require.Equal(t, [4]uint64{200 * io, 200 * io, 0, scheduled(48)},
		[4]uint64{c.IoBurned, c.IoRedeemed, c.TotalAddedBack, c.TotalScheduled})
	var provider, community uint64
	for i := uint64(0); i < 48; i++ {
		epoch := scheduled(i+1) - scheduled(i)
		provider, community = provider+epoch-epoch*5/100, community+epoch*5/100
	}
	require.Equal(t, [2]uint64{provider, community}, [2]uint64{c.ProviderPoolTotal, c.CommunityAccrued})
	require.Equal(t, ioSupply, e.Supply(t, e.IOMint))

	// A real net burn of 50 IO is added back once: to the next epoch, and never again.
	_, err = e.burn(h, 50*io)
	require.NoError(t, err)
	events := e.epochs(t, 2, 2)
	pool := scheduled(49) - scheduled(48) + 50*io
	require.Equal(t, &economy.EpochAdvanced{Epoch: 48, Scheduled: scheduled(49) - scheduled(48), AddedBack: 50 * io, Provider: pool - pool*5/100, Community: pool * 5 / 100}, events[0])
	require.Zero(t, events[1].AddedBack)
	require.Equal(t, uint64(50*io), e.config(t).TotalAddedBack)

	// Redeeming after the add-back cannot make the balance add anything back twice: net burn
	// is now 0 (a 50 IOSD redemption mints 50 IO) and 50 IO were added back, so nothing more
	// until burns exceed redemptions by more than 50 IO again.
	_, err = e.redeem(h, 50*iosd)
	require.NoError(t, err)
	_, err = e.burn(h, 80*io)
	require.NoError(t, err)
	events = e.epochs(t, 3, 1)
	require.Equal(t, uint64(30*io), events[0].AddedBack) // net burn 80, less the 50 already added back
}
