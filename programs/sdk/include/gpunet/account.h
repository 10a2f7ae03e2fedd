/* gpunet/account.h: account checks, PDA creation and closing.

   Each check returns 0 or one common error code, so an instruction reads as a
   list of GP_TRY(...) lines. Recommended order (cheapest and most specific first):
   account count, signer/writable, owner, data size + discriminator, PDA, logic. */
#ifndef GPUNET_ACCOUNT_H
#define GPUNET_ACCOUNT_H

#include "cpi.h"
#include "rent.h"

static inline uint64_t gp_check_accounts_len(const SolParameters *p, uint64_t need) {
  return p->ka_num < need ? GP_ERR_NOT_ENOUGH_ACCOUNTS : 0;
}

static inline uint64_t gp_check_signer(const SolAccountInfo *a) {
  return a->is_signer ? 0 : GP_ERR_MISSING_SIGNER;
}

static inline uint64_t gp_check_writable(const SolAccountInfo *a) {
  return a->is_writable ? 0 : GP_ERR_ACCOUNT_NOT_WRITABLE;
}

static inline uint64_t gp_check_owner(const SolAccountInfo *a, const SolPubkey *owner) {
  return gp_pubkey_eq(a->owner, owner) ? 0 : GP_ERR_INVALID_ACCOUNT_OWNER;
}

/* Key equality with the caller's error code (e.g. GP_ERR_INVALID_MINT, or a
   program-specific "wrong authority"). */
static inline uint64_t gp_check_key(const SolAccountInfo *a, const SolPubkey *key, uint64_t err) {
  return gp_pubkey_eq(a->key, key) ? 0 : err;
}

/* The account passed for a CPI target is that program. */
static inline uint64_t gp_check_program(const SolAccountInfo *a, const SolPubkey *program_id) {
  return gp_pubkey_eq(a->key, program_id) ? 0 : GP_ERR_INVALID_PROGRAM_ID;
}

/* First 8 data bytes as a little-endian u64 (0 if shorter). */
static inline uint64_t gp_account_discriminator(const SolAccountInfo *a) {
  return a->data_len >= 8 ? gp_load_u64(a->data) : 0;
}

/* Exact size and 8-byte discriminator (one u64 compare). Fixed-size account
   structs make an exact size check the natural one; a layout that grows gets a
   new size (and a migration). */
static inline uint64_t gp_check_data(const SolAccountInfo *a, uint64_t discriminator,
                                     uint64_t size) {
  if (a->data_len != size || size < 8) return GP_ERR_INVALID_ACCOUNT_DATA;
  return gp_load_u64(a->data) == discriminator ? 0 : GP_ERR_INVALID_ACCOUNT_DATA;
}

/* Owner + size + discriminator for an account of this program. */
static inline uint64_t gp_check_program_account(const SolAccountInfo *a, const SolPubkey *program_id,
                                                uint64_t discriminator, uint64_t size) {
  GP_TRY(gp_check_owner(a, program_id));
  return gp_check_data(a, discriminator, size);
}

/* Fresh account to create: system-owned with no data (lamports may be > 0). */
static inline uint64_t gp_check_uninitialized(const SolAccountInfo *a) {
  if (a->data_len != 0 || !gp_pubkey_is_zero(a->owner)) return GP_ERR_ACCOUNT_ALREADY_INITIALIZED;
  return 0;
}

/* a's key is create_program_address(seeds, program_id); the stored bump is the
   last seed. One 1,500-CU syscall; never search bumps on chain. */
static inline uint64_t gp_check_pda(const SolAccountInfo *a, const SolSignerSeed *seeds,
                                    uint64_t seeds_len, const SolPubkey *program_id) {
  SolPubkey expected __attribute__((aligned(8)));
  if (seeds_len == 0 || seeds_len > GP_MAX_SEEDS) return GP_ERR_INVALID_PDA;
  if (sol_create_program_address(seeds, seeds_len, program_id, &expected)) return GP_ERR_INVALID_PDA;
  return gp_pubkey_eq(a->key, &expected) ? 0 : GP_ERR_INVALID_PDA;
}

