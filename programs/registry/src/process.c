#include "registry.h"

/* Dispatches on the instruction's 8-byte Anchor discriminator. */
uint64_t registry_process(const SolParameters *p) {
  if (p->data_len < 8) return REGISTRY_ERR_INVALID_INSTRUCTION;
  switch (gp_load_u64(p->data)) {
    case REGISTRY_IX_INITIALIZE_CONFIG:
      return registry_initialize_config(p);
    case REGISTRY_IX_UPDATE_CONFIG:
      return registry_update_config(p);
  }
  return REGISTRY_ERR_INVALID_INSTRUCTION;
}
