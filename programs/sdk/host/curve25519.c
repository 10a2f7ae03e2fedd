/* curve25519.c: "is this 32-byte string a valid ed25519 point?", the check
   that makes a PDA invalid. Same decision as curve25519-dalek's
   CompressedEdwardsY::decompress: y is the low 255 bits (reduced mod p, sign
   bit ignored); the point exists iff (y^2 - 1) / (d*y^2 + 1) is a square mod p.
   That ratio is a square iff u*v is (u/v = u*v / v^2), which Euler's criterion
   decides: (u*v)^((p-1)/2) is 0 or 1. Field elements are 5 x 51-bit limbs. */
#include "gp_host.h"

typedef unsigned __int128 u128;
typedef uint64_t fe[5];
#define MASK51 ((1ULL << 51) - 1)

static void fe_frombytes(fe h, const uint8_t s[32]) {
  uint64_t w[4];
  for (int i = 0; i < 4; i++) {
    w[i] = 0;
    for (int j = 7; j >= 0; j--) w[i] = (w[i] << 8) | s[8 * i + j];
  }
  h[0] = w[0] & MASK51;
  h[1] = ((w[0] >> 51) | (w[1] << 13)) & MASK51;
  h[2] = ((w[1] >> 38) | (w[2] << 26)) & MASK51;
  h[3] = ((w[2] >> 25) | (w[3] << 39)) & MASK51;
  h[4] = (w[3] >> 12) & MASK51; /* drops bit 255, the sign of x */
}

static void fe_carry(fe h) {
  for (int k = 0; k < 2; k++) {
    for (int i = 0; i < 4; i++) { h[i + 1] += h[i] >> 51; h[i] &= MASK51; }
    h[0] += 19 * (h[4] >> 51);
    h[4] &= MASK51;
  }
}

static void fe_mul(fe r, const fe a, const fe b) {
  u128 t[5];
  uint64_t b1 = 19 * b[1], b2 = 19 * b[2], b3 = 19 * b[3], b4 = 19 * b[4];
  t[0] = (u128)a[0] * b[0] + (u128)a[1] * b4 + (u128)a[2] * b3 + (u128)a[3] * b2 + (u128)a[4] * b1;
  t[1] = (u128)a[0] * b[1] + (u128)a[1] * b[0] + (u128)a[2] * b4 + (u128)a[3] * b3 + (u128)a[4] * b2;
  t[2] = (u128)a[0] * b[2] + (u128)a[1] * b[1] + (u128)a[2] * b[0] + (u128)a[3] * b4 + (u128)a[4] * b3;
  t[3] = (u128)a[0] * b[3] + (u128)a[1] * b[2] + (u128)a[2] * b[1] + (u128)a[3] * b[0] + (u128)a[4] * b4;
  t[4] = (u128)a[0] * b[4] + (u128)a[1] * b[3] + (u128)a[2] * b[2] + (u128)a[3] * b[1] + (u128)a[4] * b[0];
  for (int i = 0; i < 4; i++) { t[i + 1] += (uint64_t)(t[i] >> 51); t[i] &= MASK51; }
  uint64_t c = (uint64_t)(t[4] >> 51);
  t[4] &= MASK51;
  t[0] += (u128)c * 19;
  for (int i = 0; i < 5; i++) r[i] = (uint64_t)t[i];
  fe_carry(r);
}

/* r = a - b for carried inputs (limbs < 2^52): add 2p first. */
static void fe_sub(fe r, const fe a, const fe b) {
  r[0] = a[0] + 0xFFFFFFFFFFFDAULL - b[0];
  for (int i = 1; i < 5; i++) r[i] = a[i] + 0xFFFFFFFFFFFFEULL - b[i];
  fe_carry(r);
}

static void fe_add(fe r, const fe a, const fe b) {
  for (int i = 0; i < 5; i++) r[i] = a[i] + b[i];
  fe_carry(r);
}

/* Fully reduce to [0, p). */
static void fe_canon(fe h) {
  fe_carry(h);
  h[0] += 19;
  for (int i = 0; i < 4; i++) { h[i + 1] += h[i] >> 51; h[i] &= MASK51; }
  h[0] += 19 * (h[4] >> 51);
  h[4] &= MASK51;
  h[0] += (1ULL << 51) - 19;
  for (int i = 1; i < 5; i++) h[i] += (1ULL << 51) - 1;
  for (int i = 0; i < 4; i++) { h[i + 1] += h[i] >> 51; h[i] &= MASK51; }
  h[4] &= MASK51;
}

static int fe_is(const fe a, uint64_t v) {
  fe t = {a[0], a[1], a[2], a[3], a[4]};
  fe_canon(t);
  return t[0] == v && !(t[1] | t[2] | t[3] | t[4]);
}

int gp_host_is_on_curve(const uint8_t p[32]) {
  static const fe d = {929955233495203ULL, 466365720129213ULL, 1662059464998953ULL,
                       2033849074728123ULL, 1442794654840575ULL};
  static const fe one = {1, 0, 0, 0, 0};
  fe y, yy, u, v, t, acc;
  fe_frombytes(y, p);
  fe_mul(yy, y, y);
  fe_sub(u, yy, one);
  fe_mul(v, yy, d);
  fe_add(v, v, one);
  fe_mul(t, u, v);
  if (fe_is(t, 0)) return 1;
  /* acc = t^((p-1)/2), (p-1)/2 = 2^254 - 10: bits 253..4 set, then 0110. */
  fe_mul(acc, t, one);
  for (int bit = 252; bit >= 0; bit--) {
    fe_mul(acc, acc, acc);
    int set = bit >= 4 || bit == 2 || bit == 1;
    if (set) fe_mul(acc, acc, t);
  }
  return fe_is(acc, 1);
}
