/* gpunet/limit.h: a limit that holds over every span of time of a given length.

   Time is cut into fixed windows of `len` seconds (window = now / len). The state keeps the
   current window's number and the totals taken in it and in the window before. A take is
   allowed only when previous + current + amount <= limit.

   Why that bounds every span, not just the fixed windows: a span of len seconds overlaps at
   most two consecutive windows w and w + 1, and the last take in w + 1 was allowed with the
   whole of w counted as previous, so the span holds at most total(w) + total(w + 1) <= limit.
   (A leaky bucket that drains `limit` per window, which this replaces in the economy's
   breaker, lets through almost twice the limit: a full bucket just before a drain plus the
   drained amount.) A full `limit` can still be taken at once after a quiet window. */
#ifndef GPUNET_LIMIT_H
#define GPUNET_LIMIT_H

#include "math.h"

/* The state, as three u64 fields of an account. */
typedef struct {
  uint64_t *window;   /* the current window's number */
  uint64_t *previous; /* taken in window - 1 */
  uint64_t *current;  /* taken in window */
} gp_limit_t;

/* Takes amount at unix time now (>= 0) from a limit of `limit` per `len` (> 0) seconds:
   0 and the state updated, or `err` and the state untouched. A clock that went back counts as
   the current window (never frees anything). Always inlined: BPF passes at most five arguments. */
static inline __attribute__((always_inline)) uint64_t gp_limit_take(const gp_limit_t *s, int64_t now, int64_t len, uint64_t limit, uint64_t amount,
                                     uint64_t err) {
  if (now < 0 || len <= 0) return err;
  uint64_t window = (uint64_t)now / (uint64_t)len;
  uint64_t previous = *s->previous, current = *s->current;
  if (window == *s->window + 1) {
    previous = current;
    current = 0;
  } else if (window > *s->window + 1) {
    previous = 0;
    current = 0;
  } else {
    window = *s->window;
  }
  uint64_t total;
  if (gp_add_u64(previous, current, &total) || gp_add_u64(total, amount, &total) || total > limit) return err;
  *s->window = window;
  *s->previous = previous;
  *s->current = current + amount; /* <= total, so no overflow */
  return 0;
}

#endif
