/* Host tests of slash's stake arithmetic, the unstake-ticket cases in particular (the Go tests
   cannot create a ticket before request_unstake exists): the whole instruction runs through
   registry_process on an Agave-layout input, with the System and Token CPIs simulated. */
#include <stdlib.h>
#include <string.h>

#include "gp_host.h"
#include "gp_test.h"
#include "registry.h"

#define IO 100000000ull
#define NOW 1000000

static SolPubkey key(uint8_t fill) {
  SolPubkey k;
  memset(k.x, fill, sizeof k.x);
  return k;
}

static const SolPubkey *program_id(void) {
  static const SolPubkey id = {{0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77,
                                0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77,
                                0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77}};
  return &id;
}

/* find_program_address over up to 3 seeds. */
static SolPubkey pda(const void *s0, uint64_t l0, const void *s1, uint64_t l1, const void *s2,
                     uint64_t l2, uint8_t *bump) {
  SolSignerSeed seeds[3] = {{s0, l0}, {s1, l1}, {s2, l2}};
  uint64_t n = s2 ? 3 : s1 ? 2 : 1;
  SolPubkey out;
  uint8_t b;
  if (sol_try_find_program_address(seeds, n, program_id(), &out, &b)) abort();
  if (bump) *bump = b;
  return out;
}

static void token_account(uint8_t data[GP_TOKEN_ACCOUNT_LEN], const SolPubkey *mint,
                          const SolPubkey *owner, uint64_t amount) {
  memset(data, 0, GP_TOKEN_ACCOUNT_LEN);
  memcpy(data, mint->x, 32);
  memcpy(data + 32, owner->x, 32);
  memcpy(data + 64, &amount, 8);
  data[108] = GP_TOKEN_STATE_INITIALIZED;
}

enum { KEEPER = 0x11, ORACLE = 0x21, IO_MINT = 0x51, DEVICE_KEY = 0xD1, OTHER_DEVICE = 0xD2, PROVIDER = 0xB1 };

/* One slash (offence, whose slash_bps is bps) of a device with `stake` and `pending` unstake.
   ticket_mode: 0 an empty system account as the ticket, 1 the device's ticket holding `pending`,
   2 a ticket of another device. */
typedef struct {
  uint64_t stake, pending;
  int ticket_mode;
  uint8_t offence;
  uint16_t bps;
} scenario_t;

typedef struct {
  uint64_t result;
  registry_device_t device;
  registry_provider_t provider;
  registry_unstake_ticket_t ticket;
  registry_slash_record_t record;
  uint64_t vault_amount, escrow_amount;
} outcome_t;

