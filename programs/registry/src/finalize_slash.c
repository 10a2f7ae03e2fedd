#include "registry.h"

/* TODO(helper): not implemented yet. */
uint64_t registry_finalize_slash(const SolParameters *p) {
  (void)p;
  return REGISTRY_ERR_INVALID_INSTRUCTION;
}
