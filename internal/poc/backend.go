package poc

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Backend multiplies a challenge's matrices: the CPU one here, a GPU one where a host has it.
type Backend interface {
	// Name says which backend answered (it goes in logs and scores).
	Name() string
	// Multiply writes C = A.B to c (n*n, row-major), A row-major and B column-major int8,
	// exactly in int32. It returns ctx's error if ctx ends first.
	Multiply(ctx context.Context, n int, a, b []int8, c []int32) error
}

// CPU is the pure-Go backend: blocked, two columns packed per 64-bit multiply, parallel
// over all cores.
type CPU struct{}

var _ Backend = CPU{}

// Name implements Backend.
func (CPU) Name() string { return "cpu" }

// Tile sizes: a job is rowBlock rows of C; within it, pairBlock column pairs and kBlock
// terms at a time, so the A and packed-B tiles (8 KiB + 64 KiB) stay in L1/L2.
const (
	rowBlock  = 16
	pairBlock = 32
	kBlock    = 256
)

// Multiply implements Backend.
//
// Two columns of B are packed in one int64 lane pair, p = b0 + b1<<32, so one 64-bit
// multiply a*p yields a*b0 + (a*b1)<<32: two products. A sum of kBlock such terms is
// s0 + s1<<32 with |s0|, |s1| <= kBlock*2^14 < 2^31, so s0 is the low 32 bits read as
// signed, and s1 = (sum - s0) >> 32, both exact.
func (CPU) Multiply(ctx context.Context, n int, a, b []int8, c []int32) error {
	if err := (Challenge{N: n}).Validate(); err != nil {
		return err
	}
	if len(a) != n*n || len(b) != n*n || len(c) != n*n {
		return fmt.Errorf("multiply: want %d entries, have a %d, b %d, c %d", n*n, len(a), len(b), len(c))
	}
	half := n / 2
	packed := make([]int64, half*n)
	parallel(half, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			b0, b1, dst := b[2*p*n:(2*p+1)*n], b[(2*p+1)*n:(2*p+2)*n], packed[p*n:(p+1)*n]
			for k := range dst {
				dst[k] = int64(b0[k]) + int64(b1[k])<<32
			}
		}
	})
	clear(c)
	var next atomic.Int64
	jobs := int64(n / rowBlock)
	var wg sync.WaitGroup
	for range min(runtime.NumCPU(), int(jobs)) {
		wg.Go(func() {
			for job := next.Add(1) - 1; job < jobs && ctx.Err() == nil; job = next.Add(1) - 1 {
				rowTile(n, int(job)*rowBlock, a, packed, c)
			}
		})
	}
	wg.Wait()
	return ctx.Err()
}

// rowTile adds rows r0..r0+rowBlock-1 of A.B to c.
func rowTile(n, r0 int, a []int8, packed []int64, c []int32) {
	for p0 := 0; p0 < n/2; p0 += pairBlock {
		p1 := min(p0+pairBlock, n/2)
		for k0 := 0; k0 < n; k0 += kBlock {
			k1 := min(k0+kBlock, n)
			for i := r0; i < r0+rowBlock; i += 4 {
				a0, a1 := a[i*n+k0:i*n+k1], a[(i+1)*n+k0:(i+1)*n+k1]
				a2, a3 := a[(i+2)*n+k0:(i+2)*n+k1], a[(i+3)*n+k0:(i+3)*n+k1]
				for p := p0; p < p1; p += 2 {
					s := kernel(a0, a1, a2, a3, packed[p*n+k0:p*n+k1], packed[(p+1)*n+k0:(p+1)*n+k1])
					for r := range 4 {
						row := c[(i+r)*n+2*p : (i+r)*n+2*p+4]
						for q := range 2 {
							lo := int32(s[r*2+q])
							row[2*q] += lo
							row[2*q+1] += int32((s[r*2+q] - int64(lo)) >> 32)
						}
					}
				}
			}
		}
	}
}

// kernel returns the packed dot products of four rows of A with two packed column pairs:
// s[2r+q] = a_r . pair_q.
func kernel(a0, a1, a2, a3 []int8, b0, b1 []int64) (s [8]int64) {
	a1, a2, a3, b0, b1 = a1[:len(a0)], a2[:len(a0)], a3[:len(a0)], b0[:len(a0)], b1[:len(a0)]
	var s0, s1, s2, s3, s4, s5, s6, s7 int64
	for k, x := range a0 {
		p, q := b0[k], b1[k]
		x0, x1, x2, x3 := int64(x), int64(a1[k]), int64(a2[k]), int64(a3[k])
		s0 += x0 * p
		s1 += x0 * q
		s2 += x1 * p
		s3 += x1 * q
		s4 += x2 * p
		s5 += x2 * q
		s6 += x3 * p
		s7 += x3 * q
	}
	return [8]int64{s0, s1, s2, s3, s4, s5, s6, s7}
}
