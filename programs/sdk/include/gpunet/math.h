/* gpunet/math.h: checked integer arithmetic.

   Every function returns 0 or GP_ERR_ARITHMETIC_OVERFLOW and writes *out only on
   success. Division by zero reports GP_ERR_ARITHMETIC_OVERFLOW too.

   clang's BPF backend cannot call compiler-rt: any `unsigned __int128` multiply,
   divide or variable shift (and __builtin_mul_overflow on u64, which lowers to
   __multi3) fails to compile, and 16-byte values cannot be returned. So 128-bit
   values are a {lo, hi} struct passed by pointer, and the wide multiply and the
   128/64 division are written out here with 32-bit digits. gp_u128_t is also the
   in-memory layout of a borsh u128 (little-endian lo then hi). */
#ifndef GPUNET_MATH_H
#define GPUNET_MATH_H

#include "error.h"
#include "types.h"

typedef struct {
  uint64_t lo;
  uint64_t hi;
} gp_u128_t;
GP_CHECK_SIZE(gp_u128_t, 16);

#define GP_U64_MAX 0xffffffffffffffffULL

/* ---- u64 ---- */

static inline uint64_t gp_add_u64(uint64_t a, uint64_t b, uint64_t *out) {
  uint64_t r;
  if (__builtin_add_overflow(a, b, &r)) return GP_ERR_ARITHMETIC_OVERFLOW;
  *out = r;
  return 0;
}

static inline uint64_t gp_sub_u64(uint64_t a, uint64_t b, uint64_t *out) {
  if (b > a) return GP_ERR_ARITHMETIC_OVERFLOW;
  *out = a - b;
  return 0;
}

/* Hide a value from the optimizer (no instructions emitted). */
#define GP_OPAQUE(x) __asm__("" : "+r"(x))

/* One 1-CU division instead of a 64x64->128 multiply. The barrier matters:
   LLVM rewrites `b > MAX / a` into umul.with.overflow, which the BPF backend
   lowers to an unsupported __multi3 libcall. */
static inline uint64_t gp_mul_u64(uint64_t a, uint64_t b, uint64_t *out) {
  if (a != 0) {
    uint64_t lim = GP_U64_MAX / a;
    GP_OPAQUE(lim);
    if (b > lim) return GP_ERR_ARITHMETIC_OVERFLOW;
  }
  *out = a * b;
  return 0;
}

static inline uint64_t gp_div_u64(uint64_t a, uint64_t b, uint64_t *out) {
  if (b == 0) return GP_ERR_ARITHMETIC_OVERFLOW;
  *out = a / b;
  return 0;
}

static inline uint64_t gp_sat_sub_u64(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }

/* The lower median of v[0..n), n >= 1 (for an even n the lower of the two middle values, so one
   high outlier can never raise it); insertion-sorts v in place, which is the cheapest sort for
   the handful of oracle votes it serves. */
static inline uint64_t gp_lower_median_u64(uint64_t *v, uint64_t n) {
  for (uint64_t i = 1; i < n; i++) {
    uint64_t x = v[i], j = i;
    for (; j > 0 && v[j - 1] > x; j--) v[j] = v[j - 1];
    v[j] = x;
  }
  return v[(n - 1) / 2];
}

