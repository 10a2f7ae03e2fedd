/* Host tests of the proof rules (submit_proof and count_proof: agreeing quorums, faulty votes,
   cumulative uptime, per-oracle benchmark and challenge reports, EMA, epochs, reputation, the
   end of probation, deadlines), the window rules, and of set_device_job (a suspended device,
   a stake below the current minimum), each run through registry_process on an Agave-layout
   input buffer. */
#include <stdlib.h>
#include <string.h>

#include "gp_host.h"
#include "gp_test.h"
#include "registry.h"

#define IO 100000000ull
#define NOW 1000000ll /* the clock's unix time in every test */
#define SLOT 4242u
#define ORACLE_LAMPORTS 1000000000ull
#define PROOF_LAMPORTS 3006720ull /* (128 + 304) x 6960 at the host's default rent */

static SolPubkey fill_key(uint8_t fill) {
  SolPubkey k;
  memset(k.x, fill, sizeof k.x);
  return k;
}

/* One device, the Config, and the vote account of one window. */
typedef struct {
  SolPubkey program_id, config_key, device_addr, proof_addr;
  registry_config_t config;
  registry_device_t device;
  registry_proof_window_t proof;
  bool proof_exists;
  int64_t now;              /* the clock's unix time, NOW unless a test moves it */
  uint64_t proof_lamports; /* after a run */
  uint64_t proof_len;      /* after a run */
  uint64_t oracle_lamports; /* after a run */
  uint64_t payer_lamports;  /* after a run: the window's payer (the oracle itself on a first vote) */
  uint64_t events;          /* after a run */
} fixture_t;

static void find_pda(const SolSignerSeed *seeds, uint64_t n, const SolPubkey *program_id,
                     SolPubkey *out, uint8_t *bump) {
  if (sol_try_find_program_address(seeds, n, program_id, out, bump)) abort();
}

/* 4 oracles (fill 0x21..0x24), H100 (model 3, 10x), base stake 200 IO, 12 h probation, a 1%
   vote band and a 3 h voting deadline; the device registered at NOW, so a fresh device's first
   window spans only itself. */
static void fixture_init(fixture_t *f, int64_t window_secs, uint8_t quorum) {
  memset(f, 0, sizeof *f);
  f->now = NOW;
  f->program_id = fill_key(0x77);
  registry_config_params_t *p = &f->config.params;
  for (int i = 0; i < 4; i++) p->oracles[i] = fill_key((uint8_t)(0x21 + i));
  p->oracle_count = 4;
  p->oracle_quorum = quorum;
  p->base_stake = 200 * IO;
  p->unstake_cooldown_secs = 14 * 86400;
  p->probation_secs = 12 * 3600;
  p->heartbeat_interval_secs = 60;
  p->appeal_window_secs = 30 * 86400;
  p->proof_window_secs = window_secs;
  p->max_proof_age_secs = 3 * 3600;
  p->vote_band_bps = 100;
  p->vote_deadline_secs = 3 * 3600;
  p->hardware_classes[0] = (registry_hardware_class_t){0, 10000};
  p->hardware_classes[1] = (registry_hardware_class_t){3, 100000};
  p->hardware_class_count = 2;
  registry_registry_limits_t *l = &f->config.limits;
  for (int i = 0; i < REGISTRY_OFFENCES; i++) l->max_slash_bps[i] = 10000;
  l->max_slash_period_bps = 10000;
  l->min_appeal_window_secs = l->min_config_delay_secs = l->slash_period_secs = 1;
  if (registry_validate_params(p, l)) abort();
  f->config.discriminator = REGISTRY_CONFIG_DISCRIMINATOR;
  f->config.version = REGISTRY_LAYOUT_VERSION;
  SolSignerSeed cseed = {(const uint8_t *)REGISTRY_SEED_CONFIG, REGISTRY_SEED_CONFIG_LEN};
  find_pda(&cseed, 1, &f->program_id, &f->config_key, &f->config.bump);

  registry_device_t *d = &f->device;
  d->discriminator = REGISTRY_DEVICE_DISCRIMINATOR;
  d->device_key = fill_key(0xDE);
  d->owner = fill_key(0x0A);
  d->stake = 2000 * IO;
  d->spec.hardware_model = 3;
  d->spec.gpu_count = 1;
  d->spec.vram_gib = 80;
  d->status = REGISTRY_STATUS_PROBATION;
  d->registered_at = NOW;
  d->version = REGISTRY_LAYOUT_VERSION;
  d->reputation = registry_reputation(d);
  SolSignerSeed dseeds[2] = {{(const uint8_t *)REGISTRY_SEED_DEVICE, REGISTRY_SEED_DEVICE_LEN},
                             {d->device_key.x, SOL_PUBKEY_SIZE}};
  find_pda(dseeds, 2, &f->program_id, &f->device_addr, &d->bump);
}

/* The vote account of window; votes are preloaded with fixture_vote. */
static void fixture_window(fixture_t *f, uint64_t window) {
  uint8_t le[8];
  gp_store_u64(le, window);
  SolSignerSeed seeds[3] = {{(const uint8_t *)REGISTRY_SEED_PROOF, REGISTRY_SEED_PROOF_LEN},
                            {f->device_addr.x, SOL_PUBKEY_SIZE},
                            {le, 8}};
  memset(&f->proof, 0, sizeof f->proof);
  find_pda(seeds, 3, &f->program_id, &f->proof_addr, &f->proof.bump);
  f->proof.window = window;
  f->proof_exists = false;
}

/* A vote already on chain, as submit_proof records it. */
static void fixture_vote(fixture_t *f, int slot, uint32_t uptime, uint64_t benchmark, uint8_t challenge) {
  registry_proof_window_t *w = &f->proof;
  if (!f->proof_exists) {
    w->discriminator = REGISTRY_PROOF_WINDOW_DISCRIMINATOR;
    w->device = f->device_addr;
    w->payer = f->config.params.oracles[slot];
    w->version = REGISTRY_LAYOUT_VERSION;
    w->oracle_set = registry_oracle_set_fingerprint(&f->config.params);
    w->base = f->device.last_proof_window;
    f->proof_exists = true;
  }
  w->voted_mask |= (uint16_t)(1u << slot);
  w->uptime[slot] = uptime;
  w->benchmark[slot] = benchmark;
  if (challenge) w->challenge_mask |= (uint16_t)(1u << slot);
  if (challenge == REGISTRY_CHALLENGE_PASSED) w->challenge_pass_mask |= (uint16_t)(1u << slot);
  w->votes++;
}

/* Only the first n oracles stay live. */
static void fixture_oracles(fixture_t *f, uint8_t n) {
  for (int i = n; i < 16; i++) memset(&f->config.params.oracles[i], 0, sizeof(SolPubkey));
  f->config.params.oracle_count = n;
  if (registry_validate_params(&f->config.params, &f->config.limits)) abort();
}

