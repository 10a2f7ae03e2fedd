/* Checked math against the host's native unsigned __int128. */
#include "test_util.h"

typedef unsigned __int128 u128;
#define MAX GP_U64_MAX

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void) { /* xorshift64*, with a bias to edge values */
  rng_state ^= rng_state >> 12; rng_state ^= rng_state << 25; rng_state ^= rng_state >> 27;
  uint64_t v = rng_state * 2685821657736338717ULL;
  switch (v & 7) {
  case 0: return v >> (v >> 58);      /* random magnitude */
  case 1: return MAX - (v & 0xff);    /* near max */
  case 2: return v & 0xff;            /* small */
  case 3: return (v | 1) << 32 >> 1;  /* around 2^31..2^63 */
  default: return v;
  }
}
static u128 to_n(const gp_u128_t *a) { return ((u128)a->hi << 64) | a->lo; }
static gp_u128_t from_n(u128 v) { gp_u128_t r = {(uint64_t)v, (uint64_t)(v >> 64)}; return r; }

GP_TEST(add_sub_u64_edges) {
  uint64_t r = 7;
  GP_CHECK_EQ(gp_add_u64(MAX - 1, 1, &r), 0); GP_CHECK_EQ(r, MAX);
  r = 7;
  GP_CHECK_EQ(gp_add_u64(MAX, 1, &r), GP_ERR_ARITHMETIC_OVERFLOW); GP_CHECK_EQ(r, 7);
  GP_CHECK_EQ(gp_add_u64(MAX, MAX, &r), GP_ERR_ARITHMETIC_OVERFLOW);
  GP_CHECK_EQ(gp_sub_u64(5, 5, &r), 0); GP_CHECK_EQ(r, 0);
  GP_CHECK_EQ(gp_sub_u64(5, 6, &r), GP_ERR_ARITHMETIC_OVERFLOW); GP_CHECK_EQ(r, 0);
  GP_CHECK_EQ(gp_sub_u64(0, MAX, &r), GP_ERR_ARITHMETIC_OVERFLOW);
  GP_CHECK_EQ(gp_sat_sub_u64(3, 5), 0);
  GP_CHECK_EQ(gp_sat_sub_u64(5, 3), 2);
  GP_CHECK_EQ(gp_div_u64(7, 0, &r), GP_ERR_ARITHMETIC_OVERFLOW);
  GP_CHECK_EQ(gp_div_u64(7, 2, &r), 0); GP_CHECK_EQ(r, 3);
}

GP_TEST(mul_u64_edges) {
  uint64_t r = 0;
  GP_CHECK_EQ(gp_mul_u64(0, MAX, &r), 0); GP_CHECK_EQ(r, 0);
  GP_CHECK_EQ(gp_mul_u64(MAX, 0, &r), 0); GP_CHECK_EQ(r, 0);
  GP_CHECK_EQ(gp_mul_u64(MAX, 1, &r), 0); GP_CHECK_EQ(r, MAX);
  GP_CHECK_EQ(gp_mul_u64(1ULL << 32, 1ULL << 31, &r), 0); GP_CHECK_EQ(r, 1ULL << 63);
  GP_CHECK_EQ(gp_mul_u64(1ULL << 32, 1ULL << 32, &r), GP_ERR_ARITHMETIC_OVERFLOW);
  GP_CHECK_EQ(gp_mul_u64(0xFFFFFFFFULL, 0x100000001ULL, &r), 0); GP_CHECK_EQ(r, MAX);
  GP_CHECK_EQ(gp_mul_u64(0x100000000ULL, 0xFFFFFFFFULL + 1, &r), GP_ERR_ARITHMETIC_OVERFLOW);
  GP_CHECK_EQ(gp_mul_u64(3, MAX / 3 + 1, &r), GP_ERR_ARITHMETIC_OVERFLOW);
}