static outcome_t run_slash(const scenario_t *s) {
  outcome_t out;
  memset(&out, 0, sizeof out);
  SolClock clock = {.slot = 1, .unix_timestamp = NOW};
  gp_host_set_clock(&clock);

  uint8_t config_bump, device_bump, vault_bump, record_bump, escrow_bump;
  SolPubkey config_key = pda(REGISTRY_SEED_CONFIG, REGISTRY_SEED_CONFIG_LEN, NULL, 0, NULL, 0, &config_bump);
  SolPubkey device_key = key(DEVICE_KEY);
  SolPubkey device = pda(REGISTRY_SEED_DEVICE, REGISTRY_SEED_DEVICE_LEN, device_key.x, 32, NULL, 0, &device_bump);
  SolPubkey vault = pda(REGISTRY_SEED_VAULT, REGISTRY_SEED_VAULT_LEN, device.x, 32, NULL, 0, &vault_bump);
  SolPubkey ticket_key = pda(REGISTRY_SEED_TICKET, REGISTRY_SEED_TICKET_LEN, device.x, 32, NULL, 0, NULL);
  uint8_t evidence[32];
  memset(evidence, 0xEE, sizeof evidence);
  SolPubkey record = pda(REGISTRY_SEED_SLASH, REGISTRY_SEED_SLASH_LEN, device.x, 32, evidence, 32, &record_bump);
  SolPubkey escrow = pda(REGISTRY_SEED_SLASH_ESCROW, REGISTRY_SEED_SLASH_ESCROW_LEN, record.x, 32, NULL, 0, &escrow_bump);
  SolPubkey mint = key(IO_MINT);

  registry_config_t config;
  memset(&config, 0, sizeof config);
  config.discriminator = REGISTRY_CONFIG_DISCRIMINATOR;
  config.admin = key(0xAD);
  config.io_mint = mint;
  config.params.keeper = key(KEEPER);
  config.params.oracles[0] = key(ORACLE);
  config.params.oracle_count = 1;
  config.params.oracle_quorum = 1;
  config.params.base_stake = 200 * IO;
  config.params.probation_secs = 4;
  config.params.appeal_window_secs = 3;
  config.params.hardware_classes[0] = (registry_hardware_class_t){3, 100000};
  config.params.hardware_class_count = 1;
  config.params.slash_bps[s->offence < REGISTRY_OFFENCES ? s->offence : 0] = s->bps;
  config.limits.max_slash_period_bps = 20000;
  config.limits.slash_period_secs = 10;
  config.version = REGISTRY_LAYOUT_VERSION;
  config.bump = config_bump;

  registry_device_t d;
  memset(&d, 0, sizeof d);
  d.discriminator = REGISTRY_DEVICE_DISCRIMINATOR;
  d.device_key = device_key;
  d.owner = key(0x0A);
  d.stake = s->stake;
  d.pending_unstake = s->pending;
  d.proven_uptime_secs = 3600;
  d.spec.hardware_model = 3;
  d.spec.gpu_count = 1;
  d.status = REGISTRY_STATUS_ACTIVE;
  d.version = REGISTRY_LAYOUT_VERSION;
  d.bump = device_bump;
  d.vault = vault;
  d.vault_bump = vault_bump;
  d.provider = key(PROVIDER);

  registry_provider_t provider;
  memset(&provider, 0, sizeof provider);
  provider.discriminator = REGISTRY_PROVIDER_DISCRIMINATOR;
  provider.owner = d.owner;
  provider.total_stake = s->stake;
  provider.device_count = 1;
  provider.version = REGISTRY_LAYOUT_VERSION;

  registry_unstake_ticket_t t;
  memset(&t, 0, sizeof t);
  t.discriminator = REGISTRY_UNSTAKE_TICKET_DISCRIMINATOR;
  t.device = s->ticket_mode == 2 ? key(OTHER_DEVICE) : device;
  t.owner = d.owner;
  t.amount = s->pending;
  t.unlock_at = NOW + 2;
  t.version = REGISTRY_LAYOUT_VERSION;

  uint8_t vault_data[GP_TOKEN_ACCOUNT_LEN];
  token_account(vault_data, &mint, &vault, s->stake + s->pending);
  uint8_t mint_data[GP_TOKEN_MINT_LEN];
  memset(mint_data, 0, sizeof mint_data);
  uint64_t supply = 1000000 * IO;
  memcpy(mint_data + 36, &supply, 8);
  mint_data[44] = 8;
  mint_data[45] = 1;

  uint8_t ix[8 + 1 + 32 + 1 + 1];
  uint64_t disc = REGISTRY_IX_SLASH;
  memcpy(ix, &disc, 8);
  ix[8] = s->offence;
  memcpy(ix + 9, evidence, 32);
  ix[41] = escrow_bump;
  ix[42] = 0; /* no job: no escrow authority bump */

  bool has_ticket = s->ticket_mode != 0;
  gp_host_account_t accounts[REGISTRY_SLASH_NUM_ACCOUNTS] = {
      [REGISTRY_SLASH_CONFIG] = {.key = config_key, .owner = *program_id(), .lamports = 1,
                                 .data = (const uint8_t *)&config, .data_len = sizeof config},
      [REGISTRY_SLASH_DEVICE] = {.key = device, .owner = *program_id(), .lamports = 1,
                                 .data = (const uint8_t *)&d, .data_len = sizeof d, .is_writable = true},
      [REGISTRY_SLASH_PROVIDER] = {.key = key(PROVIDER), .owner = *program_id(), .lamports = 1,
                                   .data = (const uint8_t *)&provider, .data_len = sizeof provider, .is_writable = true},
      [REGISTRY_SLASH_TICKET] = {.key = ticket_key, .owner = has_ticket ? *program_id() : key(0),
                                 .lamports = has_ticket ? 1 : 0, .data = has_ticket ? (const uint8_t *)&t : NULL,
                                 .data_len = has_ticket ? sizeof t : 0, .is_writable = true},
      [REGISTRY_SLASH_VAULT] = {.key = vault, .owner = GP_TOKEN_PROGRAM_ID, .lamports = 1,
                                .data = vault_data, .data_len = sizeof vault_data, .is_writable = true},
      [REGISTRY_SLASH_SLASH_RECORD] = {.key = record, .is_writable = true},
      [REGISTRY_SLASH_SLASH_ESCROW] = {.key = escrow, .is_writable = true},
      /* the oracle set is one oracle with quorum 1: its signature is the evidence's quorum */
      [REGISTRY_SLASH_AUTHORITY] = {.key = key(ORACLE), .lamports = 10000000000ull, .is_signer = true,
                                    .is_writable = true},
      [REGISTRY_SLASH_IO_MINT] = {.key = mint, .owner = GP_TOKEN_PROGRAM_ID, .lamports = 1,
                                  .data = mint_data, .data_len = sizeof mint_data},
      [REGISTRY_SLASH_TOKEN_PROGRAM] = {.key = GP_TOKEN_PROGRAM_ID, .lamports = 1, .executable = true},
      [REGISTRY_SLASH_SYSTEM_PROGRAM] = {.key = key(0), .lamports = 1, .executable = true},
      /* no job: the system program (the Go tests slash with escrow Jobs) */
      [REGISTRY_SLASH_JOB] = {.key = key(0), .lamports = 1, .executable = true},
  };
  uint8_t *input = gp_host_input_new(accounts, REGISTRY_SLASH_NUM_ACCOUNTS, ix, sizeof ix, program_id(), NULL);
  SolAccountInfo ka[GP_MAX_ACCOUNTS];
  SolParameters params;
  if (gp_deserialize(input, &params, ka, GP_MAX_ACCOUNTS)) abort();
  out.result = registry_process(&params);
  memcpy(&out.device, ka[REGISTRY_SLASH_DEVICE].data, sizeof out.device);
  memcpy(&out.provider, ka[REGISTRY_SLASH_PROVIDER].data, sizeof out.provider);
  if (has_ticket) memcpy(&out.ticket, ka[REGISTRY_SLASH_TICKET].data, sizeof out.ticket);
  out.vault_amount = gp_load_u64(ka[REGISTRY_SLASH_VAULT].data + 64);
  if (!out.result) {
    memcpy(&out.record, ka[REGISTRY_SLASH_SLASH_RECORD].data, sizeof out.record);
    out.escrow_amount = gp_load_u64(ka[REGISTRY_SLASH_SLASH_ESCROW].data + 64);
    /* what the test expects of every success: the record at its canonical bumps */
    if (out.record.bump != record_bump || out.record.escrow_bump != escrow_bump) out.result = ~0ull;
  }
  free(input);
  return out;
}