/* Runs an instruction on config, device, the window's account and `accounts` (the signer or
   payer) at f->now, and reads the accounts back into f. */
static uint64_t run_proof_ix(fixture_t *f, const uint8_t *ix, uint64_t ix_len, gp_host_account_t *accounts, uint64_t n) {
  gp_host_reset();
  SolClock clock = {.slot = SLOT, .unix_timestamp = f->now};
  gp_host_set_clock(&clock);
  accounts[0] = (gp_host_account_t){.key = f->config_key, .owner = f->program_id, .lamports = 1,
                                    .data = (const uint8_t *)&f->config, .data_len = sizeof f->config};
  accounts[1] = (gp_host_account_t){.key = f->device_addr, .owner = f->program_id, .lamports = 1,
                                    .data = (const uint8_t *)&f->device, .data_len = sizeof f->device, .is_writable = true};
  accounts[2] = (gp_host_account_t){.key = f->proof_addr, .is_writable = true};
  if (f->proof_exists) {
    accounts[2].owner = f->program_id;
    accounts[2].lamports = PROOF_LAMPORTS;
    accounts[2].data = (const uint8_t *)&f->proof;
    accounts[2].data_len = sizeof f->proof;
  }
  uint64_t size;
  uint8_t *input = gp_host_input_new(accounts, n, ix, ix_len, &f->program_id, &size);
  SolParameters params;
  SolAccountInfo ka[6];
  if (gp_deserialize(input, &params, ka, n)) abort();
  uint64_t result = registry_process(&params);
  memcpy(&f->device, ka[1].data, sizeof f->device);
  f->proof_len = gp_load_u64(ka[2].data - 8);
  f->proof_lamports = *ka[2].lamports;
  f->proof_exists = f->proof_len == sizeof f->proof;
  if (f->proof_exists) memcpy(&f->proof, ka[2].data, sizeof f->proof);
  f->oracle_lamports = *ka[3].lamports;
  f->payer_lamports = *ka[n - 1].lamports;
  f->events = gp_host_event_count();
  free(input);
  return result;
}

/* Runs submit_proof signed by `oracle`, with the window's payer (the oracle on a first vote). */
static uint64_t run_submit(fixture_t *f, SolPubkey oracle, registry_proof_report_t r) {
  uint8_t ix[8 + sizeof r];
  gp_store_u64(ix, REGISTRY_IX_SUBMIT_PROOF);
  memcpy(ix + 8, &r, sizeof r);
  gp_host_account_t accounts[6] = {
      [3] = {.key = oracle, .lamports = ORACLE_LAMPORTS, .is_signer = true, .is_writable = true},
      [4] = {.key = fill_key(0), .lamports = 1, .executable = true},
      [5] = {.is_dup = true, .dup_index = 3},
  };
  if (f->proof_exists && !gp_pubkey_eq(&f->proof.payer, &oracle))
    accounts[5] = (gp_host_account_t){.key = f->proof.payer, .lamports = ORACLE_LAMPORTS, .is_writable = true};
  return run_proof_ix(f, ix, sizeof ix, accounts, 6);
}

/* Runs count_proof (nobody signs) with `payer` as the account the rent goes to. */
static uint64_t run_count_to(fixture_t *f, SolPubkey payer) {
  uint8_t ix[8];
  gp_store_u64(ix, REGISTRY_IX_COUNT_PROOF);
  gp_host_account_t accounts[4] = {[3] = {.key = payer, .lamports = ORACLE_LAMPORTS, .is_writable = true}};
  return run_proof_ix(f, ix, sizeof ix, accounts, 4);
}

static uint64_t run_count(fixture_t *f) { return run_count_to(f, f->proof.payer); }

static registry_proof_report_t rep(uint64_t window, uint32_t uptime, uint64_t benchmark, uint8_t challenge) {
  registry_proof_report_t r;
  memset(&r, 0, sizeof r);
  r.window = window;
  r.uptime_secs = uptime;
  r.benchmark_score = benchmark;
  r.challenge = challenge;
  return r;
}

/* The event i of the last run, which must be of type T. */
#define EVENT(T, DISC, i, out)                                   \
  do {                                                           \
    uint64_t len_;                                               \
    const uint8_t *ev_ = gp_host_event((i), &len_);              \
    GP_CHECK_EQ(len_, sizeof(T));                                \
    GP_CHECK_EQ(gp_load_u64(ev_), (DISC));                       \
    memcpy((out), ev_, sizeof(T));                               \
  } while (0)

/* Windows of 3600 s at NOW = 1,000,000: window 277 is running, 276 ended at 997,200, and
   max_proof_age_secs = 10,800 keeps windows starting at or after 989,200 (275 and later). */
#define CLOSED 276u

/* An honest vote of each kind, and what the faulty oracle sends instead. */
#define HONEST_A 1800u
#define HONEST_B 1790u

/* Three oracles, quorum 2 (f = 0 by the registry's rule, the dev set): whether the faulty
   oracle votes first or last, 0, the whole window, or slightly low, the window counts the low
   end of the agreeing honest votes, moved by at most the band (1%). */
GP_TEST(a_faulty_vote_first_last_high_or_low_moves_uptime_by_at_most_the_band) {
  const struct {
    uint32_t faulty;
    bool first;
    uint64_t counted;
  } cases[] = {
      {0, true, HONEST_B},    {0, false, HONEST_B},    /* low: left out of the agreeing group */
      {3600, true, HONEST_B}, {3600, false, HONEST_B}, /* high */
      {1785, true, 1785},     {1785, false, HONEST_B}, /* slightly low, within the band: joins */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    fixture_t f;
    fixture_init(&f, 3600, 2);
    fixture_oracles(&f, 3);
    fixture_window(&f, CLOSED);
    const SolPubkey *o = f.config.params.oracles;
    if (cases[i].first) {
      GP_CHECK_EQ(run_submit(&f, o[2], rep(CLOSED, cases[i].faulty, 0, 0)), 0);
      GP_CHECK_EQ(run_submit(&f, o[0], rep(CLOSED, HONEST_A, 0, 0)), 0);
      /* {faulty, 1800}: 0 and 3600 disagree and wait; 1785 agrees and counts */
      GP_CHECK_EQ(f.device.proven_uptime_secs, cases[i].faulty == 1785 ? 1785u : 0u);
      if (f.proof_exists) GP_CHECK_EQ(run_submit(&f, o[1], rep(CLOSED, HONEST_B, 0, 0)), 0);
    } else {
      GP_CHECK_EQ(run_submit(&f, o[0], rep(CLOSED, HONEST_A, 0, 0)), 0);
      GP_CHECK_EQ(run_submit(&f, o[1], rep(CLOSED, HONEST_B, 0, 0)), 0);
    }
    GP_CHECK_EQ(f.device.proven_uptime_secs, cases[i].counted);
    GP_CHECK_EQ(f.device.last_proof_window, CLOSED);
    GP_CHECK_EQ(f.proof_len, 0);
    /* the window's payer got its rent back, whoever counted it */
    GP_CHECK_EQ(f.payer_lamports, ORACLE_LAMPORTS + PROOF_LAMPORTS);
    registry_proof_counted_t counted;
    EVENT(registry_proof_counted_t, REGISTRY_PROOF_COUNTED_DISCRIMINATOR, 1, &counted);
    GP_CHECK_EQ(counted.uptime_secs, cases[i].counted);
    GP_CHECK_EQ(counted.base, 0);
    if (!cases[i].first) { /* the faulty vote comes too late to count: a late report, no uptime */
      GP_CHECK_EQ(run_submit(&f, o[2], rep(CLOSED, cases[i].faulty, 0, 0)), 0);
      GP_CHECK_EQ(f.device.proven_uptime_secs, cases[i].counted);
      GP_CHECK_EQ(f.device.reported_mask, 7);
      GP_CHECK_EQ(run_submit(&f, o[2], rep(CLOSED, cases[i].faulty, 0, 0)), REGISTRY_ERR_DUPLICATE_VOTE);
    }
  }
}

