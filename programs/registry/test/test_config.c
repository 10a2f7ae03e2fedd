/* Host tests of the registry's config rules and of update_config run through the
   real entrypoint on an Agave-layout input buffer. */
#include <stdlib.h>
#include <string.h>

#include "gp_host.h"
#include "gp_test.h"
#include "registry.h"

/* The program's real entrypoint (src/entrypoint.c is left out of host builds). */
GP_ENTRYPOINT(registry_process, registry_log_error)

static SolPubkey key(uint8_t fill) {
  SolPubkey k;
  memset(k.x, fill, sizeof k.x);
  return k;
}

static registry_config_params_t valid_params(void) {
  registry_config_params_t p;
  memset(&p, 0, sizeof p);
  p.keeper = key(0x11);
  p.treasury = key(0x12);
  for (int i = 0; i < 3; i++) p.oracles[i] = key((uint8_t)(0x21 + i));
  p.oracle_count = 3;
  p.oracle_quorum = 2;
  p.base_stake = 200ull * 100000000ull;
  p.unstake_cooldown_secs = 14 * 86400;
  p.probation_secs = 12 * 3600;
  p.heartbeat_interval_secs = 60;
  p.appeal_window_secs = 30 * 86400;
  p.proof_window_secs = 3600;
  p.max_proof_age_secs = 3 * 3600;
  p.vote_band_bps = 100;
  p.vote_deadline_secs = 600;
  p.hardware_classes[0] = (registry_hardware_class_t){0, 10000};
  p.hardware_classes[1] = (registry_hardware_class_t){3, 100000};
  p.hardware_class_count = 2;
  p.slash_bps[0] = 5000;
  p.slash_burn_bps = 5000;
  p.slash_treasury_bps = 2500;
  return p;
}

static registry_registry_limits_t valid_limits(void) {
  registry_registry_limits_t l;
  memset(&l, 0, sizeof l);
  for (int i = 0; i < REGISTRY_OFFENCES; i++) l.max_slash_bps[i] = 5000;
  l.max_slash_period_bps = 5000;
  l.min_appeal_window_secs = 7 * 86400;
  l.min_config_delay_secs = 7 * 86400;
  l.slash_period_secs = 30 * 86400;
  return l;
}

static uint64_t validate(const registry_config_params_t *p) {
  registry_registry_limits_t l = valid_limits();
  return registry_validate_params(p, &l);
}

GP_TEST(valid_params_pass) {
  registry_config_params_t p = valid_params();
  GP_CHECK_EQ(validate(&p), 0);
}

typedef void (*mutate_limits_fn)(registry_registry_limits_t *);
static void max_slash_over_100(registry_registry_limits_t *l) {
  l->max_slash_bps[1] = 10001;
  l->max_slash_period_bps = 20000;
}
static void period_cap_below_an_offence(registry_registry_limits_t *l) { l->max_slash_bps[2] = 5001; }
static void zero_period_cap(registry_registry_limits_t *l) { l->max_slash_period_bps = 0; }
static void zero_appeal_floor(registry_registry_limits_t *l) { l->min_appeal_window_secs = 0; }
static void zero_config_delay(registry_registry_limits_t *l) { l->min_config_delay_secs = 0; }
static void zero_slash_period(registry_registry_limits_t *l) { l->slash_period_secs = 0; }
static void limits_padding_set(registry_registry_limits_t *l) { l->padding[1] = 1; }

GP_TEST(each_bad_limit_is_refused) {
  registry_registry_limits_t ok = valid_limits();
  GP_CHECK_EQ(registry_validate_limits(&ok), 0);
  const mutate_limits_fn cases[] = {max_slash_over_100, period_cap_below_an_offence, zero_period_cap,
                                    zero_appeal_floor,  zero_config_delay,           zero_slash_period,
                                    limits_padding_set};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    registry_registry_limits_t l = valid_limits();
    cases[i](&l);
    GP_CHECK_EQ(registry_validate_limits(&l), REGISTRY_ERR_INVALID_CONFIG_PARAMS);
  }
}

