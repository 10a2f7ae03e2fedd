/* gpunet/limit.h: the economy breaker's case by hand, then the bound over every span checked
   against random takes; gpunet/delayed.h: a proposal and its delay. */
#include "test_util.h"

#define ERR 77

typedef struct {
  uint64_t window, previous, current;
} limit_state_t;

static uint64_t take(limit_state_t *st, int64_t now, int64_t len, uint64_t limit, uint64_t amount) {
  gp_limit_t s = {&st->window, &st->previous, &st->current};
  return gp_limit_take(&s, now, len, limit, amount, ERR);
}

/* The review's case: a limit of 10 per 6 s; a leaky bucket let 18 through within 5 s. */
GP_TEST(limit_holds_across_a_window_boundary) {
  limit_state_t st = {0};
  GP_CHECK_EQ(take(&st, 1000 * 6 + 5, 6, 10, 9), 0); /* the last second of window 1000 */
  GP_CHECK_EQ(take(&st, 1001 * 6 + 1, 6, 10, 9), ERR); /* 2 s later, the next window */
  GP_CHECK_EQ(take(&st, 1001 * 6 + 1, 6, 10, 1), 0);
  GP_CHECK_EQ(st.previous, 9);
  GP_CHECK_EQ(st.current, 1);
  GP_CHECK_EQ(take(&st, 1002 * 6, 6, 10, 10), ERR); /* window 1001's 1 still counts */
  GP_CHECK_EQ(take(&st, 1002 * 6, 6, 10, 9), 0);
  GP_CHECK_EQ(take(&st, 1004 * 6, 6, 10, 10), 0); /* after a quiet window, the full limit */
}

GP_TEST(limit_refusal_changes_nothing) {
  limit_state_t st = {5, 3, 4}, before = st;
  GP_CHECK_EQ(take(&st, 5 * 60, 60, 10, 4), ERR);
  GP_CHECK_EQ(memcmp(&st, &before, sizeof st), 0);
  GP_CHECK_EQ(take(&st, 5 * 60, 60, UINT64_MAX, UINT64_MAX), ERR); /* overflow is a refusal */
  GP_CHECK_EQ(take(&st, -1, 60, 10, 0), ERR);
  GP_CHECK_EQ(take(&st, 60, 0, 10, 0), ERR);
  GP_CHECK_EQ(memcmp(&st, &before, sizeof st), 0);
  GP_CHECK_EQ(take(&st, 4 * 60, 60, 10, 3), 0); /* a clock that went back: still window 5 */
  GP_CHECK_EQ(st.window, 5);
  GP_CHECK_EQ(st.current, 7);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void) { return tu_rand(&rng); }

/* Random takes at increasing times: every span of len seconds holds at most the limit. */
GP_TEST(limit_bounds_every_span) {
  enum { TAKES = 400 };
  for (int iter = 0; iter < 2000; iter++) {
    int64_t len = 1 + (int64_t)(rnd() % 20), now = (int64_t)(rnd() % 1000);
    uint64_t limit = rnd() % 50;
    limit_state_t st = {0};
    int64_t at[TAKES];
    uint64_t got[TAKES];
    int n = 0;
    for (int i = 0; i < TAKES; i++) {
      now += (int64_t)(rnd() % 4);
      uint64_t amount = rnd() % (limit + 2);
      if (take(&st, now, len, limit, amount) == 0) {
        at[n] = now;
        got[n++] = amount;
      }
    }
    for (int a = 0; a < n; a++) {
      uint64_t sum = 0;
      for (int b = a; b < n && at[b] < at[a] + len; b++) sum += got[b];
      GP_CHECK(sum <= limit);
    }
  }
}

/* gpunet/delayed.h: a proposal waits for its delay; an at-once change drops it. */
GP_TEST(delayed_proposal_applies_after_its_delay) {
  uint64_t live = 1, pending = 0, next = 2, safer = 3;
  int64_t at = 0;
  gp_delayed_t c = {&live, &pending, &at, sizeof live};
  GP_CHECK_EQ(gp_delayed_due(&c, 100, ERR, ERR + 1), ERR);
  GP_CHECK_EQ(gp_delayed_propose(&c, &next, false, 100, 30), 0);
  GP_CHECK_EQ(live, 1);
  GP_CHECK_EQ(pending, 2);
  GP_CHECK_EQ(at, 130);
  GP_CHECK_EQ(gp_delayed_due(&c, 129, ERR, ERR + 1), ERR + 1);
  GP_CHECK_EQ(gp_delayed_due(&c, 130, ERR, ERR + 1), 0);
  gp_delayed_apply(&c);
  GP_CHECK_EQ(live, 2);
  GP_CHECK_EQ(pending, 0);
  GP_CHECK_EQ(at, 0);
  GP_CHECK_EQ(gp_delayed_propose(&c, &next, false, 200, 30), 0);
  GP_CHECK_EQ(gp_delayed_propose(&c, &safer, true, 201, 30), 0); /* at once: the proposal is gone */
  GP_CHECK_EQ(live, 3);
  GP_CHECK_EQ(pending, 0);
  GP_CHECK_EQ(at, 0);
  GP_CHECK_EQ(gp_delayed_propose(&c, &next, false, INT64_MAX, 1), GP_ERR_ARITHMETIC_OVERFLOW);
}