/* Full 64x64 -> 128 product (never overflows). */
static inline void gp_mul_u64_wide(uint64_t a, uint64_t b, gp_u128_t *out) {
  const uint64_t m = 0xffffffffULL;
  uint64_t a0 = a & m, a1 = a >> 32, b0 = b & m, b1 = b >> 32;
  uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  uint64_t mid = (p00 >> 32) + (p01 & m) + (p10 & m); /* < 3 * 2^32 */
  out->lo = (p00 & m) | (mid << 32);
  out->hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/* (u1:u0) / v for u1 < v, v != 0: 64-bit quotient, remainder in *rem.
   Hacker's Delight divlu with 32-bit digits; the hardware 64/64 divide does
   each digit. Callers guarantee the preconditions. */
static inline uint64_t gp_divlu_(uint64_t u1, uint64_t u0, uint64_t v, uint64_t *rem) {
  const uint64_t b = 1ULL << 32;
  int s = __builtin_clzll(v);
  v <<= s;
  uint64_t vn1 = v >> 32, vn0 = v & (b - 1);
  /* (u0 >> (63 - s)) >> 1 == u0 >> (64 - s) without a shift by 64 when s == 0 */
  uint64_t un32 = (u1 << s) | ((u0 >> (63 - s)) >> 1);
  uint64_t un10 = u0 << s;
  uint64_t un1 = un10 >> 32, un0 = un10 & (b - 1);

  uint64_t q1 = un32 / vn1, rhat = un32 - q1 * vn1;
  while (q1 >= b || q1 * vn0 > b * rhat + un1) {
    q1--;
    rhat += vn1;
    if (rhat >= b) break;
  }
  uint64_t un21 = un32 * b + un1 - q1 * v;

  uint64_t q0 = un21 / vn1;
  rhat = un21 - q0 * vn1;
  while (q0 >= b || q0 * vn0 > b * rhat + un0) {
    q0--;
    rhat += vn1;
    if (rhat >= b) break;
  }
  *rem = (un21 * b + un0 - q0 * v) >> s;
  return q1 * b + q0;
}

/* floor(a * b / c) with a 128-bit intermediate. */
static inline uint64_t gp_mul_div_u64(uint64_t a, uint64_t b, uint64_t c, uint64_t *out) {
  if (c == 0) return GP_ERR_ARITHMETIC_OVERFLOW;
  gp_u128_t p;
  gp_mul_u64_wide(a, b, &p);
  if (p.hi == 0) { *out = p.lo / c; return 0; }
  if (p.hi >= c) return GP_ERR_ARITHMETIC_OVERFLOW; /* quotient >= 2^64 */
  uint64_t r;
  *out = gp_divlu_(p.hi, p.lo, c, &r);
  return 0;
}

/* ceil(a * b / c) with a 128-bit intermediate. */
static inline uint64_t gp_mul_div_ceil_u64(uint64_t a, uint64_t b, uint64_t c, uint64_t *out) {
  if (c == 0) return GP_ERR_ARITHMETIC_OVERFLOW;
  gp_u128_t p;
  gp_mul_u64_wide(a, b, &p);
  uint64_t q, r;
  if (p.hi == 0) {
    q = p.lo / c;
    r = p.lo - q * c;
  } else {
    if (p.hi >= c) return GP_ERR_ARITHMETIC_OVERFLOW;
    q = gp_divlu_(p.hi, p.lo, c, &r);
  }
  if (r != 0) {
    if (q == GP_U64_MAX) return GP_ERR_ARITHMETIC_OVERFLOW;
    q++;
  }
  *out = q;
  return 0;
}

/* ---- u128 ---- */

static inline void gp_u128_from_u64(gp_u128_t *out, uint64_t v) {
  out->lo = v;
  out->hi = 0;
}

static inline uint64_t gp_u128_to_u64(const gp_u128_t *a, uint64_t *out) {
  if (a->hi) return GP_ERR_ARITHMETIC_OVERFLOW;
  *out = a->lo;
  return 0;
}

/* -1, 0 or 1. */
static inline int gp_u128_cmp(const gp_u128_t *a, const gp_u128_t *b) {
  if (a->hi != b->hi) return a->hi < b->hi ? -1 : 1;
  if (a->lo != b->lo) return a->lo < b->lo ? -1 : 1;
  return 0;
}

static inline uint64_t gp_u128_add(gp_u128_t *out, const gp_u128_t *a, const gp_u128_t *b) {
  uint64_t lo = a->lo + b->lo;
  uint64_t carry = lo < a->lo;
  uint64_t hi;
  if (__builtin_add_overflow(a->hi, b->hi, &hi)) return GP_ERR_ARITHMETIC_OVERFLOW;
  if (__builtin_add_overflow(hi, carry, &hi)) return GP_ERR_ARITHMETIC_OVERFLOW;
  out->lo = lo;
  out->hi = hi;
  return 0;
}

static inline uint64_t gp_u128_sub(gp_u128_t *out, const gp_u128_t *a, const gp_u128_t *b) {
  if (gp_u128_cmp(a, b) < 0) return GP_ERR_ARITHMETIC_OVERFLOW;
  uint64_t borrow = a->lo < b->lo;
  out->hi = a->hi - b->hi - borrow;
  out->lo = a->lo - b->lo;
  return 0;
}

static inline uint64_t gp_u128_mul(gp_u128_t *out, const gp_u128_t *a, const gp_u128_t *b) {
  if (a->hi != 0 && b->hi != 0) return GP_ERR_ARITHMETIC_OVERFLOW;
  gp_u128_t p;
  gp_mul_u64_wide(a->lo, b->lo, &p);
  uint64_t c1, c2, hi;
  if (gp_mul_u64(a->hi, b->lo, &c1)) return GP_ERR_ARITHMETIC_OVERFLOW;
  if (gp_mul_u64(a->lo, b->hi, &c2)) return GP_ERR_ARITHMETIC_OVERFLOW;
  if (gp_add_u64(p.hi, c1, &hi)) return GP_ERR_ARITHMETIC_OVERFLOW;
  if (gp_add_u64(hi, c2, &hi)) return GP_ERR_ARITHMETIC_OVERFLOW;
  out->lo = p.lo;
  out->hi = hi;
  return 0;
}

/* a / d and a % d; rem may be NULL. */
static inline uint64_t gp_u128_divmod_u64(gp_u128_t *q, uint64_t *rem, const gp_u128_t *a,
                                          uint64_t d) {
  if (d == 0) return GP_ERR_ARITHMETIC_OVERFLOW;
  uint64_t qhi = a->hi / d, r = a->hi - qhi * d, qlo;
  if (r == 0) {
    qlo = a->lo / d;
    r = a->lo - qlo * d;
  } else {
    qlo = gp_divlu_(r, a->lo, d, &r);
  }
  q->hi = qhi;
  q->lo = qlo;
  if (rem) *rem = r;
  return 0;
}

#endif