/* Which changes apply at once: only those that reduce a key's power. */
GP_TEST(change_at_once_only_reduces_power) {
  registry_config_params_t live = valid_params(), next;
  live.slash_bps[1] = 1000;
  GP_CHECK(registry_change_at_once(&live, &live));
  next = live; /* an oracle removed, quorum kept */
  next.oracles[0] = live.oracles[2];
  next.oracles[2] = key(0);
  next.oracle_count = 2;
  GP_CHECK(registry_change_at_once(&live, &next));
  next.oracle_quorum = 1; /* ... and the quorum lowered */
  GP_CHECK(!registry_change_at_once(&live, &next));
  next = live; /* an oracle replaced */
  next.oracles[1] = key(0x99);
  GP_CHECK(!registry_change_at_once(&live, &next));
  next = live; /* quorum raised, same set */
  next.oracle_quorum = 3;
  GP_CHECK(registry_change_at_once(&live, &next));
  next = live;
  next.slash_bps[1] = 999;
  next.appeal_window_secs += 1;
  next.vote_band_bps = 99;
  GP_CHECK(registry_change_at_once(&live, &next));
  next.slash_bps[0] = 5001;
  GP_CHECK(!registry_change_at_once(&live, &next));
  next = live;
  next.appeal_window_secs -= 1;
  GP_CHECK(!registry_change_at_once(&live, &next));
  next = live;
  next.vote_band_bps = 101;
  GP_CHECK(!registry_change_at_once(&live, &next));
  next = live;
  next.keeper = key(0x98);
  GP_CHECK(!registry_change_at_once(&live, &next));
  next = live;
  next.hardware_class_count = 1;
  GP_CHECK(!registry_change_at_once(&live, &next));
  next = live;
  next.slash_burn_bps = 0;
  GP_CHECK(!registry_change_at_once(&live, &next));
  next = live;
  next.unstake_cooldown_secs -= 1;
  GP_CHECK(!registry_change_at_once(&live, &next));
}

typedef void (*mutate_fn)(registry_config_params_t *);
static void no_oracles(registry_config_params_t *p) { p->oracle_count = 0; }
static void too_many_oracles(registry_config_params_t *p) { p->oracle_count = 17; }
static void quorum_zero(registry_config_params_t *p) { p->oracle_quorum = 0; }
static void quorum_above_count(registry_config_params_t *p) { p->oracle_quorum = 4; }
static void zero_live_oracle(registry_config_params_t *p) { p->oracles[1] = key(0); }
static void set_unused_oracle(registry_config_params_t *p) { p->oracles[5] = key(0x99); }
static void duplicate_oracle(registry_config_params_t *p) { p->oracles[2] = p->oracles[0]; }
static void no_hardware(registry_config_params_t *p) { p->hardware_class_count = 0; }
static void zero_multiplier(registry_config_params_t *p) { p->hardware_classes[1].multiplier_bps = 0; }
static void duplicate_model(registry_config_params_t *p) { p->hardware_classes[1].model = 0; }
static void zero_stake(registry_config_params_t *p) { p->base_stake = 0; }
static void negative_cooldown(registry_config_params_t *p) { p->unstake_cooldown_secs = -1; }
static void zero_heartbeat(registry_config_params_t *p) { p->heartbeat_interval_secs = 0; }
static void zero_proof_window(registry_config_params_t *p) { p->proof_window_secs = 0; }
static void proof_age_below_window(registry_config_params_t *p) { p->max_proof_age_secs = 3599; }
static void slash_over_100(registry_config_params_t *p) { p->slash_bps[3] = 10001; }
static void slash_over_its_ceiling(registry_config_params_t *p) { p->slash_bps[0] = 5001; }
static void appeal_below_its_floor(registry_config_params_t *p) { p->appeal_window_secs = 7 * 86400 - 1; }
static void split_over_100(registry_config_params_t *p) { p->slash_treasury_bps = 5001; }
/* 3 oracles: f = 1 needs quorum 3 (2f + 1) and then 4 oracles (quorum + f) */
static void quorum_below_2f_plus_1(registry_config_params_t *p) { p->max_faulty_oracles = 1; }
static void count_below_quorum_plus_f(registry_config_params_t *p) {
  p->max_faulty_oracles = 1;
  p->oracle_quorum = 3;
}
static void band_over_100(registry_config_params_t *p) { p->vote_band_bps = 10001; }
static void zero_vote_deadline(registry_config_params_t *p) { p->vote_deadline_secs = 0; }
static void params_padding_set(registry_config_params_t *p) { p->padding[5] = 1; }

