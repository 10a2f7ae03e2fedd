package poc

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"
)

// Domain is the key derivation's prefix; a new protocol version gets a new one.
const Domain = "gpunet/poc/v1"

const (
	// LeafInts is the number of int32 entries of C in one Merkle leaf (one AES block of
	// int8 operands per leaf row segment, and n a multiple of it).
	LeafInts = 16
	// MaxN bounds n: C's entries stay within int32 (|C_ij| <= n*2^14 = 2^30 at n = 65536).
	MaxN = 1 << 16
)

// Stream tags: byte 0 of the AES-CTR counter block, so A and B never share keystream.
const (
	streamA = 0x00
	streamB = 0x01
)

// ErrN is returned for an n the protocol does not define.
var ErrN = errors.New("poc: n must be a positive multiple of 16, at most 65536")

// Challenge is what the oracle sends: a fresh 256-bit seed, the device's public key, and n.
//
// Key derivation (bit-exact):
//
//	key = SHA-256("gpunet/poc/v1" || seed[32] || device[32] || u32le(n))   (81 bytes hashed)
//
// A (n x n, row-major) and B (n x n, column-major) are int8 matrices read from AES-256-CTR
// keystream under key (NIST SP 800-38A CTR: the keystream is AES_key(counter block), the
// 16-byte counter block incremented as one big-endian 128-bit integer). Each matrix has its
// own stream, selected by the counter block
//
//	cb(s, b) = s || 0x00 * 7 || u64be(b)     s = 0x00 for A, 0x01 for B; b = block index
//
// and byte t of a stream is byte t mod 16 of AES_key(cb(s, t / 16)). A[i][k] is byte i*n + k
// of stream A and B[k][j] is byte j*n + k of stream B: row i of A and column j of B are the
// n bytes starting at block i*n/16 (resp. j*n/16), so either is regenerated alone by
// starting the counter there. Each byte is read as a two's complement int8 (0xff = -1).
type Challenge struct {
	Seed   [32]byte
	Device [32]byte
	N      int
}

// Validate reports whether the protocol defines c's n.
func (c Challenge) Validate() error {
	if c.N <= 0 || c.N > MaxN || c.N%LeafInts != 0 {
		return fmt.Errorf("%w: %d", ErrN, c.N)
	}
	return nil
}

// Key is the AES-256 key of c's matrices.
func (c Challenge) Key() [32]byte {
	var buf [len(Domain) + 32 + 32 + 4]byte
	copy(buf[:], Domain)
	copy(buf[len(Domain):], c.Seed[:])
	copy(buf[len(Domain)+32:], c.Device[:])
	binary.LittleEndian.PutUint32(buf[len(Domain)+64:], uint32(c.N))
	return sha256.Sum256(buf[:])
}

// stream returns the keystream of stream s from block b on.
func stream(block cipher.Block, s byte, b uint64) cipher.Stream {
	var cb [aes.BlockSize]byte
	cb[0] = s
	binary.BigEndian.PutUint64(cb[8:], b)
	return cipher.NewCTR(block, cb[:])
}

// cipherOf is c's AES-256 block cipher.
func (c Challenge) cipherOf() cipher.Block {
	key := c.Key()
	block, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err) // unreachable: a 32-byte key is always valid
	}
	return block
}

// fill writes vectors first..first+len(dst)/n-1 of stream s (rows of A, columns of B) to dst.
func fill(block cipher.Block, s byte, n, first int, dst []int8) {
	ks := stream(block, s, uint64(first)*uint64(n)/aes.BlockSize)
	var buf [4096]byte
	for off := 0; off < len(dst); off += len(buf) {
		chunk := buf[:min(len(buf), len(dst)-off)]
		clear(chunk)
		ks.XORKeyStream(chunk, chunk)
		for k, v := range chunk {
			dst[off+k] = int8(v)
		}
	}
}

// RowA writes row i of A to dst (len n).
func (c Challenge) RowA(i int, dst []int8) { fill(c.cipherOf(), streamA, c.N, i, dst[:c.N]) }

// ColB writes column j of B to dst (len n).
func (c Challenge) ColB(j int, dst []int8) { fill(c.cipherOf(), streamB, c.N, j, dst[:c.N]) }

// Matrices generates A (row-major) and B (column-major) whole, rows and columns split
// over all cores. c must be valid.
func (c Challenge) Matrices() (a, b []int8) {
	n, block := c.N, c.cipherOf()
	a, b = make([]int8, n*n), make([]int8, n*n)
	parallel(n, func(lo, hi int) {
		fill(block, streamA, n, lo, a[lo*n:hi*n])
		fill(block, streamB, n, lo, b[lo*n:hi*n])
	})
	return a, b
}

// parallel calls f on contiguous parts of [0, count), one per core, and waits.
func parallel(count int, f func(lo, hi int)) {
	workers := min(runtime.NumCPU(), count)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { f(w*count/workers, (w+1)*count/workers) })
	}
	wg.Wait()
}