/* vault balance == stake + pending_unstake, and the escrow holds the rest. */
static int conserved(const scenario_t *s, const outcome_t *o) {
  return o->vault_amount == o->device.stake + o->device.pending_unstake &&
         o->vault_amount + o->escrow_amount == s->stake + s->pending;
}

GP_TEST(slash_takes_from_stake_first) {
  scenario_t s = {.stake = 3000 * IO, .pending = 1000 * IO, .ticket_mode = 1, .offence = 1, .bps = 1000};
  outcome_t o = run_slash(&s);
  GP_CHECK_EQ(o.result, 0);
  GP_CHECK_EQ(o.record.amount, 400 * IO); /* 10% of 4,000 IO, all from the stake */
  GP_CHECK_EQ(o.device.stake, 2600 * IO);
  GP_CHECK_EQ(o.device.pending_unstake, 1000 * IO);
  GP_CHECK_EQ(o.ticket.amount, 1000 * IO);
  GP_CHECK_EQ(o.escrow_amount, 400 * IO);
  GP_CHECK(conserved(&s, &o));
}

GP_TEST(slash_then_takes_from_the_ticket) {
  scenario_t s = {.stake = 100 * IO, .pending = 900 * IO, .ticket_mode = 1, .offence = 0, .bps = 5000};
  outcome_t o = run_slash(&s);
  GP_CHECK_EQ(o.result, 0);
  GP_CHECK_EQ(o.record.amount, 500 * IO); /* 50% of 1,000 IO: 100 from the stake, 400 from the ticket */
  GP_CHECK_EQ(o.device.stake, 0);
  GP_CHECK_EQ(o.device.pending_unstake, 500 * IO);
  GP_CHECK_EQ(o.ticket.amount, 500 * IO);
  GP_CHECK_EQ(o.escrow_amount, 500 * IO);
  GP_CHECK(conserved(&s, &o));
  GP_CHECK_EQ(o.device.status, REGISTRY_STATUS_SUSPENDED);
  GP_CHECK_EQ(o.device.pending_slashes, 1);
  GP_CHECK_EQ(o.device.slash_count, 1);
  GP_CHECK_EQ(o.device.pending_offences, 1);
  GP_CHECK_EQ(o.device.proven_uptime_secs, 3600); /* reset when the slash is finalized, not now */
}

