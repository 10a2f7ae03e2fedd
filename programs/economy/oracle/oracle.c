/* The economy's conversion and emission arithmetic as the host-compiled C answers it, for
   internal/protocol's cross-check (`make oracles`). One case a line on stdin:
     price conf amount,
     genesis_time epoch_secs epochs_per_month monthly_decay_e9 community_bps net_emission_limit
     emission_budget next_epoch month month_emission total_scheduled total_added_back io_burned
     io_redeemed provider_pool_total community_accrued now max_epochs
   one answer a line on stdout:
     convert.c's value() burning (IO -> IOSD) and redeeming (IOSD -> IO) amount at price and
     conf, each "code value"; economy_epoch_end(next_epoch) as "code value"; advance_epoch's
     code and the Config it leaves: next_epoch month month_emission total_scheduled
     total_added_back provider_pool_total community_accrued (zeros on error). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp_host.h"

/* value() is static in convert.c: the oracle compiles that file in (programs.mk leaves it out
   of the oracle's link). Its account-index asserts compare two enums, which gcc warns about. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wenum-compare"
#include "../src/convert.c"
#pragma GCC diagnostic pop

static economy_config_t config;

static int read_case(uint64_t *price, uint64_t *conf, uint64_t *amount, int64_t *now, uint32_t *max_epochs) {
  memset(&config, 0, sizeof config);
  economy_config_params_t *p = &config.params;
  uint32_t bps;
  if (scanf(" %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNd64 " %" SCNd64 " %" SCNu32 " %" SCNu64 " %" SCNu32
            " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
            " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNd64 " %" SCNu32,
            price, conf, amount, &p->genesis_time, &p->epoch_secs, &p->epochs_per_month, &p->monthly_decay_e9,
            &bps, &p->net_emission_limit, &config.emission_budget, &config.next_epoch, &config.month,
            &config.month_emission, &config.total_scheduled, &config.total_added_back, &config.io_burned,
            &config.io_redeemed, &config.provider_pool_total, &config.community_accrued, now, max_epochs) != 21)
    return 0;
  p->community_bps = (uint16_t)bps;
  config.discriminator = ECONOMY_CONFIG_DISCRIMINATOR;
  return 1;
}

/* Runs advance_epoch(max_epochs) at now on config, leaving the Config it wrote there. */
static uint64_t advance(int64_t now, uint8_t max_epochs) {
  const SolPubkey program_id = {{7}};
  uint8_t ix[9];
  uint64_t disc = ECONOMY_IX_ADVANCE_EPOCH;
  memcpy(ix, &disc, 8);
  ix[8] = max_epochs;
  gp_host_account_t account = {.key = {{1}}, .owner = program_id, .lamports = 1, .data = (const uint8_t *)&config,
                               .data_len = sizeof config, .is_writable = true};
  gp_host_reset();
  SolClock clock = {.slot = 1, .unix_timestamp = now};
  gp_host_set_clock(&clock);
  uint8_t *input = gp_host_input_new(&account, 1, ix, sizeof ix, &program_id, NULL);
  SolParameters params;
  SolAccountInfo ka[1];
  if (gp_deserialize(input, &params, ka, 1)) abort();
  uint64_t code = economy_process(&params);
  memcpy(&config, ka[0].data, sizeof config);
  free(input);
  return code;
}

int main(void) {
  uint64_t price, conf, amount;
  int64_t now;
  uint32_t max_epochs;
  while (read_case(&price, &conf, &amount, &now, &max_epochs)) {
    for (int to_iosd = 1; to_iosd >= 0; to_iosd--) {
      uint64_t out = 0, code = value(price, conf, to_iosd, amount, &out);
      printf("%" PRIu64 " %" PRIu64 " ", code, code ? 0 : out);
    }
    uint64_t end = 0, code = economy_epoch_end(&config.params, config.next_epoch, &end);
    printf("%" PRIu64 " %" PRIu64 " ", code, code ? 0 : end);
    code = advance(now, (uint8_t)max_epochs);
    if (code) memset(&config, 0, sizeof config);
    printf("%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", code,
           config.next_epoch, config.month, config.month_emission, config.total_scheduled, config.total_added_back,
           config.provider_pool_total, config.community_accrued);
  }
  return ferror(stdin) ? 1 : 0;
}
