package poc

import (
	"crypto/sha256"
	"encoding/binary"
	"math/big"
)

// Assignee is the index, in the registry's oracle set of count oracles, of the one oracle that
// challenges device in period (unix seconds / the challenge period, an hour in production):
//
//	SHA-256(device[32] || u64le(period)) mod count, the digest read as a big-endian integer
//
// Every oracle computes the same answer from public data, so a device works at most one
// challenge per period with no coordination, and no oracle chooses whom it challenges.
func Assignee(device [32]byte, period uint64, count int) int {
	if count <= 0 {
		return -1
	}
	var buf [40]byte
	copy(buf[:], device[:])
	binary.LittleEndian.PutUint64(buf[32:], period)
	h := sha256.Sum256(buf[:])
	return int(new(big.Int).Mod(new(big.Int).SetBytes(h[:]), big.NewInt(int64(count))).Int64())
}