GP_TEST(u64_ops_random_vs_native) {
  for (int i = 0; i < 200000; i++) {
    uint64_t a = rnd(), b = rnd(), r;
    u128 s = (u128)a + b, p = (u128)a * b;
    GP_CHECK_EQ(gp_add_u64(a, b, &r) == 0, s <= MAX);
    if (s <= MAX) GP_CHECK_EQ(r, (uint64_t)s);
    GP_CHECK_EQ(gp_sub_u64(a, b, &r) == 0, a >= b);
    if (a >= b) GP_CHECK_EQ(r, a - b);
    GP_CHECK_EQ(gp_mul_u64(a, b, &r) == 0, p <= MAX);
    if (p <= MAX) GP_CHECK_EQ(r, (uint64_t)p);
    gp_u128_t w;
    gp_mul_u64_wide(a, b, &w);
    GP_CHECK(to_n(&w) == p);
  }
}

GP_TEST(mul_div_edges) {
  uint64_t r = 0;
  GP_CHECK_EQ(gp_mul_div_u64(1, 1, 0, &r), GP_ERR_ARITHMETIC_OVERFLOW);
  GP_CHECK_EQ(gp_mul_div_ceil_u64(1, 1, 0, &r), GP_ERR_ARITHMETIC_OVERFLOW);
  GP_CHECK_EQ(gp_mul_div_u64(MAX, MAX, MAX, &r), 0); GP_CHECK_EQ(r, MAX);
  GP_CHECK_EQ(gp_mul_div_ceil_u64(MAX, MAX, MAX, &r), 0); GP_CHECK_EQ(r, MAX);
  GP_CHECK_EQ(gp_mul_div_u64(MAX, MAX, MAX - 1, &r), GP_ERR_ARITHMETIC_OVERFLOW);
  GP_CHECK_EQ(gp_mul_div_u64(MAX, 2, 3, &r), 0); GP_CHECK_EQ(r, (uint64_t)(((u128)MAX * 2) / 3));
  GP_CHECK_EQ(gp_mul_div_u64(7, 3, 2, &r), 0); GP_CHECK_EQ(r, 10);
  GP_CHECK_EQ(gp_mul_div_ceil_u64(7, 3, 2, &r), 0); GP_CHECK_EQ(r, 11);
  GP_CHECK_EQ(gp_mul_div_ceil_u64(6, 3, 2, &r), 0); GP_CHECK_EQ(r, 9);
  GP_CHECK_EQ(gp_mul_div_ceil_u64(0, 3, 2, &r), 0); GP_CHECK_EQ(r, 0);
  GP_CHECK_EQ(gp_mul_div_u64(MAX, 3, 3, &r), 0); GP_CHECK_EQ(r, MAX);
  uint64_t a = 0x8000000000000001ULL, b = 0x1FFFFFFFFFFFFFFFULL, c = 0x1000000000000000ULL;
  u128 q = ((u128)a * b) / c;
  GP_CHECK_EQ(gp_mul_div_u64(a, b, c, &r) == 0, q <= MAX);
  GP_CHECK_EQ(gp_mul_div_ceil_u64(MAX, MAX - 1, MAX, &r), 0); GP_CHECK_EQ(r, MAX - 1);
  GP_CHECK_EQ(gp_mul_div_ceil_u64(MAX, 2, 2, &r), 0); GP_CHECK_EQ(r, MAX);
  GP_CHECK_EQ(gp_mul_div_ceil_u64(MAX, 3, 2, &r), GP_ERR_ARITHMETIC_OVERFLOW);
  GP_CHECK_EQ(gp_mul_div_u64(MAX, MAX - 1, MAX - 1, &r), 0); GP_CHECK_EQ(r, MAX);
  /* floor is MAX with a remainder: the ceiling overflows (wide path) */
  GP_CHECK_EQ(gp_mul_div_u64(MAX, MAX, MAX - 1, &r), GP_ERR_ARITHMETIC_OVERFLOW);
  GP_CHECK_EQ(gp_mul_div_u64(MAX, 5, 4, &r), GP_ERR_ARITHMETIC_OVERFLOW);
  GP_CHECK_EQ(gp_mul_div_u64(MAX - 1, 3, 3, &r), 0); GP_CHECK_EQ(r, MAX - 1);
  GP_CHECK_EQ(gp_mul_div_u64(0xFFFFFFFFFFFFFFFEULL, 0x8000000000000001ULL, 0x8000000000000000ULL, &r), 0);
  GP_CHECK_EQ(r, MAX);
  GP_CHECK_EQ(gp_mul_div_ceil_u64(0xFFFFFFFFFFFFFFFEULL, 0x8000000000000001ULL, 0x8000000000000000ULL, &r),
              GP_ERR_ARITHMETIC_OVERFLOW);
}

