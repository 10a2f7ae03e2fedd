#include "economy.h"

uint64_t economy_breaker_add(const economy_breaker_t *b, int64_t now, uint64_t amount, uint64_t err) {
  int64_t elapsed = now - *b->at;
  uint64_t used = 0;
  if (elapsed < b->window_secs) {
    uint64_t left = (uint64_t)(b->window_secs - (elapsed > 0 ? elapsed : 0));
    GP_TRY(gp_mul_div_u64(*b->used, left, (uint64_t)b->window_secs, &used));
  }
  uint64_t total;
  if (gp_add_u64(used, amount, &total) || total > b->limit) return err;
  *b->used = total;
  *b->at = now;
  return 0;
}
