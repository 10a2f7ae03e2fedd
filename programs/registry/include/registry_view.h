/* The registry as the programs that trust it read it: its Config, its Devices and its oracle
   set. Included by the registry, the escrow and the economy
   (`#include "registry/include/registry_view.h"`). */
#ifndef REGISTRY_VIEW_H
#define REGISTRY_VIEW_H

#include <gpunet/sdk.h>

#include "registry/gen/registry_idl.h"

/* The registry's Config: the account at `key` (the address the reader stored), owned by
   registry_program. */
static inline uint64_t registry_view_config(const SolAccountInfo *a, const SolPubkey *registry_program,
                                            const SolPubkey *key, const registry_config_t **out) {
  if (!gp_pubkey_eq(a->key, key)) return GP_ERR_INVALID_PDA;
  GP_TRY(gp_check_program_account(a, registry_program, REGISTRY_CONFIG_DISCRIMINATOR, REGISTRY_CONFIG_SIZE));
  *out = (const registry_config_t *)(const void *)a->data;
  return 0;
}

/* A registry Device (owner, size, discriminator). */
static inline uint64_t registry_view_device(const SolAccountInfo *a, const SolPubkey *registry_program,
                                            const registry_device_t **out) {
  GP_TRY(gp_check_program_account(a, registry_program, REGISTRY_DEVICE_DISCRIMINATOR, REGISTRY_DEVICE_SIZE));
  *out = (const registry_device_t *)(const void *)a->data;
  return 0;
}

/* Index of key in the live oracle set, or -1. */
static inline int registry_oracle_index(const registry_config_params_t *p, const SolPubkey *key) {
  for (int i = 0; i < p->oracle_count && i < 16; i++)
    if (gp_pubkey_eq(key, &p->oracles[i])) return i;
  return -1;
}

/* A fingerprint of the live oracle set and its quorum. Votes are kept per oracle index, and
   indexes shift when the admin changes the set, so votes gathered under one set must never
   count under another: each vote collection records the fingerprint it started under and
   starts over when it changes (~300 CU for the hash). */
static inline uint64_t registry_oracle_set_fingerprint(const registry_config_params_t *p) {
  uint8_t hash[32];
  uint64_t count = p->oracle_count <= 16 ? p->oracle_count : 16;
  SolBytes parts[2] = {{p->oracles[0].x, count * SOL_PUBKEY_SIZE}, {&p->oracle_quorum, 1}};
  sol_sha256(parts, 2, hash);
  return gp_load_u64(hash);
}

#endif