GP_TEST(mul_div_random_vs_native) {
  for (int i = 0; i < 300000; i++) {
    uint64_t a = rnd(), b = rnd(), c = rnd(), r = 0;
    if (c == 0) c = 1;
    u128 p = (u128)a * b, q = p / c, qc = q + (p % c != 0);
    uint64_t e = gp_mul_div_u64(a, b, c, &r);
    GP_CHECK_EQ(e == 0, q <= MAX);
    if (!e) GP_CHECK_EQ(r, (uint64_t)q);
    e = gp_mul_div_ceil_u64(a, b, c, &r);
    GP_CHECK_EQ(e == 0, qc <= MAX);
    if (!e) GP_CHECK_EQ(r, (uint64_t)qc);
  }
}

GP_TEST(u128_add_sub_cmp) {
  gp_u128_t a = {MAX, 0}, b = {1, 0}, r;
  GP_CHECK_EQ(gp_u128_add(&r, &a, &b), 0);
  GP_CHECK(r.lo == 0 && r.hi == 1);
  gp_u128_t top = {MAX, MAX};
  GP_CHECK_EQ(gp_u128_add(&r, &top, &b), GP_ERR_ARITHMETIC_OVERFLOW);
  gp_u128_t hi1 = {0, MAX}, hi2 = {0, 1};
  GP_CHECK_EQ(gp_u128_add(&r, &hi1, &hi2), GP_ERR_ARITHMETIC_OVERFLOW);
  gp_u128_t c1 = {MAX, MAX - 1};
  GP_CHECK_EQ(gp_u128_add(&r, &c1, &b), 0); /* carry into hi reaching MAX */
  GP_CHECK(r.lo == 0 && r.hi == MAX);
  gp_u128_t one_zero = {0, 1};
  GP_CHECK_EQ(gp_u128_sub(&r, &one_zero, &b), 0);
  GP_CHECK(r.lo == MAX && r.hi == 0);
  GP_CHECK_EQ(gp_u128_sub(&r, &b, &one_zero), GP_ERR_ARITHMETIC_OVERFLOW);
  GP_CHECK_EQ(gp_u128_cmp(&a, &one_zero), -1);
  GP_CHECK_EQ(gp_u128_cmp(&one_zero, &a), 1);
  GP_CHECK_EQ(gp_u128_cmp(&a, &a), 0);
  uint64_t v = 0;
  GP_CHECK_EQ(gp_u128_to_u64(&one_zero, &v), GP_ERR_ARITHMETIC_OVERFLOW);
  GP_CHECK_EQ(gp_u128_to_u64(&a, &v), 0); GP_CHECK_EQ(v, MAX);
  gp_u128_from_u64(&r, 5);
  GP_CHECK(r.lo == 5 && r.hi == 0);
}

GP_TEST(u128_mul_edges) {
  gp_u128_t r, a = {0, 1}, b = {0, 1};
  GP_CHECK_EQ(gp_u128_mul(&r, &a, &b), GP_ERR_ARITHMETIC_OVERFLOW); /* 2^64 * 2^64 */
  gp_u128_t c = {MAX, 0}, d = {MAX, 0};
  GP_CHECK_EQ(gp_u128_mul(&r, &c, &d), 0);
  GP_CHECK(to_n(&r) == (u128)MAX * MAX);
  gp_u128_t e = {2, 0}, f = {0, 0x8000000000000000ULL};
  GP_CHECK_EQ(gp_u128_mul(&r, &e, &f), GP_ERR_ARITHMETIC_OVERFLOW); /* 2^128 */
  gp_u128_t g = {2, 0}, h = {MAX, 0x7FFFFFFFFFFFFFFFULL};
  GP_CHECK_EQ(gp_u128_mul(&r, &g, &h), 0); /* 2^128 - 2 */
  GP_CHECK(r.lo == MAX - 1 && r.hi == MAX);
  gp_u128_t i3 = {3, 0};
  GP_CHECK_EQ(gp_u128_mul(&r, &i3, &h), GP_ERR_ARITHMETIC_OVERFLOW);
  gp_u128_t z = {0, 0};
  GP_CHECK_EQ(gp_u128_mul(&r, &z, &h), 0);
  GP_CHECK(r.lo == 0 && r.hi == 0);
}

