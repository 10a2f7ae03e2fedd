/* Host tests of the escrow's configuration rules (src/config.c): the limits, parameters within
   them, and which changes apply at once. */
#include <string.h>

#include "gp_host.h"
#include "gp_test.h"
#include "escrow.h"

static escrow_limits_t limits(void) {
  escrow_limits_t l;
  memset(&l, 0, sizeof l);
  l.min_config_delay_secs = 7 * 24 * 3600;
  l.max_usage_grace_secs = 24 * 3600;
  l.max_fee_bps = 1000;
  return l;
}

static escrow_config_params_t params(void) {
  escrow_config_params_t p;
  memset(&p, 0, sizeof p);
  memset(p.scheduler.x, 1, sizeof p.scheduler.x);
  memset(p.treasury.x, 2, sizeof p.treasury.x);
  p.acceptance_window_secs = 1200;
  p.usage_window_secs = 300;
  p.usage_grace_secs = 3600;
  p.fee_bps = 500;
  p.fee_burn_bps = 5000;
  return p;
}

GP_TEST(limits_are_validated) {
  escrow_limits_t l = limits();
  GP_CHECK_EQ(escrow_validate_limits(&l), 0);
  l.max_fee_bps = 10001;
  GP_CHECK_EQ(escrow_validate_limits(&l), ESCROW_ERR_INVALID_CONFIG_PARAMS);
  l = limits();
  l.min_config_delay_secs = -1;
  GP_CHECK_EQ(escrow_validate_limits(&l), ESCROW_ERR_INVALID_CONFIG_PARAMS);
  l = limits();
  l.max_usage_grace_secs = 0;
  GP_CHECK_EQ(escrow_validate_limits(&l), ESCROW_ERR_INVALID_CONFIG_PARAMS);
  l = limits();
  l.padding[5] = 1;
  GP_CHECK_EQ(escrow_validate_limits(&l), ESCROW_ERR_INVALID_CONFIG_PARAMS);
}

GP_TEST(params_stay_within_the_limits) {
  escrow_limits_t l = limits();
  escrow_config_params_t p = params();
  GP_CHECK_EQ(escrow_validate_params(&p, &l), 0);
  p.fee_bps = l.max_fee_bps;
  GP_CHECK_EQ(escrow_validate_params(&p, &l), 0);
  p.fee_bps = l.max_fee_bps + 1;
  GP_CHECK_EQ(escrow_validate_params(&p, &l), ESCROW_ERR_INVALID_CONFIG_PARAMS);
  p = params();
  p.usage_grace_secs = l.max_usage_grace_secs + 1;
  GP_CHECK_EQ(escrow_validate_params(&p, &l), ESCROW_ERR_INVALID_CONFIG_PARAMS);
  p = params();
  p.usage_grace_secs = p.usage_window_secs - 1;
  GP_CHECK_EQ(escrow_validate_params(&p, &l), ESCROW_ERR_INVALID_CONFIG_PARAMS);
}

/* At once: what reduces a key's power or reaches only later jobs; anything else waits. */
GP_TEST(what_applies_at_once) {
  const escrow_config_params_t live = params();
  escrow_config_params_t next = live;
  GP_CHECK(escrow_change_at_once(&live, &next)); /* no change: cancels a proposal */
  next.fee_bps--;
  GP_CHECK(escrow_change_at_once(&live, &next));
  next.fee_bps += 2;
  GP_CHECK(!escrow_change_at_once(&live, &next));
  next = live;
  next.fee_burn_bps++;
  GP_CHECK(escrow_change_at_once(&live, &next));
  next.fee_burn_bps -= 2;
  GP_CHECK(!escrow_change_at_once(&live, &next));
  next = live;
  next.acceptance_window_secs = 1;
  next.usage_window_secs = 7;
  next.usage_grace_secs = 7;
  GP_CHECK(escrow_change_at_once(&live, &next));
  next = live;
  memset(next.scheduler.x, 0, sizeof next.scheduler.x); /* removed */
  GP_CHECK(escrow_change_at_once(&live, &next));
  next.scheduler.x[0] = 9; /* another */
  GP_CHECK(!escrow_change_at_once(&live, &next));
  next = live;
  next.treasury.x[0] = 9;
  GP_CHECK(!escrow_change_at_once(&live, &next));
}