GP_TEST(faulty_oracle_bound_fits_the_set) {
  registry_config_params_t p = valid_params();
  p.oracles[3] = key(0x24);
  p.oracle_count = 4;
  p.oracle_quorum = 3;
  p.max_faulty_oracles = 1;
  GP_CHECK_EQ(validate(&p), 0);
}

GP_TEST(each_bad_param_is_refused) {
  const mutate_fn cases[] = {no_oracles,        too_many_oracles, quorum_zero,     quorum_above_count,
                             zero_live_oracle,  set_unused_oracle, duplicate_oracle, no_hardware,
                             zero_multiplier,   duplicate_model,  zero_stake,      negative_cooldown,
                             zero_heartbeat,    zero_proof_window, proof_age_below_window,
                             slash_over_100,    split_over_100,    quorum_below_2f_plus_1,
                             count_below_quorum_plus_f, band_over_100, zero_vote_deadline,
                             params_padding_set, slash_over_its_ceiling, appeal_below_its_floor};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    registry_config_params_t p = valid_params();
    cases[i](&p);
    GP_CHECK_EQ(validate(&p), REGISTRY_ERR_INVALID_CONFIG_PARAMS);
  }
}

GP_TEST(decoder_wants_exact_length) {
  uint8_t data[sizeof(registry_config_params_t) + 1];
  memset(data, 0, sizeof data);
  registry_update_config_args_t args;
  GP_CHECK_EQ(registry_decode_update_config_args(data, sizeof data - 2, &args), REGISTRY_ERR_INVALID_INSTRUCTION_DATA);
  GP_CHECK_EQ(registry_decode_update_config_args(data, sizeof data, &args), REGISTRY_ERR_INVALID_INSTRUCTION_DATA);
  GP_CHECK_EQ(registry_decode_update_config_args(data, sizeof data - 1, &args), 0);
}

/* Runs update_config with `signer` as the admin account against a stored Config whose
   admin is key(0xAD), and returns the program's result; *out gets the Config after. */
static uint64_t run_update(SolPubkey signer, bool signed_, registry_config_params_t params,
                           registry_config_t *out) {
  SolPubkey program_id = key(0x77);
  SolPubkey config_key;
  uint8_t bump;
  SolSignerSeed seed = {(const uint8_t *)REGISTRY_SEED_CONFIG, REGISTRY_SEED_CONFIG_LEN};
  if (sol_try_find_program_address(&seed, 1, &program_id, &config_key, &bump)) return ~0ull;
  registry_config_t stored;
  memset(&stored, 0, sizeof stored);
  stored.discriminator = REGISTRY_CONFIG_DISCRIMINATOR;
  stored.admin = key(0xAD);
  stored.params = valid_params();
  stored.limits = valid_limits();
  stored.version = REGISTRY_LAYOUT_VERSION;
  stored.bump = bump;

  uint8_t ix[8 + sizeof params];
  uint64_t disc = REGISTRY_IX_UPDATE_CONFIG;
  memcpy(ix, &disc, 8);
  memcpy(ix + 8, &params, sizeof params);
  gp_host_account_t accounts[2] = {
      {.key = config_key, .owner = program_id, .lamports = 1, .data = (const uint8_t *)&stored,
       .data_len = sizeof stored, .is_writable = true},
      {.key = signer, .lamports = 1, .is_signer = signed_},
  };
  SolClock clock = {.slot = 1, .unix_timestamp = 1000000};
  gp_host_set_clock(&clock);
  uint64_t size;
  uint8_t *input = gp_host_input_new(accounts, 2, ix, sizeof ix, &program_id, &size);
  uint64_t result = entrypoint(input);
  /* first account's data: 8 (count) + 88 (header) into the buffer */
  memcpy(out, input + 8 + GP_ACCOUNT_HEADER_SIZE, sizeof *out);
  free(input);
  return result;
}

