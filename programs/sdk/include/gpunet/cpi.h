/* gpunet/cpi.h: cross-program invocation and System Program instructions.

   A CPI costs ~946 CU plus serialization of every account passed, so helpers
   pass only the accounts the callee needs. The callee program's account must be
   among the caller's instruction accounts, but it need not be in `infos`.
   `signer` is the seeds (bump last) of ONE PDA that signs, or NULL; use
   gp_invoke directly for several PDA signers.

   After a CPI the runtime updates lamports, owner and data in the input buffer
   and the serialized data length, but not the data_len of the SolAccountInfo
   copies a helper passed. Helpers that can resize an account take it non-const
   and refresh its data_len (gp_account_refresh_len). */
#ifndef GPUNET_CPI_H
#define GPUNET_CPI_H

#include "error.h"
#include "mem.h"
#include "syscalls.h"

static const SolPubkey GP_SYSTEM_PROGRAM_ID __attribute__((aligned(8), unused)) = {{0}};

static inline uint64_t gp_invoke(const SolInstruction *ix, const SolAccountInfo *infos,
                                 uint64_t infos_len, const SolSignerSeeds *signers,
                                 uint64_t signers_len) {
  return sol_invoke_signed_c(ix, infos, infos_len, signers, signers_len);
}

/* One optional PDA signer. */
static inline uint64_t gp_invoke1(const SolInstruction *ix, const SolAccountInfo *infos,
                                  uint64_t infos_len, const SolSignerSeeds *signer) {
  return sol_invoke_signed_c(ix, infos, infos_len, signer, signer ? 1 : 0);
}

/* Re-read data_len from the serialized buffer (the u64 before the data). Only
   valid for infos produced by gp_deserialize. */
static inline void gp_account_refresh_len(SolAccountInfo *a) {
  a->data_len = *(const uint64_t *)(const void *)(a->data - 8);
}

/* System Program instruction indices (u32 little-endian first in the data). */
#define GP_SYSTEM_IX_CREATE_ACCOUNT 0u
#define GP_SYSTEM_IX_ASSIGN 1u
#define GP_SYSTEM_IX_TRANSFER 2u
#define GP_SYSTEM_IX_ALLOCATE 8u

/* Data encoders, exposed for tests. Sizes: 52, 12, 12, 36 bytes. */
static inline void gp_system_encode_create_account(uint8_t out[52], uint64_t lamports,
                                                   uint64_t space, const SolPubkey *owner) {
  gp_store_u32(out, GP_SYSTEM_IX_CREATE_ACCOUNT);
  gp_store_u64(out + 4, lamports);
  gp_store_u64(out + 12, space);
  sol_memcpy_(out + 20, owner, SOL_PUBKEY_SIZE);
}
static inline void gp_system_encode_transfer(uint8_t out[12], uint64_t lamports) {
  gp_store_u32(out, GP_SYSTEM_IX_TRANSFER);
  gp_store_u64(out + 4, lamports);
}
static inline void gp_system_encode_allocate(uint8_t out[12], uint64_t space) {
  gp_store_u32(out, GP_SYSTEM_IX_ALLOCATE);
  gp_store_u64(out + 4, space);
}
static inline void gp_system_encode_assign(uint8_t out[36], const SolPubkey *owner) {
  gp_store_u32(out, GP_SYSTEM_IX_ASSIGN);
  sol_memcpy_(out + 4, owner, SOL_PUBKEY_SIZE);
}

/* Transfer lamports from a system-owned signer (or a PDA signing via `signer`). */
static inline uint64_t gp_system_transfer(const SolAccountInfo *from, const SolAccountInfo *to,
                                          uint64_t lamports, const SolSignerSeeds *signer) {
  uint8_t data[12];
  gp_system_encode_transfer(data, lamports);
  SolAccountMeta metas[2] = {{from->key, true, true}, {to->key, true, false}};
  SolAccountInfo infos[2] = {*from, *to};
  SolInstruction ix = {&GP_SYSTEM_PROGRAM_ID, metas, 2, data, sizeof data};
  return gp_invoke1(&ix, infos, 2, signer);
}

typedef struct {
  const SolAccountInfo *payer; /* signer, writable */
  SolAccountInfo *account;     /* new account: signer (keypair or PDA via `signer`), writable */
  uint64_t lamports;
  uint64_t space;
  const SolPubkey *owner;
  const SolSignerSeeds *signer; /* seeds of `account` if it is a PDA, else NULL */
} gp_create_account_t;

static inline uint64_t gp_system_create_account(const gp_create_account_t *c) {
  uint8_t data[52];
  gp_system_encode_create_account(data, c->lamports, c->space, c->owner);
  SolAccountMeta metas[2] = {{c->payer->key, true, true}, {c->account->key, true, true}};
  SolAccountInfo infos[2] = {*c->payer, *c->account};
  SolInstruction ix = {&GP_SYSTEM_PROGRAM_ID, metas, 2, data, sizeof data};
  GP_TRY(gp_invoke1(&ix, infos, 2, c->signer));
  gp_account_refresh_len(c->account);
  return 0;
}

static inline uint64_t gp_system_allocate(SolAccountInfo *account, uint64_t space,
                                          const SolSignerSeeds *signer) {
  uint8_t data[12];
  gp_system_encode_allocate(data, space);
  SolAccountMeta metas[1] = {{account->key, true, true}};
  SolInstruction ix = {&GP_SYSTEM_PROGRAM_ID, metas, 1, data, sizeof data};
  GP_TRY(gp_invoke1(&ix, account, 1, signer));
  gp_account_refresh_len(account);
  return 0;
}

static inline uint64_t gp_system_assign(const SolAccountInfo *account, const SolPubkey *owner,
                                        const SolSignerSeeds *signer) {
  uint8_t data[36];
  gp_system_encode_assign(data, owner);
  SolAccountMeta metas[1] = {{account->key, true, true}};
  SolInstruction ix = {&GP_SYSTEM_PROGRAM_ID, metas, 1, data, sizeof data};
  return gp_invoke1(&ix, account, 1, signer);
}

#endif