/* Four oracles, quorum 3 (f = 1): the counting vote records the low end of the agreeing three,
   the per-oracle benchmarks agree on theirs, and three passing challenge reports outvote the
   faulty oracle's failure. */
GP_TEST(an_agreeing_quorum_counts_its_low_end) {
  fixture_t f;
  fixture_init(&f, 3600, 3);
  f.config.params.max_faulty_oracles = 1;
  fixture_window(&f, CLOSED);
  fixture_vote(&f, 0, 3600, 1009, REGISTRY_CHALLENGE_PASSED);
  fixture_vote(&f, 1, 100, 900, REGISTRY_CHALLENGE_FAILED); /* the faulty oracle */
  registry_device_t before = f.device;
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[2], rep(CLOSED, 3590, 1000, REGISTRY_CHALLENGE_PASSED)), 0);
  GP_CHECK(memcmp(&before, &f.device, sizeof before) == 0); /* {100, 3590, 3600}: two agree, not three */
  GP_CHECK_EQ(f.proof.votes, 3);
  GP_CHECK_EQ(f.events, 1);
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[3], rep(CLOSED, 3595, 1005, REGISTRY_CHALLENGE_PASSED)), 0);
  /* uptime {3590, 3595, 3600} agree: 3590. Benchmarks {1000, 1005, 1009} agree: 1000. EMA
     (0*7 + 3590/3600 = 9972 bps)/8 = 1246. Reputation (1246*50 + (2*10000/3 = 6666)*30 +
     (3590*10000/2592000 = 13)*20)/100 = 2625. */
  registry_device_t want = before;
  want.proven_uptime_secs = 3590;
  want.benchmark_score = 1000;
  want.challenges_passed = 1;
  want.uptime_ema_bps = 1246;
  want.epoch = CLOSED; /* 3600 s windows: one per hourly epoch */
  want.epoch_uptime_secs = 3590;
  want.last_proof_window = CLOSED;
  want.last_proof_slot = SLOT;
  want.oracle_set = f.proof.oracle_set;
  want.oracle_benchmark[0] = 1009;
  want.oracle_benchmark[1] = 900;
  want.oracle_benchmark[2] = 1000;
  want.oracle_benchmark[3] = 1005;
  want.challenge_mask = 0xF;
  want.challenge_pass_mask = 0xD;
  want.reported_mask = 0xF;
  want.window_tallied = 1;
  want.reputation = 2625;
  GP_CHECK_EQ(registry_reputation(&want), 2625);
  GP_CHECK(memcmp(&want, &f.device, sizeof want) == 0);
  GP_CHECK_EQ(f.proof_len, 0);
  GP_CHECK_EQ(f.proof_lamports, 0);
  GP_CHECK_EQ(f.payer_lamports, ORACLE_LAMPORTS + PROOF_LAMPORTS); /* oracle 0 paid */
  GP_CHECK_EQ(f.events, 2);
  registry_proof_recorded_t recorded;
  EVENT(registry_proof_recorded_t, REGISTRY_PROOF_RECORDED_DISCRIMINATOR, 0, &recorded);
  GP_CHECK_EQ(recorded.votes, 4);
  GP_CHECK_EQ(recorded.window, CLOSED);
  GP_CHECK_EQ(recorded.uptime_secs, 3595);
  GP_CHECK_EQ(recorded.benchmark_score, 1005);
  GP_CHECK_EQ(recorded.challenge, REGISTRY_CHALLENGE_PASSED);
  registry_proof_counted_t counted;
  EVENT(registry_proof_counted_t, REGISTRY_PROOF_COUNTED_DISCRIMINATOR, 1, &counted);
  GP_CHECK_EQ(counted.uptime_secs, 3590);
  GP_CHECK_EQ(counted.benchmark_score, 1000);
  GP_CHECK_EQ(counted.proven_uptime_secs, 3590);
  GP_CHECK_EQ(counted.reputation, 2625);
  GP_CHECK_EQ(counted.challenge, REGISTRY_CHALLENGE_PASSED);
  GP_CHECK_EQ(counted.votes, 4);
}

/* Every live oracle voted and no quorum agrees: nothing is recorded, the window closes and
   says so, and the next counted window catches its time up (its span reaches back to the last
   counted window). */
GP_TEST(a_final_undecided_window_records_nothing_and_is_caught_up) {
  fixture_t f;
  fixture_init(&f, 3600, 2);
  fixture_oracles(&f, 3);
  f.device.last_proof_window = CLOSED - 2;
  fixture_window(&f, CLOSED - 1);
  fixture_vote(&f, 0, 3600, 0, 0);
  fixture_vote(&f, 1, 0, 0, 0);
  registry_device_t before = f.device;
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[2], rep(CLOSED - 1, 1000, 0, 0)), 0);
  GP_CHECK(memcmp(&before, &f.device, sizeof before) == 0);
  GP_CHECK_EQ(f.proof_len, 0);
  GP_CHECK_EQ(f.payer_lamports, ORACLE_LAMPORTS + PROOF_LAMPORTS);
  GP_CHECK_EQ(f.events, 2);
  registry_proof_undecided_t undecided;
  EVENT(registry_proof_undecided_t, REGISTRY_PROOF_UNDECIDED_DISCRIMINATOR, 1, &undecided);
  GP_CHECK_EQ(undecided.window, CLOSED - 1);
  GP_CHECK_EQ(undecided.base, CLOSED - 2);
  GP_CHECK_EQ(undecided.votes, 3);

  /* the next window spans both: up to 7,200 s */
  fixture_window(&f, CLOSED);
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[0], rep(CLOSED, 7201, 0, 0)), REGISTRY_ERR_INVALID_PROOF);
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[0], rep(CLOSED, 7200, 0, 0)), 0);
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[1], rep(CLOSED, 7150, 0, 0)), 0);
  GP_CHECK_EQ(f.device.proven_uptime_secs, 7150);
  /* EMA over the span's two windows: share 7150/7200 = 9930 bps, (0*7 + 9930)/8 = 1241,
     (1241*7 + 9930)/8 = 2327 */
  GP_CHECK_EQ(f.device.uptime_ema_bps, 2327);
  registry_proof_counted_t counted;
  EVENT(registry_proof_counted_t, REGISTRY_PROOF_COUNTED_DISCRIMINATOR, 1, &counted);
  GP_CHECK_EQ(counted.base, CLOSED - 2);
  GP_CHECK_EQ(counted.uptime_secs, 7150);
}

