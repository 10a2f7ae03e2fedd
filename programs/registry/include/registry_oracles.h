/* The registry's oracle set, as the programs that trust it see it. Included by the registry,
   the escrow and the economy (`#include "registry/include/registry_oracles.h"`). */
#ifndef REGISTRY_ORACLES_H
#define REGISTRY_ORACLES_H

#include <gpunet/sdk.h>

#include "registry/gen/registry_idl.h"

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
