package decode_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/indexer/decode"
)

// The one JSON shape: generated names, keys in base58, byte arrays in hex, nested structs and
// arrays kept, padding, reserved and bump fields dropped.
func TestJSON(t *testing.T) {
	renter := solana.MustPublicKeyFromBase58("4WVjiks4g1CsnP2tAWgTUZZ9B3fKwRxWBNptTvNpuv8t")
	got, err := decode.JSON(&escrow.Cluster{Renter: renter, RequirementsHash: [32]byte{0xab, 1}, ClusterId: 18446744073709551615, OpenJobs: 2, TotalJobs: 3, Bump: 254, Version: 1, Padding: [6]byte{1}, Reserved: [32]byte{2}})
	require.NoError(t, err)
	require.JSONEq(t, `{"renter": "4WVjiks4g1CsnP2tAWgTUZZ9B3fKwRxWBNptTvNpuv8t", "requirementsHash": "ab01000000000000000000000000000000000000000000000000000000000000",
		"clusterId": 18446744073709551615, "openJobs": 2, "totalJobs": 3, "version": 1}`, string(got))
	require.Contains(t, string(got), `"clusterId":18446744073709551615`) // exact, not a float

	got, err = decode.JSON(map[string]any{"slots": []escrow.Slot{{Device: renter, VerifiedSecs: 5, Padding: [7]byte{9}}}, "bumpSeed": uint8(1), "memo": []byte("hi")})
	require.NoError(t, err)
	require.JSONEq(t, `{"memo": "6869", "slots": [{"device": "4WVjiks4g1CsnP2tAWgTUZZ9B3fKwRxWBNptTvNpuv8t", "payout": "11111111111111111111111111111111",
		"joinedAt": 0, "leftAt": 0, "verifiedSecs": 5, "paidSecs": 0, "state": 0}]}`, string(got))
}