/* One honest oracle offline, the faulty one voting 0: the votes never agree, so the window
   waits for its deadline; count_proof (anyone, after the deadline) then closes it undecided
   with the rent to its payer. It is never closed or replaced before. */
GP_TEST(count_proof_after_the_deadline_with_an_honest_oracle_offline) {
  fixture_t f;
  fixture_init(&f, 3600, 2);
  fixture_oracles(&f, 3);
  f.config.params.max_proof_age_secs = 6 * 3600; /* so the age limit is not what stops votes */
  fixture_window(&f, CLOSED);
  fixture_vote(&f, 2, 0, 0, 0);
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[0], rep(CLOSED, HONEST_A, 0, 0)), 0);
  GP_CHECK_EQ(f.proof.votes, 2);
  GP_CHECK_EQ(f.device.proven_uptime_secs, 0);
  /* deadline: 997,200 + 10,800 = 1,008,000 */
  f.now = 1008000 - 1;
  GP_CHECK_EQ(run_count(&f), REGISTRY_ERR_PROOF_STILL_OPEN);
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[1], rep(CLOSED, HONEST_B, 0, 0)), 0); /* still votable */
  GP_CHECK_EQ(f.device.proven_uptime_secs, HONEST_B);

  fixture_window(&f, CLOSED + 1);
  f.device.last_proof_window = CLOSED;
  fixture_vote(&f, 2, 0, 0, 0);
  fixture_vote(&f, 0, HONEST_A, 0, 0);
  f.now = 1000800 + 10800; /* window 277's deadline */
  GP_CHECK_EQ(run_count_to(&f, fill_key(0x55)), REGISTRY_ERR_WRONG_OWNER); /* the rent is the payer's */
  registry_device_t before = f.device;
  GP_CHECK_EQ(run_count(&f), 0);
  GP_CHECK(memcmp(&before, &f.device, sizeof before) == 0);
  GP_CHECK_EQ(f.proof_len, 0);
  GP_CHECK_EQ(f.payer_lamports, ORACLE_LAMPORTS + PROOF_LAMPORTS);
  GP_CHECK_EQ(f.events, 1);
  registry_proof_undecided_t undecided;
  EVENT(registry_proof_undecided_t, REGISTRY_PROOF_UNDECIDED_DISCRIMINATOR, 0, &undecided);
  GP_CHECK_EQ(undecided.votes, 2);
}

/* Until someone counts it, a window past its deadline still takes votes: a late honest vote
   can only help a quorum agree. */
GP_TEST(a_late_vote_after_the_deadline_still_joins) {
  fixture_t f;
  fixture_init(&f, 3600, 2);
  fixture_oracles(&f, 3);
  f.config.params.max_proof_age_secs = 6 * 3600;
  fixture_window(&f, CLOSED);
  fixture_vote(&f, 2, 0, 0, 0);
  fixture_vote(&f, 0, HONEST_A, 0, 0);
  f.now = 1008000 + 1; /* past the deadline */
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[1], rep(CLOSED, HONEST_B, 0, 0)), 0);
  GP_CHECK_EQ(f.device.proven_uptime_secs, HONEST_B);
  GP_CHECK_EQ(f.device.last_proof_window, CLOSED);
  GP_CHECK_EQ(f.proof_len, 0);
}

/* A window counted by count_proof after the deadline: the admin widened the band after two
   disagreeing votes, so the votes cast now agree. */
GP_TEST(count_proof_counts_a_decided_window) {
  fixture_t f;
  fixture_init(&f, 3600, 2);
  fixture_oracles(&f, 3);
  fixture_window(&f, CLOSED);
  fixture_vote(&f, 0, 3000, 0, 0);
  fixture_vote(&f, 1, 3500, 0, 0);
  f.config.params.vote_band_bps = 2000;
  f.now = 1008000;
  GP_CHECK_EQ(run_count(&f), 0);
  GP_CHECK_EQ(f.device.proven_uptime_secs, 3000);
  GP_CHECK_EQ(f.device.last_proof_window, CLOSED);
  GP_CHECK_EQ(f.proof_len, 0);
  GP_CHECK_EQ(f.payer_lamports, ORACLE_LAMPORTS + PROOF_LAMPORTS);
}

/* Windows that can no longer count are closed uncounted by count_proof (ProofClosed): a later
   window counted, or one counted since the votes were cast. */
GP_TEST(count_proof_closes_a_window_that_cannot_count) {
  for (int stale_base = 0; stale_base < 2; stale_base++) {
    fixture_t f;
    fixture_init(&f, 3600, 2);
    fixture_oracles(&f, 3);
    fixture_window(&f, CLOSED);
    fixture_vote(&f, 0, 3600, 0, 0);
    f.device.last_proof_window = stale_base ? CLOSED - 1 : CLOSED;
    f.now = 1008000;
    registry_device_t before = f.device;
    GP_CHECK_EQ(run_count(&f), 0);
    GP_CHECK(memcmp(&before, &f.device, sizeof before) == 0);
    GP_CHECK_EQ(f.proof_len, 0);
    GP_CHECK_EQ(f.payer_lamports, ORACLE_LAMPORTS + PROOF_LAMPORTS);
    registry_proof_closed_t closed;
    EVENT(registry_proof_closed_t, REGISTRY_PROOF_CLOSED_DISCRIMINATOR, 0, &closed);
    GP_CHECK_EQ(closed.votes, 1);
  }
}

/* A window counted since a collection's votes were cast: their uptime measures from an old
   base, so the next vote starts the collection over from the new one. */