GP_TEST(u128_random_vs_native) {
  for (int i = 0; i < 200000; i++) {
    gp_u128_t a = {rnd(), (i & 1) ? rnd() : (rnd() & 0xffff)}, b = {rnd(), (i & 2) ? 0 : rnd() >> 32};
    u128 na = to_n(&a), nb = to_n(&b);
    gp_u128_t r;
    uint64_t e = gp_u128_add(&r, &a, &b);
    GP_CHECK_EQ(e == 0, na + nb >= na);
    if (!e) GP_CHECK(to_n(&r) == na + nb);
    e = gp_u128_sub(&r, &a, &b);
    GP_CHECK_EQ(e == 0, na >= nb);
    if (!e) GP_CHECK(to_n(&r) == na - nb);
    GP_CHECK_EQ(gp_u128_cmp(&a, &b), na < nb ? -1 : na > nb ? 1 : 0);
    e = gp_u128_mul(&r, &a, &b);
    int ovf = nb != 0 && na > ~(u128)0 / nb;
    GP_CHECK_EQ(e == 0, !ovf);
    if (!e) GP_CHECK(to_n(&r) == na * nb);
    uint64_t d = rnd(), rem = 0;
    if (d == 0) d = 3;
    gp_u128_t q;
    GP_CHECK_EQ(gp_u128_divmod_u64(&q, &rem, &a, d), 0);
    GP_CHECK(to_n(&q) == na / d);
    GP_CHECK_EQ(rem, (uint64_t)(na % d));
  }
}

GP_TEST(u128_divmod_edges) {
  gp_u128_t q, a = from_n(~(u128)0);
  uint64_t rem;
  GP_CHECK_EQ(gp_u128_divmod_u64(&q, &rem, &a, 0), GP_ERR_ARITHMETIC_OVERFLOW);
  GP_CHECK_EQ(gp_u128_divmod_u64(&q, &rem, &a, 1), 0);
  GP_CHECK(to_n(&q) == ~(u128)0 && rem == 0);
  GP_CHECK_EQ(gp_u128_divmod_u64(&q, &rem, &a, MAX), 0);
  GP_CHECK(to_n(&q) == (~(u128)0) / MAX && rem == 0);
  GP_CHECK_EQ(gp_u128_divmod_u64(&q, NULL, &a, 10), 0);
  GP_CHECK(to_n(&q) == (~(u128)0) / 10);
  gp_u128_t b = from_n(((u128)0x7FFFFFFFFFFFFFFFULL << 64) | 0xFFFFFFFFFFFFFFFFULL);
  GP_CHECK_EQ(gp_u128_divmod_u64(&q, &rem, &b, 0x8000000000000000ULL), 0);
  GP_CHECK(to_n(&q) == to_n(&b) / 0x8000000000000000ULL && rem == MAX >> 1);
}

GP_TEST(lower_median_u64) {
  uint64_t one[1] = {7};
  GP_CHECK_EQ(gp_lower_median_u64(one, 1), 7);
  uint64_t two[2] = {9, 3}; /* an even count takes the lower middle value */
  GP_CHECK_EQ(gp_lower_median_u64(two, 2), 3);
  uint64_t odd[5] = {5, 1, 4, 1, 9};
  GP_CHECK_EQ(gp_lower_median_u64(odd, 5), 4);
  GP_CHECK_EQ(odd[0], 1); /* sorted in place */
  GP_CHECK_EQ(odd[4], 9);
  uint64_t outlier[4] = {10, 10, 11, UINT64_MAX}; /* one high outlier cannot raise it */
  GP_CHECK_EQ(gp_lower_median_u64(outlier, 4), 10);
}
