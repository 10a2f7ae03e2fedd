/* gpunet/clock.h: the Clock sysvar (Agave's solana_clock::Clock, 40 bytes). */
#ifndef GPUNET_CLOCK_H
#define GPUNET_CLOCK_H

#include "error.h"
#include "syscalls.h"

typedef struct {
  uint64_t slot;
  int64_t epoch_start_timestamp;
  uint64_t epoch;
  uint64_t leader_schedule_epoch;
  int64_t unix_timestamp;
} SolClock;
GP_CHECK_SIZE(SolClock, 40);

/* ~100 CU. Returns 0; a failing getter aborts on chain. */
static inline uint64_t gp_clock_get(SolClock *out) { return sol_get_clock_sysvar(out); }

/* The Clock's unix timestamp. */
static inline uint64_t gp_unix_now(int64_t *out) {
  SolClock clock;
  if (gp_clock_get(&clock)) return GP_BUILTIN_INVALID_ARGUMENT;
  *out = clock.unix_timestamp;
  return 0;
}

#endif