GP_TEST(a_window_counted_since_starts_the_votes_over) {
  fixture_t f;
  fixture_init(&f, 3600, 2);
  fixture_oracles(&f, 3);
  fixture_window(&f, CLOSED);
  fixture_vote(&f, 0, 3600, 0, 0); /* base 0 */
  f.device.last_proof_window = CLOSED - 1;
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[1], rep(CLOSED, 3600, 0, 0)), 0);
  GP_CHECK_EQ(f.device.proven_uptime_secs, 0); /* not counted with oracle 0's old vote */
  GP_CHECK_EQ(f.proof.votes, 1);
  GP_CHECK_EQ(f.proof.voted_mask, 2);
  GP_CHECK_EQ(f.proof.base, CLOSED - 1);
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[0], rep(CLOSED, 3590, 0, 0)), 0);
  GP_CHECK_EQ(f.device.proven_uptime_secs, 3590);
}

/* The benchmark and the challenge outcome are decided over every oracle's latest report, not
   one window's votes: a challenge reported by one oracle in one window and by another in the
   next passes once two (the quorum) agree. */
GP_TEST(benchmark_and_challenge_are_decided_over_the_oracles_latest_reports) {
  fixture_t f;
  fixture_init(&f, 3600, 2);
  fixture_oracles(&f, 3);
  f.device.last_proof_window = CLOSED - 2;
  fixture_window(&f, CLOSED - 1);
  fixture_vote(&f, 0, 3600, 1000, REGISTRY_CHALLENGE_PASSED);
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[2], rep(CLOSED - 1, 3600, 0, REGISTRY_CHALLENGE_NONE)), 0);
  GP_CHECK_EQ(f.device.proven_uptime_secs, 3600);
  GP_CHECK_EQ(f.device.benchmark_score, 0);      /* one benchmark report: no quorum yet */
  GP_CHECK_EQ(f.device.challenges_passed, 0);    /* one pass: no quorum yet */
  GP_CHECK_EQ(f.device.challenge_mask, 1);
  registry_proof_counted_t counted;
  EVENT(registry_proof_counted_t, REGISTRY_PROOF_COUNTED_DISCRIMINATOR, 1, &counted);
  GP_CHECK_EQ(counted.challenge, REGISTRY_CHALLENGE_NONE);

  fixture_window(&f, CLOSED);
  fixture_vote(&f, 1, 3600, 1005, REGISTRY_CHALLENGE_PASSED);
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[2], rep(CLOSED, 3600, 2000, REGISTRY_CHALLENGE_FAILED)), 0);
  /* latest: benchmarks {1000, 1005, 2000}: 1000 and 1005 agree; challenges pass, pass, fail */
  GP_CHECK_EQ(f.device.benchmark_score, 1000);
  GP_CHECK_EQ(f.device.challenges_passed, 1);
  GP_CHECK_EQ(f.device.challenges_failed, 0);
  EVENT(registry_proof_counted_t, REGISTRY_PROOF_COUNTED_DISCRIMINATOR, 1, &counted);
  GP_CHECK_EQ(counted.challenge, REGISTRY_CHALLENGE_PASSED);
  GP_CHECK_EQ(counted.benchmark_score, 1000);

  /* a new oracle set clears the reports made under the old one */
  f.config.params.oracles[2] = fill_key(0x26);
  f.device.last_proof_window = CLOSED - 1; /* count CLOSED again under the new set */
  fixture_window(&f, CLOSED);
  fixture_vote(&f, 0, 3600, 0, 0);
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[1], rep(CLOSED, 3600, 0, REGISTRY_CHALLENGE_NONE)), 0);
  GP_CHECK_EQ(f.device.challenge_mask, 0);
  GP_CHECK_EQ(f.device.oracle_benchmark[0], 0);
  GP_CHECK_EQ(f.device.benchmark_score, 1000); /* undecided under the new set: kept */
}

/* Quorum 2 of 3: the third oracle's vote on a window counted without it is a late report. Its
   benchmark and challenge become its latest, and the window's tally is made if the counted
   votes did not make it; uptime, the window and the proof account stay; once per oracle;
   an older window stays stale. */
GP_TEST(a_late_report_on_the_last_counted_window_counts_once) {
  fixture_t f;
  fixture_init(&f, 3600, 2);
  fixture_oracles(&f, 3);
  const SolPubkey *o = f.config.params.oracles;
  fixture_window(&f, CLOSED);
  fixture_vote(&f, 0, 3600, 1000, REGISTRY_CHALLENGE_PASSED);
  GP_CHECK_EQ(run_submit(&f, o[1], rep(CLOSED, 3600, 0, REGISTRY_CHALLENGE_NONE)), 0);
  GP_CHECK_EQ(f.device.last_proof_window, CLOSED);
  GP_CHECK_EQ(f.device.reported_mask, 3);
  GP_CHECK_EQ(f.device.challenges_passed, 0); /* one pass: no quorum */
  GP_CHECK_EQ(f.device.window_tallied, 0);
  registry_device_t counted = f.device;

  GP_CHECK_EQ(run_submit(&f, o[2], rep(CLOSED, 1, 1005, REGISTRY_CHALLENGE_PASSED)), 0);
  registry_device_t want = counted;
  want.reported_mask = 7;
  want.oracle_benchmark[2] = 1005;
  want.benchmark_score = 1000; /* {1000, 1005} agree */
  want.challenge_mask = 5;
  want.challenge_pass_mask = 5;
  want.challenges_passed = 1; /* two passes of the latest: the window's tally, made now */
  want.window_tallied = 1;
  want.reputation = registry_reputation(&want);
  GP_CHECK(want.reputation > counted.reputation);
  GP_CHECK(memcmp(&want, &f.device, sizeof want) == 0); /* no uptime, window or EMA change */
  GP_CHECK_EQ(f.proof_len, 0);                            /* the closed window stays closed */
  GP_CHECK_EQ(f.oracle_lamports, ORACLE_LAMPORTS);
  GP_CHECK_EQ(f.events, 1);
  registry_late_report_recorded_t late;
  EVENT(registry_late_report_recorded_t, REGISTRY_LATE_REPORT_RECORDED_DISCRIMINATOR, 0, &late);
  GP_CHECK(gp_pubkey_eq(&late.device, &f.device_addr));
  GP_CHECK(gp_pubkey_eq(&late.oracle, &o[2]));
  GP_CHECK_EQ(late.window, CLOSED);
  GP_CHECK_EQ(late.benchmark_score, 1005);
  GP_CHECK_EQ(late.device_benchmark_score, 1000);
  GP_CHECK_EQ(late.challenge, REGISTRY_CHALLENGE_PASSED);
  GP_CHECK_EQ(late.tally, REGISTRY_CHALLENGE_PASSED);
  GP_CHECK_EQ(late.reputation, want.reputation);

  /* once per oracle: a replay, or a voter of the window, is a duplicate */
  GP_CHECK_EQ(run_submit(&f, o[2], rep(CLOSED, 0, 1005, REGISTRY_CHALLENGE_PASSED)), REGISTRY_ERR_DUPLICATE_VOTE);
  GP_CHECK_EQ(run_submit(&f, o[0], rep(CLOSED, 0, 0, REGISTRY_CHALLENGE_FAILED)), REGISTRY_ERR_DUPLICATE_VOTE);
  GP_CHECK(memcmp(&want, &f.device, sizeof want) == 0);
  /* an older window stays stale */
  fixture_window(&f, CLOSED - 1);
  GP_CHECK_EQ(run_submit(&f, o[2], rep(CLOSED - 1, 0, 0, 0)), REGISTRY_ERR_STALE_PROOF);
  GP_CHECK_EQ(f.proof_len, 0);
  /* the report's own rules still hold */
  f.device.reported_mask = 3;
  GP_CHECK_EQ(run_submit(&f, o[2], rep(CLOSED, 0, 0, 3)), REGISTRY_ERR_INVALID_PROOF);
  /* past max_proof_age_secs, or under another oracle set, it is stale */
  f.now = NOW + 3 * 3600;
  GP_CHECK_EQ(run_submit(&f, o[2], rep(CLOSED, 0, 0, 0)), REGISTRY_ERR_STALE_PROOF);
  f.now = NOW;
  f.config.params.oracle_quorum = 3;
  GP_CHECK_EQ(run_submit(&f, o[2], rep(CLOSED, 0, 0, 0)), REGISTRY_ERR_STALE_PROOF);
}

