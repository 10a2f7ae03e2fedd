package chaintest

import (
	"encoding/binary"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/harness"
)

// ChainNow is the Clock sysvar's unix timestamp: the time the programs see.
func (e *Env) ChainNow(t harness.TB) int64 {
	data, err := e.Client.AccountData(e.Ctx, solana.SysVarClockPubkey)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(data), 40)
	return int64(binary.LittleEndian.Uint64(data[32:40]))
}

// WaitChainTime waits until the chain's clock is at or past ts (at most 30 s).
func (e *Env) WaitChainTime(t harness.TB, ts int64) {
	deadline := time.Now().Add(30 * time.Second)
	for e.ChainNow(t) < ts {
		require.True(t, time.Now().Before(deadline), "the chain clock did not reach %d", ts)
		time.Sleep(200 * time.Millisecond)
	}
}
