/* gpunet/types.h: Solana ABI types, byte-for-byte the layouts of Agave's C SDK
   (sdk/sbf/c/inc/sol/). Field order and sizes are what the runtime reads and
   writes, so never reorder them. */
#ifndef GPUNET_TYPES_H
#define GPUNET_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "gpunet SDK assumes a little-endian target (bpfel or x86-64)"
#endif

#define GP_STATIC_ASSERT(c, m) _Static_assert(c, m)

/* Alignment 1 on purpose: pubkeys sit at arbitrary offsets inside borsh account
   layouts. Use gp_pubkey_eq (mem.h), which takes a fast path when both are 8-aligned. */
#define SOL_PUBKEY_SIZE 32
typedef struct {
  uint8_t x[SOL_PUBKEY_SIZE];
} SolPubkey;

/* Agave's SolAccountInfo (repr(C)). Pointers point into the serialized input
   buffer: writes through lamports/data/owner are what the runtime applies. */
typedef struct {
  SolPubkey *key;
  uint64_t *lamports;
  uint64_t data_len;
  uint8_t *data;
  SolPubkey *owner;
  uint64_t rent_epoch;
  bool is_signer;
  bool is_writable;
  bool executable;
} SolAccountInfo;

/* A byte string as the log_data/sha256 syscalls take it. */
typedef struct {
  const uint8_t *addr;
  uint64_t len;
} SolBytes;

/* One seed of a program-derived address. */
typedef struct {
  const uint8_t *addr;
  uint64_t len;
} SolSignerSeed;

/* The seeds of one PDA signer (bump included as the last seed). */
typedef struct {
  const SolSignerSeed *addr;
  uint64_t len;
} SolSignerSeeds;

typedef struct {
  const SolPubkey *pubkey;
  bool is_writable;
  bool is_signer;
} SolAccountMeta;

typedef struct {
  const SolPubkey *program_id;
  const SolAccountMeta *accounts;
  uint64_t account_len;
  const uint8_t *data;
  uint64_t data_len;
} SolInstruction;

/* What the entrypoint hands to a program's processor. */
typedef struct {
  SolAccountInfo *ka;     /* accounts, in instruction order (dups resolved) */
  uint64_t ka_num;        /* number of entries in ka */
  const uint8_t *data;    /* instruction data */
  uint64_t data_len;
  const SolPubkey *program_id;
} SolParameters;

#define GP_CHECK_SIZE(T, n) GP_STATIC_ASSERT(sizeof(T) == (n), #T " must match the runtime layout")
/* Pointers are 8 bytes on both bpfel and x86-64; these are the runtime's sizes. */
GP_CHECK_SIZE(SolPubkey, 32);
GP_CHECK_SIZE(SolAccountInfo, 56);
GP_STATIC_ASSERT(offsetof(SolAccountInfo, rent_epoch) == 40, "SolAccountInfo.rent_epoch");
GP_STATIC_ASSERT(offsetof(SolAccountInfo, is_signer) == 48, "SolAccountInfo.is_signer");
GP_STATIC_ASSERT(offsetof(SolAccountInfo, executable) == 50, "SolAccountInfo.executable");
GP_CHECK_SIZE(SolBytes, 16);
GP_CHECK_SIZE(SolSignerSeed, 16);
GP_CHECK_SIZE(SolSignerSeeds, 16);
GP_CHECK_SIZE(SolAccountMeta, 16);
GP_STATIC_ASSERT(offsetof(SolAccountMeta, is_signer) == 9, "SolAccountMeta.is_signer");
GP_CHECK_SIZE(SolInstruction, 40);

/* Limits the runtime enforces; the SDK checks them before calling syscalls. */
#define GP_MAX_SEEDS 16
#define GP_MAX_SEED_LEN 32
#define GP_MAX_PERMITTED_DATA_INCREASE 10240
#define GP_MAX_RETURN_DATA 1024

#endif
