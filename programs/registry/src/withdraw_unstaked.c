#include "registry.h"

/* TODO(helper): not implemented yet. */
uint64_t registry_withdraw_unstaked(const SolParameters *p) {
  (void)p;
  return REGISTRY_ERR_INVALID_INSTRUCTION;
}
