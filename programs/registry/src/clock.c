#include "registry.h"

uint64_t registry_now(int64_t *out) {
  SolClock clock;
  if (gp_clock_get(&clock)) return GP_BUILTIN_INVALID_ARGUMENT;
  *out = clock.unix_timestamp;
  return 0;
}