/* A window whose votes made its tally takes no second one from a late report. */
GP_TEST(a_late_report_never_tallies_a_window_twice) {
  fixture_t f;
  fixture_init(&f, 3600, 2);
  fixture_oracles(&f, 3);
  const SolPubkey *o = f.config.params.oracles;
  fixture_window(&f, CLOSED);
  fixture_vote(&f, 0, 3600, 0, REGISTRY_CHALLENGE_FAILED);
  GP_CHECK_EQ(run_submit(&f, o[1], rep(CLOSED, 3600, 0, REGISTRY_CHALLENGE_FAILED)), 0);
  GP_CHECK_EQ(f.device.challenges_failed, 1);
  GP_CHECK_EQ(f.device.window_tallied, 1);
  GP_CHECK_EQ(run_submit(&f, o[2], rep(CLOSED, 0, 0, REGISTRY_CHALLENGE_FAILED)), 0);
  GP_CHECK_EQ(f.device.challenges_failed, 1);
  GP_CHECK_EQ(f.device.challenge_mask, 7);
  registry_late_report_recorded_t late;
  EVENT(registry_late_report_recorded_t, REGISTRY_LATE_REPORT_RECORDED_DISCRIMINATOR, 0, &late);
  GP_CHECK_EQ(late.tally, REGISTRY_CHALLENGE_NONE);
  /* the next counted window starts over: its votes tally again */
  fixture_window(&f, CLOSED + 1);
  f.now = NOW + 3600;
  fixture_vote(&f, 0, 3600, 0, REGISTRY_CHALLENGE_FAILED);
  GP_CHECK_EQ(run_submit(&f, o[1], rep(CLOSED + 1, 3600, 0, REGISTRY_CHALLENGE_NONE)), 0);
  GP_CHECK_EQ(f.device.challenges_failed, 2);
  GP_CHECK_EQ(f.device.reported_mask, 3);
}

GP_TEST(a_vote_below_quorum_creates_the_window_only) {
  fixture_t f;
  fixture_init(&f, 3600, 2);
  fixture_window(&f, CLOSED);
  registry_device_t before = f.device;
  SolPubkey oracle = f.config.params.oracles[1];
  GP_CHECK_EQ(run_submit(&f, oracle, rep(CLOSED, 1800, 42, REGISTRY_CHALLENGE_FAILED)), 0);
  GP_CHECK(memcmp(&before, &f.device, sizeof before) == 0);
  GP_CHECK_EQ(f.proof_len, REGISTRY_PROOF_WINDOW_SIZE);
  GP_CHECK_EQ(f.proof_lamports, PROOF_LAMPORTS);
  GP_CHECK_EQ(f.oracle_lamports, ORACLE_LAMPORTS - PROOF_LAMPORTS);
  const registry_proof_window_t *w = &f.proof;
  GP_CHECK_EQ(w->discriminator, REGISTRY_PROOF_WINDOW_DISCRIMINATOR);
  GP_CHECK(gp_pubkey_eq(&w->device, &f.device_addr));
  GP_CHECK(gp_pubkey_eq(&w->payer, &oracle));
  GP_CHECK_EQ(w->window, CLOSED);
  GP_CHECK_EQ(w->base, 0);
  GP_CHECK_EQ(w->voted_mask, 2);
  GP_CHECK_EQ(w->challenge_mask, 2);
  GP_CHECK_EQ(w->challenge_pass_mask, 0);
  GP_CHECK_EQ(w->uptime[1], 1800);
  GP_CHECK_EQ(w->benchmark[1], 42);
  GP_CHECK_EQ(w->votes, 1);
  GP_CHECK_EQ(w->version, REGISTRY_LAYOUT_VERSION);
  GP_CHECK_EQ(f.events, 1);

  /* the same oracle again, then a second one that agrees and counts it */
  GP_CHECK_EQ(run_submit(&f, oracle, rep(CLOSED, 1700, 42, REGISTRY_CHALLENGE_FAILED)), REGISTRY_ERR_DUPLICATE_VOTE);
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[0], rep(CLOSED, 1800, 0, REGISTRY_CHALLENGE_NONE)), 0);
  GP_CHECK_EQ(f.device.proven_uptime_secs, 1800);
  GP_CHECK_EQ(f.device.challenges_failed, 0); /* one oracle's failure is no quorum */
  GP_CHECK_EQ(f.device.benchmark_score, 0);   /* nor is one benchmark */
  GP_CHECK_EQ(f.device.oracle_benchmark[1], 42);
  GP_CHECK_EQ(f.proof_len, 0);
  GP_CHECK_EQ(f.payer_lamports, ORACLE_LAMPORTS + PROOF_LAMPORTS); /* oracle 1 paid, oracle 0 counted */
  GP_CHECK_EQ(f.oracle_lamports, ORACLE_LAMPORTS);
}

GP_TEST(quorum_of_one_creates_and_closes_in_one_vote) {
  fixture_t f;
  fixture_init(&f, 3600, 1);
  fixture_window(&f, CLOSED);
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[0], rep(CLOSED, 3600, 0, REGISTRY_CHALLENGE_NONE)), 0);
  GP_CHECK_EQ(f.device.proven_uptime_secs, 3600);
  GP_CHECK_EQ(f.device.uptime_ema_bps, 1250);
  GP_CHECK_EQ(f.proof_len, 0);
  GP_CHECK_EQ(f.proof_lamports, 0);
  GP_CHECK_EQ(f.oracle_lamports, ORACLE_LAMPORTS); /* paid the rent and got it back */
}

