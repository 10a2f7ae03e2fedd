/* The registry program: providers, devices, stake, proofs, reputation and slashing.
   One file per instruction under src/; layouts and codes come from the generated
   gen/registry_idl.h (idl/registry.json). */
#ifndef REGISTRY_H
#define REGISTRY_H

#include <gpunet/sdk.h>

#include "registry_idl.h"

/* Layout version written into Config.version. */
#define REGISTRY_CONFIG_VERSION 1

uint64_t registry_process(const SolParameters *p);
uint64_t registry_initialize_config(const SolParameters *p);
uint64_t registry_update_config(const SolParameters *p);

/* Config helpers (config.c). */
uint64_t registry_validate_params(const registry_config_params_t *params);
uint64_t registry_load_config(const SolAccountInfo *account, const SolPubkey *program_id,
                              registry_config_t **out);

#endif
