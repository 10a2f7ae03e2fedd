/* test_util.h: helpers shared by the SDK's host tests. */
#ifndef GP_TEST_UTIL_H
#define GP_TEST_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "gp_host.h"
#include "gp_test.h"

/* A pubkey filled with one byte (distinct, readable keys for tests). */
static inline SolPubkey tu_key(uint8_t b) {
  SolPubkey k;
  memset(k.x, b, 32);
  return k;
}

static inline SolPubkey tu_b58(const char *s) {
  SolPubkey k;
  if (gp_host_pubkey_from_b58(s, &k)) abort();
  return k;
}

/* Serialize accounts and deserialize them into ka/params. Free the result. */
static inline uint8_t *tu_input(const gp_host_account_t *accts, uint64_t n, const uint8_t *ix,
                                uint64_t ix_len, const SolPubkey *program_id, SolParameters *p,
                                SolAccountInfo *ka, uint64_t cap, uint64_t *err) {
  uint8_t *buf = gp_host_input_new(accts, n, ix, ix_len, program_id, NULL);
  *err = gp_deserialize(buf, p, ka, cap);
  return buf;
}

/* A xorshift64* generator for the random host tests: *state is its seed, never 0. */
static inline uint64_t tu_rand(uint64_t *state) {
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return *state * 2685821657736338717ULL;
}

#endif
