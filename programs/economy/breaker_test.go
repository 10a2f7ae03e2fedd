package economy_test

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
)

// chainTime is when the transaction sig ran: its block's time, the Clock's unix_timestamp the
// program read.
func (e *env) chainTime(t testing.TB, sig [64]byte) int64 {
	tx := e.Tx(t, sig)
	require.NotNil(t, tx.BlockTime)
	return int64(*tx.BlockTime)
}

// sleepUntilChain sleeps until the chain's clock (the Clock sysvar of the open block, which
// takes the wall clock's second when the block opens) has reached unix time at, so that a
// transaction sent next runs at at or later.
func (e *env) sleepUntilChain(t testing.TB, at int64) {
	time.Sleep(time.Until(time.Unix(at, 0)))
	for {
		clock, err := e.Client.AccountData(e.Ctx, solana.SysVarClockPubkey) // the localnet's confirmed slot is its processed one
		require.NoError(t, err)
		if int64(binary.LittleEndian.Uint64(clock[32:40])) >= at {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The circuit breakers refuse a conversion that would take what the current and the previous
// fixed window let through over the limit (no partial fill), exactly at the limit; a window's
// takes stop counting once two windows have begun since (then a full limit passes at once).
func TestCircuitBreakers(t *testing.T) {
	e := newEnv(t, func(_ *env, p *economy.ConfigParams) {
		p.IosdMintLimit = 300 * iosd
		p.IoRedeemLimit = 60 * io
		p.BreakerWindowSecs = 6
	})
	e.quorumPrice(t, 2_000_000, 0)
	h := e.holder(t, 1_000*io)
	sig, err := e.burn(h, 100*io) // 200 IOSD
	require.NoError(t, err)
	first := e.chainTime(t, sig)
	_, err = e.burn(h, 51*io) // 102 more: 302 > 300
	require.ErrorIs(t, err, economy.ErrMintLimitExceeded)
	_, err = e.burn(h, 50*io) // 100 more: exactly 300
	require.NoError(t, err)
	require.Equal(t, uint64(300*iosd), e.TokenBalance(t, h.iosd))
	require.Equal(t, uint64(850*io), e.TokenBalance(t, h.io))

	_, err = e.redeem(h, 100*iosd) // 50 IO
	require.NoError(t, err)
	_, err = e.redeem(h, 22*iosd) // 11 more: 61 > 60
	require.ErrorIs(t, err, economy.ErrRedeemLimitExceeded)
	_, err = e.redeem(h, 20*iosd) // 10 more: exactly 60
	require.NoError(t, err)
	require.Equal(t, uint64(180*iosd), e.TokenBalance(t, h.iosd))
	require.Equal(t, uint64(910*io), e.TokenBalance(t, h.io))

	e.sleepUntilChain(t, (first/6+2)*6) // two windows after the first take's
	_, err = e.burn(h, 150*io)          // a full 300 IOSD at once
	require.NoError(t, err)
	_, err = e.redeem(h, 120*iosd) // a full 60 IO
	require.NoError(t, err)
	require.Equal(t, uint64(910*io-150*io+60*io), e.TokenBalance(t, h.io))
	require.Equal(t, uint64(180*iosd+300*iosd-120*iosd), e.TokenBalance(t, h.iosd))
}

// Finding 9: the leaky bucket let 18 IOSD through in 5 s with a limit of 10 per 6-s window
// (10 at once, then 8 more five seconds later, when the bucket had drained 5/6 of them). Now
// the second burn is refused, and over a random sequence of burns no span of 6 seconds, as
// the chain's clock counts them, lets more than 10 IOSD through.
func TestFinding9BreakerHoldsOverEveryWindow(t *testing.T) {
	const limit, window = 10 * iosd, 6
	e := newEnv(t, func(_ *env, p *economy.ConfigParams) {
		p.IosdMintLimit = limit
		p.BreakerWindowSecs = window
	})
	e.quorumPrice(t, 1_000_000, 0) // 1 IO = 1 IOSD
	h := e.holder(t, 100*io)
	type take struct {
		at     int64
		amount uint64
	}
	var takes []take
	sig, err := e.burn(h, 10*io)
	require.NoError(t, err)
	takes = append(takes, take{e.chainTime(t, sig), 10 * iosd})
	e.sleepUntilChain(t, takes[0].at+5)
	_, err = e.burn(h, 8*io) // the review's second burn, 5 s later
	require.ErrorIs(t, err, economy.ErrMintLimitExceeded)
	_, err = e.burn(h, io)
	require.ErrorIs(t, err, economy.ErrMintLimitExceeded)

	// burns of 1-4 IO for 8 s
	refused := 0
	for end := time.Now().Add(8 * time.Second); time.Now().Before(end); {
		amount := uint64(1 + (len(takes)+refused)%4)
		sig, err := e.burn(h, amount*io)
		if err != nil {
			require.ErrorIs(t, err, economy.ErrMintLimitExceeded)
			refused++
		} else {
			takes = append(takes, take{e.chainTime(t, sig), amount * iosd})
		}
		time.Sleep(400 * time.Millisecond)
	}
	var minted, most uint64
	for _, a := range takes {
		minted += a.amount
		var span uint64 // what passed in the 6 s [a.at, a.at + 6)
		for _, b := range takes {
			if b.at >= a.at && b.at < a.at+window {
				span += b.amount
			}
		}
		most = max(most, span)
	}
	t.Logf("%d burns passed, %d refused; %d IOSD minted over %d s; at most %d IOSD in any %d s",
		len(takes), refused, minted/iosd, takes[len(takes)-1].at-takes[0].at, most/iosd, window)
	require.LessOrEqual(t, most, uint64(limit))
	require.Greater(t, len(takes), 2, "the breaker let nothing through after the first window")
	require.Equal(t, minted, e.TokenBalance(t, h.iosd))
	require.Equal(t, 100*io-minted/iosd*io, e.TokenBalance(t, h.io))
	require.Equal(t, minted, e.config(t).IosdMinted)
}
