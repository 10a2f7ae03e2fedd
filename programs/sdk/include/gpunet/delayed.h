/* gpunet/delayed.h: configuration changes that are announced before they apply.

   A program keeps its live parameters, one pending proposal and the time the proposal may
   apply. A change that only reduces a trusted key's power (the program decides which) applies
   at once and drops any pending proposal (so proposing the live parameters cancels one);
   any other change becomes the pending proposal, replacing an older one, and applies only
   after `delay` seconds, when anyone calls the program's apply instruction. The delay is at
   least the registry's unstake cooldown, so whoever disagrees can leave first. */
#ifndef GPUNET_DELAYED_H
#define GPUNET_DELAYED_H

#include "math.h"
#include "mem.h"

/* A program's parameters as bytes in its Config account. */
typedef struct {
  void *live;          /* the parameters in force */
  void *pending;       /* the proposal, all zero when none */
  int64_t *applies_at; /* when the proposal may apply; 0 when none */
  uint64_t size;       /* sizeof the parameter struct */
} gp_delayed_t;

/* Applies next at once (at_once) or makes it the pending proposal, applying at now + delay
   (written to *applies_at; 0 when applied at once). */
static inline uint64_t gp_delayed_propose(const gp_delayed_t *c, const void *next, bool at_once, int64_t now,
                                          int64_t delay) {
  int64_t at = 0;
  if (!at_once && (delay < 0 || __builtin_add_overflow(now, delay, &at))) return GP_ERR_ARITHMETIC_OVERFLOW;
  if (at_once) {
    gp_memcpy(c->live, next, c->size);
    gp_memset(c->pending, 0, c->size);
  } else {
    gp_memcpy(c->pending, next, c->size);
  }
  *c->applies_at = at;
  return 0;
}

/* Whether a proposal is pending and due at now: 0, no_proposal or too_early. */
static inline uint64_t gp_delayed_due(const gp_delayed_t *c, int64_t now, uint64_t no_proposal, uint64_t too_early) {
  if (*c->applies_at == 0) return no_proposal;
  return now < *c->applies_at ? too_early : 0;
}

/* Makes the pending proposal live and clears it (call after gp_delayed_due and the program's
   own checks of the proposal against the state now). */
static inline void gp_delayed_apply(const gp_delayed_t *c) {
  gp_memcpy(c->live, c->pending, c->size);
  gp_memset(c->pending, 0, c->size);
  *c->applies_at = 0;
}

#endif