GP_TEST(epoch_uptime_resets_when_the_hour_turns) {
  fixture_t f;
  fixture_init(&f, 600, 1); /* six windows an hour */
  /* NOW = 1,000,000: window 1665 (999,000-999,600) ended; its hour is 277 (997,200-1,000,800),
     and window 1661 (996,600) is in hour 276. */
  fixture_window(&f, 1661);
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[0], rep(1661, 500, 0, REGISTRY_CHALLENGE_NONE)), 0);
  GP_CHECK_EQ(f.device.epoch, 276);
  GP_CHECK_EQ(f.device.epoch_uptime_secs, 500);
  fixture_window(&f, 1662);
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[0], rep(1662, 600, 0, REGISTRY_CHALLENGE_NONE)), 0);
  GP_CHECK_EQ(f.device.epoch, 277);
  GP_CHECK_EQ(f.device.epoch_uptime_secs, 600);
  /* 1665 spans 1663-1665: 300 s over 1,800 */
  fixture_window(&f, 1665);
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[0], rep(1665, 300, 0, REGISTRY_CHALLENGE_NONE)), 0);
  GP_CHECK_EQ(f.device.epoch, 277);
  GP_CHECK_EQ(f.device.epoch_uptime_secs, 900);
  GP_CHECK_EQ(f.device.proven_uptime_secs, 1400);
  /* EMA: 8333/8 = 1041; (1041*7 + 10000)/8 = 2160; then three steps of 300/1800 = 1666 bps:
     (2160*7 + 1666)/8 = 2098, 2044, 1996 */
  GP_CHECK_EQ(f.device.uptime_ema_bps, 1996);
  GP_CHECK_EQ(f.device.last_proof_window, 1665);
}

GP_TEST(serving_probation_with_the_minimum_stake_activates) {
  fixture_t f;
  fixture_init(&f, 3600, 1);
  f.device.proven_uptime_secs = 12 * 3600 - 100;
  fixture_window(&f, CLOSED - 1);
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[0], rep(CLOSED - 1, 99, 0, REGISTRY_CHALLENGE_NONE)), 0);
  GP_CHECK_EQ(f.device.status, REGISTRY_STATUS_PROBATION); /* one second short */
  GP_CHECK_EQ(f.events, 2);
  fixture_window(&f, CLOSED);
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[0], rep(CLOSED, 1, 0, REGISTRY_CHALLENGE_NONE)), 0);
  GP_CHECK_EQ(f.device.status, REGISTRY_STATUS_ACTIVE);
  GP_CHECK_EQ(f.events, 3);
  registry_device_status_changed_t changed;
  EVENT(registry_device_status_changed_t, REGISTRY_DEVICE_STATUS_CHANGED_DISCRIMINATOR, 2, &changed);
  GP_CHECK_EQ(changed.from, REGISTRY_STATUS_PROBATION);
  GP_CHECK_EQ(changed.to, REGISTRY_STATUS_ACTIVE);
  GP_CHECK(gp_pubkey_eq(&changed.device, &f.device_addr));
}

GP_TEST(probation_served_without_the_minimum_stake_stays) {
  fixture_t f;
  fixture_init(&f, 3600, 1);
  f.device.stake = 2000 * IO - 1;
  f.device.proven_uptime_secs = 12 * 3600;
  fixture_window(&f, CLOSED);
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[0], rep(CLOSED, 3600, 0, REGISTRY_CHALLENGE_NONE)), 0);
  GP_CHECK_EQ(f.device.status, REGISTRY_STATUS_PROBATION);
  GP_CHECK_EQ(f.events, 2);
}

GP_TEST(a_suspended_device_keeps_proving_and_stays_suspended) {
  fixture_t f;
  fixture_init(&f, 3600, 1);
  f.device.status = REGISTRY_STATUS_SUSPENDED;
  f.device.pending_slashes = 1;
  f.device.proven_uptime_secs = 12 * 3600;
  fixture_window(&f, CLOSED);
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[0], rep(CLOSED, 3600, 0, REGISTRY_CHALLENGE_NONE)), 0);
  GP_CHECK_EQ(f.device.status, REGISTRY_STATUS_SUSPENDED);
  GP_CHECK_EQ(f.device.proven_uptime_secs, 13 * 3600);
}

GP_TEST(window_rules) {
  fixture_t f;
  fixture_init(&f, 3600, 2);
  SolPubkey oracle = f.config.params.oracles[0];
  const struct {
    uint64_t window;
    uint64_t err;
  } cases[] = {
      {277, REGISTRY_ERR_PROOF_WINDOW_NOT_CLOSED}, /* ends at 1,000,800 */
      {5000, REGISTRY_ERR_PROOF_WINDOW_NOT_CLOSED},
      {274, REGISTRY_ERR_STALE_PROOF}, /* starts 986,400 < 989,200 */
      {0xffffffffffffffffull, REGISTRY_ERR_ARITHMETIC_OVERFLOW},
      {0xffffffffffffffffull / 3600, REGISTRY_ERR_ARITHMETIC_OVERFLOW}, /* the end overflows */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    fixture_window(&f, cases[i].window);
    GP_CHECK_EQ(run_submit(&f, oracle, rep(cases[i].window, 0, 0, 0)), cases[i].err);
    GP_CHECK_EQ(f.proof_len, 0);
  }
  fixture_window(&f, 275); /* starts 990,000: inside the age limit */
  GP_CHECK_EQ(run_submit(&f, oracle, rep(275, 0, 0, 0)), 0);
  f.device.last_proof_window = 275;
  fixture_window(&f, 275);
  GP_CHECK_EQ(run_submit(&f, oracle, rep(275, 0, 0, 0)), REGISTRY_ERR_STALE_PROOF);
}

GP_TEST(report_rules) {
  fixture_t f;
  fixture_init(&f, 3600, 2);
  SolPubkey oracle = f.config.params.oracles[0];
  fixture_window(&f, CLOSED);
  GP_CHECK_EQ(run_submit(&f, oracle, rep(CLOSED, 3601, 0, 0)), REGISTRY_ERR_INVALID_PROOF);
  GP_CHECK_EQ(run_submit(&f, oracle, rep(CLOSED, 0, 0, 3)), REGISTRY_ERR_INVALID_PROOF);
  registry_proof_report_t r = rep(CLOSED, 0, 0, 0);
  r.padding[2] = 1;
  GP_CHECK_EQ(run_submit(&f, oracle, r), REGISTRY_ERR_INVALID_PROOF);
  GP_CHECK_EQ(run_submit(&f, fill_key(0x25), rep(CLOSED, 0, 0, 0)), REGISTRY_ERR_NOT_ORACLE);
  f.device.status = REGISTRY_STATUS_DEREGISTERED;
  GP_CHECK_EQ(run_submit(&f, oracle, rep(CLOSED, 0, 0, 0)), REGISTRY_ERR_DEVICE_DEREGISTERED);
  f.device.status = REGISTRY_STATUS_PROBATION;
  f.config.paused = 1;
  GP_CHECK_EQ(run_submit(&f, oracle, rep(CLOSED, 0, 0, 0)), REGISTRY_ERR_PROGRAM_PAUSED);
}

