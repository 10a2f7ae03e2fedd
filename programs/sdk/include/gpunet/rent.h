/* gpunet/rent.h: the Rent sysvar and the rent-exempt minimum.

   Agave's Rent is { u64 lamports_per_byte_year; f64 exemption_threshold;
   u8 burn_percent } (24 bytes with padding). BPF has no floating point, so the
   f64 is kept as its IEEE-754 bits and applied exactly in integer arithmetic:
     minimum = (128 + data_len) * lamports_per_byte_year * exemption_threshold
   (mainnet: 3480 * 2.0, or 6960 * 1.0 after SIMD-0194; both give 890,880 for 0
   bytes and 2,039,280 for 165). Agave rounds the product to f64 first; the two
   agree while it is below 2^53 lamports. */
#ifndef GPUNET_RENT_H
#define GPUNET_RENT_H

#include "math.h"
#include "syscalls.h"

typedef struct {
  uint64_t lamports_per_byte_year;
  uint64_t exemption_threshold_bits; /* f64 bits */
  uint8_t burn_percent;
  uint8_t _pad[7];
} SolRent;
GP_CHECK_SIZE(SolRent, 24);

#define GP_ACCOUNT_STORAGE_OVERHEAD 128

static inline uint64_t gp_rent_get(SolRent *out) { return sol_get_rent_sysvar(out); }

/* Lamports an account of data_len bytes needs to be rent exempt under *rent. */
static inline uint64_t gp_rent_minimum_balance(const SolRent *rent, uint64_t data_len,
                                               uint64_t *out) {
  uint64_t bytes, base;
  GP_TRY(gp_add_u64(data_len, GP_ACCOUNT_STORAGE_OVERHEAD, &bytes));
  GP_TRY(gp_mul_u64(bytes, rent->lamports_per_byte_year, &base));
  uint64_t bits = rent->exemption_threshold_bits;
  uint64_t exp = (bits >> 52) & 0x7ff;
  if ((bits >> 63) || exp == 0) { *out = 0; return 0; }   /* <= 0 or subnormal */
  if (exp == 0x7ff) return GP_ERR_ARITHMETIC_OVERFLOW;    /* inf / nan */
  uint64_t mant = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
  gp_u128_t p;
  gp_mul_u64_wide(base, mant, &p); /* value = p * 2^(exp - 1075) */
  if (exp >= 1075) {
    uint64_t sh = exp - 1075;
    if (p.hi || (sh && (sh >= 64 || (p.lo >> (64 - sh))))) return GP_ERR_ARITHMETIC_OVERFLOW;
    *out = p.lo << sh;
    return 0;
  }
  uint64_t sh = 1075 - exp;
  if (sh >= 128) { *out = 0; return 0; }
  uint64_t lo;
  if (sh >= 64) {
    lo = p.hi >> (sh - 64);
    *out = lo;
    return 0;
  }
  if (sh && (p.hi >> sh)) return GP_ERR_ARITHMETIC_OVERFLOW;
  lo = sh ? (p.lo >> sh) | (p.hi << (64 - sh)) : p.lo;
  if (!sh && p.hi) return GP_ERR_ARITHMETIC_OVERFLOW;
  *out = lo;
  return 0;
}

/* Same, reading the Rent sysvar (~100 CU). */
static inline uint64_t gp_rent_exempt_minimum(uint64_t data_len, uint64_t *out) {
  SolRent rent;
  GP_TRY(gp_rent_get(&rent));
  return gp_rent_minimum_balance(&rent, data_len, out);
}

#endif