GP_TEST(update_config_by_admin_proposes_and_emits) {
  registry_config_params_t next = valid_params();
  next.base_stake = 12345;
  registry_config_t after;
  GP_CHECK_EQ(run_update(key(0xAD), true, next, &after), 0);
  GP_CHECK_EQ(after.params.base_stake, 200ull * 100000000ull);
  GP_CHECK(memcmp(&after.pending, &next, sizeof next) == 0);
  GP_CHECK_EQ(after.pending_applies_at, 1000000 + 14 * 86400); /* the cooldown, above the 7-day floor */
  GP_CHECK_EQ(gp_host_event_count(), 1);
  uint64_t len;
  const uint8_t *ev = gp_host_event(0, &len);
  GP_CHECK_EQ(len, REGISTRY_CONFIG_PROPOSED_SIZE);
  GP_CHECK_EQ(gp_load_u64(ev), REGISTRY_CONFIG_PROPOSED_DISCRIMINATOR);
}

GP_TEST(update_config_that_reduces_power_applies_at_once) {
  registry_config_params_t next = valid_params();
  next.slash_bps[0] = 100;
  registry_config_t after;
  GP_CHECK_EQ(run_update(key(0xAD), true, next, &after), 0);
  GP_CHECK(memcmp(&after.params, &next, sizeof next) == 0);
  GP_CHECK_EQ(after.pending_applies_at, 0);
  uint64_t len;
  const uint8_t *ev = gp_host_event(0, &len);
  GP_CHECK_EQ(len, REGISTRY_CONFIG_UPDATED_SIZE);
  GP_CHECK_EQ(gp_load_u64(ev), REGISTRY_CONFIG_UPDATED_DISCRIMINATOR);
}

GP_TEST(update_config_by_stranger_is_unauthorized) {
  registry_config_t after;
  registry_config_params_t next = valid_params();
  next.base_stake = 1;
  GP_CHECK_EQ(run_update(key(0xBE), true, next, &after), REGISTRY_ERR_UNAUTHORIZED);
  GP_CHECK_EQ(after.params.base_stake, 200ull * 100000000ull);
  GP_CHECK_EQ(gp_host_event_count(), 0);
}

GP_TEST(update_config_unsigned_is_missing_signer) {
  registry_config_t after;
  GP_CHECK_EQ(run_update(key(0xAD), false, valid_params(), &after), REGISTRY_ERR_MISSING_SIGNER);
}

GP_TEST(update_config_with_bad_params_changes_nothing) {
  registry_config_t after;
  registry_config_params_t next = valid_params();
  next.oracle_quorum = 0;
  GP_CHECK_EQ(run_update(key(0xAD), true, next, &after), REGISTRY_ERR_INVALID_CONFIG_PARAMS);
  GP_CHECK_EQ(after.params.oracle_quorum, 2);
}

GP_TEST(unknown_instruction_is_refused) {
  SolPubkey program_id = key(0x77);
  uint8_t ix[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  uint64_t size;
  uint8_t *input = gp_host_input_new(NULL, 0, ix, sizeof ix, &program_id, &size);
  GP_CHECK_EQ(entrypoint(input), REGISTRY_ERR_INVALID_INSTRUCTION);
  free(input);
}