GP_TEST(a_vote_account_for_another_device_is_refused) {
  fixture_t f;
  fixture_init(&f, 3600, 3);
  fixture_window(&f, CLOSED);
  fixture_vote(&f, 0, 3600, 0, 0);
  f.proof.device = fill_key(0x99); /* cannot happen on chain; the program checks anyway */
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[1], rep(CLOSED, 0, 0, 0)), REGISTRY_ERR_INVALID_PDA);
}

/* set_device_job on a suspended device: a release is allowed (the job ended while a slash is
   pending) and the device stays Suspended; a hire is refused. */
static uint64_t run_set_job(fixture_t *f, SolPubkey job, bool hire) {
  gp_host_reset();
  uint8_t ix[8 + 32 + 1];
  gp_store_u64(ix, REGISTRY_IX_SET_DEVICE_JOB);
  memcpy(ix + 8, job.x, 32);
  ix[40] = hire;
  gp_host_account_t accounts[3] = {
      {.key = f->config_key, .owner = f->program_id, .lamports = 1, .data = (const uint8_t *)&f->config,
       .data_len = sizeof f->config},
      {.key = f->device_addr, .owner = f->program_id, .lamports = 1, .data = (const uint8_t *)&f->device,
       .data_len = sizeof f->device, .is_writable = true},
      {.key = f->config.params.escrow_authority, .lamports = 1, .is_signer = true},
  };
  uint64_t size;
  uint8_t *input = gp_host_input_new(accounts, 3, ix, sizeof ix, &f->program_id, &size);
  SolParameters params;
  SolAccountInfo ka[3];
  if (gp_deserialize(input, &params, ka, 3)) abort();
  uint64_t result = registry_process(&params);
  memcpy(&f->device, ka[1].data, sizeof f->device);
  f->events = gp_host_event_count();
  free(input);
  return result;
}

GP_TEST(set_device_job_on_a_suspended_device) {
  fixture_t f;
  fixture_init(&f, 3600, 2);
  f.config.params.escrow_authority = fill_key(0xE5);
  f.device.status = REGISTRY_STATUS_SUSPENDED;
  f.device.pending_slashes = 1;
  f.device.proven_uptime_secs = 12 * 3600;
  f.device.current_job = fill_key(0x10);
  f.device.hired_by = f.config.params.escrow_authority;
  GP_CHECK_EQ(run_set_job(&f, fill_key(0x11), true), REGISTRY_ERR_DEVICE_NOT_HIREABLE);
  GP_CHECK_EQ(run_set_job(&f, fill_key(0x11), false), REGISTRY_ERR_NOT_DEVICE_JOB); /* not its job */
  GP_CHECK_EQ(run_set_job(&f, fill_key(0x10), false), 0);
  GP_CHECK(gp_pubkey_is_zero(&f.device.current_job));
  GP_CHECK_EQ(f.device.status, REGISTRY_STATUS_SUSPENDED);
  GP_CHECK_EQ(f.events, 1); /* DeviceJobSet, no status change */
  f.device.pending_slashes = 0; /* the slash was reversed: the device is free to work again */
  f.device.status = REGISTRY_STATUS_ACTIVE;
  GP_CHECK_EQ(run_set_job(&f, fill_key(0x11), true), 0);
  GP_CHECK_EQ(f.device.status, REGISTRY_STATUS_HIRED);
  GP_CHECK_EQ(f.events, 2);
}

/* Votes cast under an oracle set that has since changed start over: an oracle that voted
   before a rotation cannot vote again under its new index and count the window alone. */
GP_TEST(a_changed_oracle_set_starts_the_votes_over) {
  fixture_t f;
  fixture_init(&f, 3600, 3);
  fixture_window(&f, CLOSED);
  fixture_vote(&f, 1, 3600, 0, REGISTRY_CHALLENGE_NONE);
  /* oracle 0 leaves: oracle 1 moves to index 0, quorum 2 of 2 */
  f.config.params.oracles[0] = f.config.params.oracles[1];
  f.config.params.oracles[1] = f.config.params.oracles[2];
  memset(&f.config.params.oracles[2], 0, sizeof f.config.params.oracles[2]);
  f.config.params.oracle_count = 2;
  registry_device_t before = f.device;
  GP_CHECK_EQ(run_submit(&f, f.config.params.oracles[0], rep(CLOSED, 3600, 0, REGISTRY_CHALLENGE_NONE)), 0);
  GP_CHECK(memcmp(&before, &f.device, sizeof before) == 0); /* not counted */
  GP_CHECK_EQ(f.proof.votes, 1);
  GP_CHECK_EQ(f.proof.voted_mask, 1);
  GP_CHECK_EQ(f.proof.oracle_set, registry_oracle_set_fingerprint(&f.config.params));
}

/* An Active device whose stake was enough when it became Active is not hireable once the admin
   raises base_stake above it (the status is not refreshed by update_config): StakeBelowMinimum,
   until it stakes up. */
GP_TEST(hiring_checks_the_stake_against_the_current_minimum) {
  fixture_t f;
  fixture_init(&f, 3600, 2);
  f.config.params.escrow_authority = fill_key(0xE5);
  f.device.status = REGISTRY_STATUS_ACTIVE;
  f.device.proven_uptime_secs = 12 * 3600;
  f.config.params.base_stake = 200 * IO + 1; /* H100 minimum 2,000 IO + 10 */
  GP_CHECK_EQ(run_set_job(&f, fill_key(0x11), true), REGISTRY_ERR_STAKE_BELOW_MINIMUM);
  GP_CHECK_EQ(f.device.status, REGISTRY_STATUS_ACTIVE);
  f.device.stake = 2000 * IO + 10;
  GP_CHECK_EQ(run_set_job(&f, fill_key(0x11), true), 0);
  GP_CHECK_EQ(f.device.status, REGISTRY_STATUS_HIRED);
  f.config.paused = 1;
  f.device.status = REGISTRY_STATUS_ACTIVE;
  GP_CHECK_EQ(run_set_job(&f, fill_key(0x12), true), REGISTRY_ERR_PROGRAM_PAUSED);
}
