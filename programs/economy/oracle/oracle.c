/* The economy's conversion, emission and vote rules as the host-compiled C answers them, for
   internal/protocol's cross-check (`make oracles`). One case a line on stdin, its first word
   its kind; one answer a line on stdout.

   arith price conf amount,
         genesis_time epoch_secs epochs_per_month monthly_decay_e9 community_bps net_emission_limit
         emission_budget next_epoch month month_emission total_scheduled total_added_back io_burned
         io_redeemed provider_pool_total community_accrued now max_epochs
     convert.c's value() burning (IO -> IOSD) and redeeming (IOSD -> IO) amount at price and
     conf, each "code value"; economy_epoch_end(next_epoch) as "code value"; advance_epoch's
     code and the Config it leaves: next_epoch month month_emission total_scheduled
     total_added_back provider_pool_total community_accrued (zeros on error).

   votes quorum band final k v_1 .. v_k,
         key_seed oracle_count oracle_quorum vote_band_bps price_band_bps max_price_age_secs now
         price_oracle_set 16 x (price conf publish_time) reward_oracle_set 16 x value
     gp_votes_decide(quorum, band, final) on the k votes as "outcome lo hi agreeing";
     economy_price at now as "code lo hi conf" (zeros on error); claim_rewards.c's attested()
     as "code value". Oracle i's key is 32 bytes of key_seed + i. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp_host.h"

/* value() and attested() are static in convert.c and claim_rewards.c: the oracle compiles
   those files in (programs.mk leaves them out of the oracle's link). Their account-index
   asserts compare two enums, which gcc warns about. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wenum-compare"
#include "../src/claim_rewards.c"
#include "../src/convert.c"
#pragma GCC diagnostic pop

static economy_config_t config;

static int read_arith(uint64_t *price, uint64_t *conf, uint64_t *amount, int64_t *now, uint32_t *max_epochs) {
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

static void arith(void) {
  uint64_t price, conf, amount;
  int64_t now;
  uint32_t max_epochs;
  if (!read_arith(&price, &conf, &amount, &now, &max_epochs)) abort();
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

static uint64_t scan_u64(void) {
  uint64_t x;
  if (scanf(" %" SCNu64, &x) != 1) abort();
  return x;
}

static void vote_rules(void) {
  gp_vote_rule_t rule = {(uint8_t)scan_u64(), (uint16_t)scan_u64()};
  bool final = scan_u64() != 0;
  uint64_t k = scan_u64(), v[2 * GP_VOTES_MAX];
  if (k > 2 * GP_VOTES_MAX) abort();
  for (uint64_t i = 0; i < k; i++) v[i] = scan_u64();
  gp_votes_t out;
  int outcome = gp_votes_decide(&rule, v, k, final, &out);
  printf("%d %" PRIu64 " %" PRIu64 " %" PRIu64 " ", outcome, out.lo, out.hi, out.agreeing);

  static registry_config_t rc;
  static economy_reward_record_t record;
  memset(&rc, 0, sizeof rc);
  memset(&config, 0, sizeof config);
  memset(&record, 0, sizeof record);
  uint8_t seed = (uint8_t)scan_u64();
  for (int i = 0; i < REGISTRY_MAX_ORACLES; i++) memset(rc.params.oracles[i].x, (uint8_t)(seed + i), SOL_PUBKEY_SIZE);
  rc.params.oracle_count = (uint8_t)scan_u64();
  rc.params.oracle_quorum = (uint8_t)scan_u64();
  rc.params.vote_band_bps = (uint16_t)scan_u64();
  config.params.price_band_bps = (uint16_t)scan_u64();
  config.params.max_price_age_secs = (int64_t)scan_u64();
  int64_t now = (int64_t)scan_u64();
  config.price_oracle_set = scan_u64();
  for (int i = 0; i < ECONOMY_MAX_ORACLES; i++) {
    config.prices[i].price = scan_u64();
    config.prices[i].conf = scan_u64();
    config.prices[i].publish_time = (int64_t)scan_u64();
  }
  record.oracle_set = scan_u64();
  for (int i = 0; i < ECONOMY_MAX_ORACLES; i++) record.values[i] = scan_u64();

  economy_price_t price = {0};
  uint64_t code = economy_price(&config, &rc, now, &price);
  if (code) price = (economy_price_t){0};
  printf("%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " ", code, price.lo, price.hi, price.conf);
  uint64_t reward = 0;
  code = attested(&record, &rc, &reward);
  printf("%" PRIu64 " %" PRIu64 "\n", code, code ? 0 : reward);
}

int main(void) {
  char kind[8];
  while (scanf(" %7s", kind) == 1) {
    if (!strcmp(kind, "arith")) arith();
    else if (!strcmp(kind, "votes")) vote_rules();
    else abort();
  }
  return ferror(stdin) ? 1 : 0;
}