/* For an account about to be created: searches the canonical bump of seeds[0..n) (1,500 CU
   per try) into *bump and checks a's key is that address. Let seeds[n] point at *bump, and
   the same array then signs the creation. */
static inline uint64_t gp_check_canonical_pda(const SolAccountInfo *a, const SolSignerSeed *seeds,
                                              uint64_t n, const SolPubkey *program_id, uint8_t *bump) {
  SolPubkey expected __attribute__((aligned(8)));
  if (sol_try_find_program_address(seeds, n, program_id, &expected, bump)) return GP_ERR_INVALID_PDA;
  return gp_pubkey_eq(a->key, &expected) ? 0 : GP_ERR_INVALID_PDA;
}

/* Two accounts are different (the runtime dedups keys, so key equality is
   account identity). */
static inline uint64_t gp_check_distinct(const SolAccountInfo *a, const SolAccountInfo *b) {
  return gp_pubkey_eq(a->key, b->key) ? GP_ERR_DUPLICATE_ACCOUNT : 0;
}

/* ka[idx[0..n)] are pairwise distinct. n is small (the writable accounts of one
   instruction), so O(n^2) key compares are cheaper than anything cleverer. */
static inline uint64_t gp_check_distinct_n(const SolAccountInfo *ka, const uint8_t *idx,
                                           uint64_t n) {
  for (uint64_t i = 1; i < n; i++)
    for (uint64_t j = 0; j < i; j++)
      GP_TRY(gp_check_distinct(&ka[idx[i]], &ka[idx[j]]));
  return 0;
}

typedef struct {
  const SolAccountInfo *payer;  /* signer, writable; pays the rent */
  SolAccountInfo *account;      /* the PDA, writable; data_len is refreshed */
  const SolPubkey *owner;       /* program that will own it */
  const SolSignerSeeds *seeds;  /* the PDA's seeds, bump last */
  uint64_t space;
} gp_create_pda_t;

/* Create a rent-exempt PDA account owned by c->owner. Like Anchor's init, it
   handles an address someone already sent lamports to (CreateAccount would fail
   there): top up with Transfer, then Allocate and Assign, both PDA-signed.
   Returns GP_ERR_ACCOUNT_ALREADY_INITIALIZED if it has data or an owner. */
static inline uint64_t gp_account_create_pda(const gp_create_pda_t *c) {
  GP_TRY(gp_check_uninitialized(c->account));
  uint64_t need;
  GP_TRY(gp_rent_exempt_minimum(c->space, &need));
  uint64_t have = *c->account->lamports;
  if (have == 0) {
    gp_create_account_t ca = {c->payer, c->account, need, c->space, c->owner, c->seeds};
    return gp_system_create_account(&ca);
  }
  uint64_t top_up = gp_sat_sub_u64(need, have);
  if (top_up) GP_TRY(gp_system_transfer(c->payer, c->account, top_up, NULL));
  GP_TRY(gp_system_allocate(c->account, c->space, c->seeds));
  return gp_system_assign(c->account, c->owner, c->seeds);
}

/* Close an account this program owns: all lamports to dest, data zeroed and
   truncated to 0 bytes, owner set to the System Program (the runtime applies
   owner and length after the instruction, in that order). Only for infos from
   gp_deserialize (it writes the serialized length before the data). */
static inline uint64_t gp_account_close(SolAccountInfo *a, const SolAccountInfo *dest) {
  GP_TRY(gp_check_distinct(a, dest));
  uint64_t sum;
  GP_TRY(gp_add_u64(*dest->lamports, *a->lamports, &sum));
  *dest->lamports = sum;
  *a->lamports = 0;
  gp_memset(a->data, 0, a->data_len);
  gp_store_u64(a->data - 8, 0);
  a->data_len = 0;
  gp_memset(a->owner, 0, SOL_PUBKEY_SIZE);
  return 0;
}

#endif