GP_TEST(slash_everything) {
  scenario_t s = {.stake = 7, .pending = 5, .ticket_mode = 1, .offence = 3, .bps = 10000};
  outcome_t o = run_slash(&s);
  GP_CHECK_EQ(o.result, 0);
  GP_CHECK_EQ(o.record.amount, 12);
  GP_CHECK_EQ(o.device.stake, 0);
  GP_CHECK_EQ(o.device.pending_unstake, 0);
  GP_CHECK_EQ(o.ticket.amount, 0);
  GP_CHECK(conserved(&s, &o));
}

GP_TEST(slash_rounds_down) {
  /* 3% of 33 base units is 0.99: nothing moves, the record and the suspension still happen */
  scenario_t s = {.stake = 33, .pending = 0, .ticket_mode = 0, .offence = 2, .bps = 300};
  outcome_t o = run_slash(&s);
  GP_CHECK_EQ(o.result, 0);
  GP_CHECK_EQ(o.record.amount, 0);
  GP_CHECK_EQ(o.device.stake, 33);
  GP_CHECK_EQ(o.escrow_amount, 0);
  GP_CHECK_EQ(o.device.status, REGISTRY_STATUS_SUSPENDED);
  GP_CHECK(conserved(&s, &o));
  /* 3% of 1,001 base units is 30.03 */
  scenario_t s2 = {.stake = 1001, .pending = 0, .ticket_mode = 0, .offence = 2, .bps = 300};
  o = run_slash(&s2);
  GP_CHECK_EQ(o.result, 0);
  GP_CHECK_EQ(o.record.amount, 30);
  GP_CHECK(conserved(&s2, &o));
}

GP_TEST(slash_record_fields) {
  scenario_t s = {.stake = 3000 * IO, .pending = 0, .ticket_mode = 0, .offence = 1, .bps = 1000};
  outcome_t o = run_slash(&s);
  GP_CHECK_EQ(o.result, 0);
  GP_CHECK_EQ(o.record.discriminator, REGISTRY_SLASH_RECORD_DISCRIMINATOR);
  SolPubkey oracle = key(ORACLE);
  GP_CHECK(gp_pubkey_eq(&o.record.payer, &oracle));
  GP_CHECK_EQ(o.record.signer_mask, 1);
  GP_CHECK_EQ(o.record.created_at, NOW);
  GP_CHECK_EQ(o.record.appeal_deadline, NOW + 3);
  GP_CHECK_EQ(o.record.offence, 1);
  GP_CHECK_EQ(o.record.status, REGISTRY_SLASH_STATUS_PENDING);
  GP_CHECK_EQ(o.record.version, REGISTRY_LAYOUT_VERSION);
  GP_CHECK_EQ(o.record.amount, 300 * IO);
  GP_CHECK(gp_pubkey_is_zero(&o.record.beneficiary)); /* no job: the pool is compensated */
  GP_CHECK(gp_pubkey_is_zero(&o.record.job));
}

GP_TEST(slash_without_the_ticket_while_unstaking_is_invalid_pda) {
  /* pending_unstake > 0 but an empty account passed as the ticket */
  scenario_t s = {.stake = 100 * IO, .pending = 900 * IO, .ticket_mode = 0, .offence = 0, .bps = 5000};
  outcome_t o = run_slash(&s);
  GP_CHECK_EQ(o.result, REGISTRY_ERR_INVALID_PDA);
  GP_CHECK_EQ(o.device.stake, 100 * IO);
  GP_CHECK_EQ(o.device.pending_unstake, 900 * IO);
  GP_CHECK_EQ(o.vault_amount, 1000 * IO);
  GP_CHECK_EQ(gp_host_cpi_count(), 0);
}

GP_TEST(slash_with_another_devices_ticket_is_invalid_pda) {
  scenario_t s = {.stake = 100 * IO, .pending = 900 * IO, .ticket_mode = 2, .offence = 0, .bps = 5000};
  outcome_t o = run_slash(&s);
  GP_CHECK_EQ(o.result, REGISTRY_ERR_INVALID_PDA);
  GP_CHECK_EQ(o.ticket.amount, 900 * IO);
  GP_CHECK_EQ(gp_host_cpi_count(), 0);
}

GP_TEST(slash_unknown_offence) {
  scenario_t s = {.stake = 100 * IO, .pending = 0, .ticket_mode = 0, .offence = 4, .bps = 5000};
  outcome_t o = run_slash(&s);
  GP_CHECK_EQ(o.result, REGISTRY_ERR_INVALID_OFFENCE);
}
