/* Host tests of the escrow's money rules (src/pay.c): costs, cumulative pay and its fee
   split, slot caps and the reserve kept when a job ends. */
#include <string.h>

#include "gp_host.h"
#include "gp_test.h"
#include "escrow.h"

/* The program's real entrypoint (src/entrypoint.c is left out of host builds). */
GP_ENTRYPOINT(escrow_process, escrow_log_error)

static escrow_job_t job_at(uint64_t price, uint16_t fee_bps, uint16_t burn_bps) {
  escrow_job_t j;
  memset(&j, 0, sizeof j);
  j.price_per_hour = price;
  j.fee_bps = fee_bps;
  j.fee_burn_bps = burn_bps;
  return j;
}

GP_TEST(cost_rounds_down_and_checks_overflow) {
  uint64_t c;
  GP_CHECK_EQ(escrow_cost(3600000, 4, 10, &c), 0);
  GP_CHECK_EQ(c, 40000);
  GP_CHECK_EQ(escrow_cost(7, 1, 1000, &c), 0); /* 7 x 1000 / 3600 = 1.94 */
  GP_CHECK_EQ(c, 1);
  GP_CHECK_EQ(escrow_cost(UINT64_MAX, 16, 31622400, &c), GP_ERR_ARITHMETIC_OVERFLOW);
}

/* Paying in steps moves exactly what paying at once moves, share by share. */
GP_TEST(pay_is_the_same_in_steps_or_at_once) {
  escrow_job_t j = job_at(1234567, 500, 5000);
  escrow_pay_t once, step, sum = {0, 0, 0, 0};
  GP_CHECK_EQ(escrow_pay(&j, 0, 10007, &once), 0);
  for (uint64_t t = 0; t < 10007; t += 13) {
    uint64_t next = t + 13 < 10007 ? t + 13 : 10007;
    GP_CHECK_EQ(escrow_pay(&j, t, next, &step), 0);
    sum.gross += step.gross;
    sum.payout += step.payout;
    sum.fee_treasury += step.fee_treasury;
    sum.fee_burned += step.fee_burned;
    GP_CHECK_EQ(step.gross, step.payout + step.fee_treasury + step.fee_burned);
  }
  GP_CHECK_EQ(sum.gross, once.gross);
  GP_CHECK_EQ(sum.payout, once.payout);
  GP_CHECK_EQ(sum.fee_treasury, once.fee_treasury);
  GP_CHECK_EQ(sum.fee_burned, once.fee_burned);
  GP_CHECK_EQ(once.gross, 10007ull * 1234567 / 3600);
  GP_CHECK_EQ(escrow_pay(&j, 5, 4, &step), GP_ERR_ARITHMETIC_OVERFLOW);
}

GP_TEST(slot_cap_is_wall_time_on_the_job) {
  escrow_job_t j = job_at(3600, 0, 0);
  j.started_at = 1000;
  j.duration_secs = 100;
  escrow_slot_t s = {.joined_at = 1000, .state = ESCROW_SLOT_HIRED};
  GP_CHECK_EQ(escrow_slot_cap(&j, &s, 1040), 40);
  GP_CHECK_EQ(escrow_slot_cap(&j, &s, 5000), 100); /* not beyond the paid time */
  GP_CHECK_EQ(escrow_slot_cap(&j, &s, 900), 0);
  s.state = ESCROW_SLOT_LEFT;
  s.left_at = 1030;
  GP_CHECK_EQ(escrow_slot_cap(&j, &s, 1040), 30);
  escrow_slot_t never = {.state = ESCROW_SLOT_LEFT};
  GP_CHECK_EQ(escrow_slot_cap(&j, &never, 5000), 0);
}

/* When a job ends it keeps, per slot, the gross of its whole time less what was paid. */
GP_TEST(reserve_and_held) {
  escrow_job_t j = job_at(3600, 500, 5000);
  j.started_at = 1000;
  j.ended_at = 1050;
  j.duration_secs = 100;
  j.deposited = 200;
  j.slot_count = 3;
  j.slots[0] = (escrow_slot_t){.joined_at = 1000, .left_at = 1050, .paid_secs = 20, .verified_secs = 20, .state = ESCROW_SLOT_LEFT};
  j.slots[1] = (escrow_slot_t){.joined_at = 1000, .left_at = 1010, .state = ESCROW_SLOT_LEFT};
  j.slots[2] = (escrow_slot_t){.state = ESCROW_SLOT_LEFT}; /* never joined */
  uint64_t reserve, held;
  GP_CHECK_EQ(escrow_reserve(&j, &reserve), 0);
  GP_CHECK_EQ(reserve, 30 + 10);
  j.paid_out = 19;
  j.fees_treasury = 1;
  j.refunded = 100;
  GP_CHECK_EQ(escrow_held(&j, &held), 0);
  GP_CHECK_EQ(held, 80);
  j.refunded = 181;
  GP_CHECK_EQ(escrow_held(&j, &held), GP_ERR_ARITHMETIC_OVERFLOW);
}
