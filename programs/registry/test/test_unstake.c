/* Host tests of request_unstake, withdraw_unstaked and deregister_device for the device
   states the localnet tests cannot reach on their own (a pending slash, a job), and of a
   ticket top-up, run through the real entrypoint on Agave-layout input buffers. */
#include <stdlib.h>
#include <string.h>

#include "gp_host.h"
#include "gp_test.h"
#include "registry.h"

/* The program's entrypoint, defined by test_config.c (GP_ENTRYPOINT(registry_process, registry_log_error)). */
uint64_t entrypoint(uint8_t *input);

#define IO 100000000ull
#define MODEL_H100 3
#define COOLDOWN (14 * 86400)

static SolPubkey fill(uint8_t b) {
  SolPubkey k;
  memset(k.x, b, sizeof k.x);
  return k;
}

/* PDA [seed, k?] of the test program and its canonical bump. */
static SolPubkey pda(const SolPubkey *program_id, const char *seed, const SolPubkey *k, uint8_t *bump) {
  SolSignerSeed seeds[2] = {{(const uint8_t *)seed, strlen(seed)}, {k ? k->x : NULL, k ? SOL_PUBKEY_SIZE : 0}};
  SolPubkey out;
  if (sol_try_find_program_address(seeds, k ? 2 : 1, program_id, &out, bump)) abort();
  return out;
}

/* A live Config, an owner's Provider and one H100 device with 2,500 IO staked, 500 IO in a
   ticket (vault: 3,000 IO), all at their real PDAs. */
typedef struct {
  SolPubkey program_id, owner, config_key, provider_key, device_key, device, ticket, vault, owner_token;
  registry_config_t config;
  registry_provider_t provider;
  registry_device_t d;
  registry_unstake_ticket_t t;
} fixture_t;

static void fixture(fixture_t *f) {
  memset(f, 0, sizeof *f);
  f->program_id = fill(0x77);
  f->owner = fill(0x0A);
  f->device_key = fill(0xDE);
  f->owner_token = fill(0x70);
  uint8_t bump;

  f->config_key = pda(&f->program_id, REGISTRY_SEED_CONFIG, NULL, &bump);
  registry_config_t *c = &f->config;
  c->discriminator = REGISTRY_CONFIG_DISCRIMINATOR;
  c->admin = fill(0xAD);
  c->io_mint = fill(0x10);
  c->params.oracles[0] = fill(0x21);
  c->params.oracle_count = 1;
  c->params.oracle_quorum = 1;
  c->params.base_stake = 200 * IO;
  c->params.unstake_cooldown_secs = COOLDOWN;
  c->params.heartbeat_interval_secs = 60;
  c->params.appeal_window_secs = 86400;
  c->params.proof_window_secs = 3600;
  c->params.max_proof_age_secs = 3600;
  c->params.vote_band_bps = 100;
  c->params.vote_deadline_secs = 600;
  c->params.hardware_classes[0] = (registry_hardware_class_t){MODEL_H100, 100000};
  c->params.hardware_class_count = 1;
  c->version = REGISTRY_LAYOUT_VERSION;
  c->bump = bump;

  f->provider_key = pda(&f->program_id, REGISTRY_SEED_PROVIDER, &f->owner, &bump);
  f->provider.discriminator = REGISTRY_PROVIDER_DISCRIMINATOR;
  f->provider.owner = f->owner;
  f->provider.total_stake = 2500 * IO;
  f->provider.device_count = 1;
  f->provider.version = REGISTRY_LAYOUT_VERSION;
  f->provider.bump = bump;

  f->device = pda(&f->program_id, REGISTRY_SEED_DEVICE, &f->device_key, &bump);
  registry_device_t *d = &f->d;
  d->discriminator = REGISTRY_DEVICE_DISCRIMINATOR;
  d->provider = f->provider_key;
  d->owner = f->owner;
  d->device_key = f->device_key;
  d->stake = 2500 * IO;
  d->pending_unstake = 500 * IO;
  d->spec.hardware_model = MODEL_H100;
  d->spec.gpu_count = 1;
  d->spec.vram_gib = 80;
  d->status = REGISTRY_STATUS_ACTIVE;
  d->version = REGISTRY_LAYOUT_VERSION;
  d->bump = bump;
  f->vault = pda(&f->program_id, REGISTRY_SEED_VAULT, &f->device, &d->vault_bump);
  d->vault = f->vault;

  f->ticket = pda(&f->program_id, REGISTRY_SEED_TICKET, &f->device, &bump);
  f->t.discriminator = REGISTRY_UNSTAKE_TICKET_DISCRIMINATOR;
  f->t.device = f->device;
  f->t.owner = f->owner;
  f->t.amount = 500 * IO;
  f->t.unlock_at = 1000;
  f->t.version = REGISTRY_LAYOUT_VERSION;
  f->t.bump = bump;
}

/* A 165-byte IO token account image. */
static void token_account(uint8_t out[GP_TOKEN_ACCOUNT_LEN], const SolPubkey *mint, const SolPubkey *owner,
                          uint64_t amount) {
  memset(out, 0, GP_TOKEN_ACCOUNT_LEN);
  memcpy(out, mint->x, 32);
  memcpy(out + 32, owner->x, 32);
  memcpy(out + 64, &amount, 8);
  out[108] = GP_TOKEN_STATE_INITIALIZED;
}

static gp_host_account_t program_account(const SolPubkey *key, const SolPubkey *owner, const void *data,
                                         uint64_t len, bool writable) {
  return (gp_host_account_t){.key = *key, .owner = *owner, .lamports = 1000000, .data = data,
                             .data_len = len, .is_writable = writable};
}

/* The data of account i of a serialized input (every account before it not a duplicate). */
static uint8_t *account_data(uint8_t *input, const gp_host_account_t *accounts, uint64_t i) {
  uint64_t off = 8;
  for (uint64_t j = 0; j < i; j++)
    off = ((off + GP_ACCOUNT_HEADER_SIZE + accounts[j].data_len + GP_MAX_PERMITTED_DATA_INCREASE + 7) & ~7ull) + 8;
  return input + off + GP_ACCOUNT_HEADER_SIZE;
}

static uint64_t run_request_unstake(fixture_t *f, uint64_t amount) {
  static const SolPubkey system_program = {{0}};
  gp_host_account_t accounts[6] = {
      program_account(&f->config_key, &f->program_id, &f->config, sizeof f->config, false),
      program_account(&f->provider_key, &f->program_id, &f->provider, sizeof f->provider, true),
      program_account(&f->device, &f->program_id, &f->d, sizeof f->d, true),
      program_account(&f->ticket, &f->program_id, &f->t, sizeof f->t, true),
      {.key = f->owner, .lamports = 1000000000, .is_signer = true, .is_writable = true},
      {.key = system_program, .lamports = 1, .executable = true},
  };
  uint8_t ix[16];
  uint64_t disc = REGISTRY_IX_REQUEST_UNSTAKE;
  memcpy(ix, &disc, 8);
  memcpy(ix + 8, &amount, 8);
  uint8_t *input = gp_host_input_new(accounts, 6, ix, sizeof ix, &f->program_id, NULL);
  uint64_t result = entrypoint(input);
  memcpy(&f->provider, account_data(input, accounts, 1), sizeof f->provider);
  memcpy(&f->d, account_data(input, accounts, 2), sizeof f->d);
  memcpy(&f->t, account_data(input, accounts, 3), sizeof f->t);
  free(input);
  return result;
}

static uint64_t run_withdraw(fixture_t *f) {
  uint8_t vault[GP_TOKEN_ACCOUNT_LEN], to[GP_TOKEN_ACCOUNT_LEN];
  token_account(vault, &f->config.io_mint, &f->vault, 3000 * IO);
  token_account(to, &f->config.io_mint, &f->owner, 0);
  gp_host_account_t accounts[7] = {
      program_account(&f->config_key, &f->program_id, &f->config, sizeof f->config, false),
      program_account(&f->device, &f->program_id, &f->d, sizeof f->d, true),
      program_account(&f->ticket, &f->program_id, &f->t, sizeof f->t, true),
      program_account(&f->vault, &GP_TOKEN_PROGRAM_ID, vault, sizeof vault, true),
      {.key = f->owner, .lamports = 1000000000, .is_signer = true, .is_writable = true},
      program_account(&f->owner_token, &GP_TOKEN_PROGRAM_ID, to, sizeof to, true),
      {.key = GP_TOKEN_PROGRAM_ID, .lamports = 1, .executable = true},
  };
  uint64_t disc = REGISTRY_IX_WITHDRAW_UNSTAKED;
  uint8_t *input = gp_host_input_new(accounts, 7, (const uint8_t *)&disc, 8, &f->program_id, NULL);
  uint64_t result = entrypoint(input);
  memcpy(&f->d, account_data(input, accounts, 1), sizeof f->d);
  free(input);
  return result;
}

static uint64_t run_deregister(fixture_t *f) {
  uint8_t vault[GP_TOKEN_ACCOUNT_LEN], to[GP_TOKEN_ACCOUNT_LEN];
  token_account(vault, &f->config.io_mint, &f->vault, 0);
  token_account(to, &f->config.io_mint, &f->owner, 0);
  gp_host_account_t accounts[7] = {
      program_account(&f->config_key, &f->program_id, &f->config, sizeof f->config, true) /* the class count */,
      program_account(&f->provider_key, &f->program_id, &f->provider, sizeof f->provider, true),
      program_account(&f->device, &f->program_id, &f->d, sizeof f->d, true),
      program_account(&f->vault, &GP_TOKEN_PROGRAM_ID, vault, sizeof vault, true),
      {.key = f->owner, .lamports = 1000000000, .is_signer = true, .is_writable = true},
      program_account(&f->owner_token, &GP_TOKEN_PROGRAM_ID, to, sizeof to, true),
      {.key = GP_TOKEN_PROGRAM_ID, .lamports = 1, .executable = true},
  };
  uint64_t disc = REGISTRY_IX_DEREGISTER_DEVICE;
  uint8_t *input = gp_host_input_new(accounts, 7, (const uint8_t *)&disc, 8, &f->program_id, NULL);
  uint64_t result = entrypoint(input);
  memcpy(&f->provider, account_data(input, accounts, 1), sizeof f->provider);
  memcpy(&f->d, account_data(input, accounts, 2), sizeof f->d);
  free(input);
  return result;
}

static void set_now(int64_t now) {
  SolClock clock;
  memset(&clock, 0, sizeof clock);
  clock.unix_timestamp = now;
  gp_host_set_clock(&clock);
}

GP_TEST(request_unstake_adds_to_the_ticket_and_restarts_its_cooldown) {
  fixture_t f;
  fixture(&f);
  set_now(5000);
  GP_CHECK_EQ(run_request_unstake(&f, 600 * IO), 0);
  GP_CHECK_EQ(f.t.amount, 1100 * IO);
  GP_CHECK_EQ(f.t.unlock_at, 5000 + COOLDOWN);
  GP_CHECK_EQ(f.d.stake, 1900 * IO);
  GP_CHECK_EQ(f.d.pending_unstake, 1100 * IO);
  GP_CHECK_EQ(f.provider.total_stake, 1900 * IO);
  GP_CHECK_EQ(f.d.status, REGISTRY_STATUS_PROBATION); /* below the 2,000 IO minimum */
  GP_CHECK_EQ(gp_host_cpi_count(), 0);
  GP_CHECK_EQ(gp_host_event_count(), 2);
  uint64_t len;
  const uint8_t *ev = gp_host_event(1, &len);
  GP_CHECK_EQ(len, REGISTRY_UNSTAKE_REQUESTED_SIZE);
  registry_unstake_requested_t got;
  memcpy(&got, ev, sizeof got);
  GP_CHECK_EQ(got.discriminator, REGISTRY_UNSTAKE_REQUESTED_DISCRIMINATOR);
  GP_CHECK(memcmp(&got.device, &f.device, 32) == 0);
  GP_CHECK_EQ(got.amount, 600 * IO);
  GP_CHECK_EQ(got.pending_unstake, 1100 * IO);
  GP_CHECK_EQ(got.unlock_at, 5000 + COOLDOWN);
}

GP_TEST(request_unstake_refuses_an_overflowing_unlock_time) {
  fixture_t f;
  fixture(&f);
  set_now(INT64_MAX - 10);
  GP_CHECK_EQ(run_request_unstake(&f, IO), REGISTRY_ERR_ARITHMETIC_OVERFLOW);
  GP_CHECK_EQ(f.d.stake, 2500 * IO);
}

GP_TEST(request_unstake_refuses_a_suspended_device) {
  fixture_t f;
  fixture(&f);
  f.d.pending_slashes = 1;
  f.d.status = REGISTRY_STATUS_SUSPENDED;
  GP_CHECK_EQ(run_request_unstake(&f, IO), REGISTRY_ERR_DEVICE_SUSPENDED);
  GP_CHECK_EQ(f.d.stake, 2500 * IO);
  GP_CHECK_EQ(f.t.amount, 500 * IO);
}

GP_TEST(request_unstake_refuses_a_hired_device) {
  fixture_t f;
  fixture(&f);
  f.d.current_job = fill(0x55);
  f.d.status = REGISTRY_STATUS_HIRED;
  GP_CHECK_EQ(run_request_unstake(&f, IO), REGISTRY_ERR_DEVICE_HIRED);
  GP_CHECK_EQ(f.d.stake, 2500 * IO);
}

GP_TEST(withdraw_pays_the_ticket_through_a_vault_signed_transfer) {
  fixture_t f;
  fixture(&f);
  set_now(1000);
  GP_CHECK_EQ(run_withdraw(&f), 0);
  GP_CHECK_EQ(f.d.pending_unstake, 0);
  GP_CHECK_EQ(gp_host_cpi_count(), 1);
  const gp_host_cpi_t *cpi = gp_host_cpi(0);
  GP_CHECK(memcmp(&cpi->program_id, &GP_TOKEN_PROGRAM_ID, 32) == 0);
  GP_CHECK_EQ(cpi->data[0], GP_TOKEN_IX_TRANSFER);
  GP_CHECK_EQ(gp_load_u64(cpi->data + 1), 500 * IO);
  GP_CHECK_EQ(cpi->n_pda_signers, 1);
  GP_CHECK(memcmp(&cpi->pda_signers[0], &f.vault, 32) == 0);
  GP_CHECK(memcmp(&cpi->keys[1], &f.owner_token, 32) == 0);
}

GP_TEST(withdraw_one_second_early_is_locked) {
  fixture_t f;
  fixture(&f);
  set_now(999);
  GP_CHECK_EQ(run_withdraw(&f), REGISTRY_ERR_UNSTAKE_LOCKED);
  GP_CHECK_EQ(f.d.pending_unstake, 500 * IO);
  GP_CHECK_EQ(gp_host_cpi_count(), 0);
}

GP_TEST(withdraw_is_frozen_by_a_pending_slash) {
  fixture_t f;
  fixture(&f);
  set_now(1000000);
  f.d.pending_slashes = 1;
  f.d.status = REGISTRY_STATUS_SUSPENDED;
  GP_CHECK_EQ(run_withdraw(&f), REGISTRY_ERR_DEVICE_SUSPENDED);
  GP_CHECK_EQ(f.d.pending_unstake, 500 * IO);
  GP_CHECK_EQ(gp_host_cpi_count(), 0);
}

GP_TEST(deregister_refuses_a_pending_slash_or_a_job) {
  fixture_t f;
  fixture(&f);
  f.d.stake = 0;
  f.d.pending_unstake = 0;
  f.d.status = REGISTRY_STATUS_SUSPENDED;
  f.d.pending_slashes = 1;
  GP_CHECK_EQ(run_deregister(&f), REGISTRY_ERR_DEVICE_NOT_EMPTY);
  f.d.pending_slashes = 0;
  f.d.status = REGISTRY_STATUS_HIRED;
  f.d.current_job = fill(0x55);
  GP_CHECK_EQ(run_deregister(&f), REGISTRY_ERR_DEVICE_NOT_EMPTY);
  GP_CHECK_EQ(f.provider.device_count, 1);
  GP_CHECK_EQ(gp_host_cpi_count(), 0);
}

GP_TEST(deregister_closes_the_vault_signed_by_it) {
  fixture_t f;
  fixture(&f);
  f.d.stake = 0;
  f.d.pending_unstake = 0;
  f.d.status = REGISTRY_STATUS_PROBATION;
  GP_CHECK_EQ(run_deregister(&f), 0);
  GP_CHECK_EQ(f.d.status, REGISTRY_STATUS_DEREGISTERED);
  GP_CHECK_EQ(f.provider.device_count, 0);
  GP_CHECK_EQ(gp_host_cpi_count(), 1);
  const gp_host_cpi_t *cpi = gp_host_cpi(0);
  GP_CHECK_EQ(cpi->data[0], GP_TOKEN_IX_CLOSE_ACCOUNT);
  GP_CHECK(memcmp(&cpi->keys[1], &f.owner, 32) == 0);
  GP_CHECK_EQ(cpi->n_pda_signers, 1);
  GP_CHECK(memcmp(&cpi->pda_signers[0], &f.vault, 32) == 0);
  GP_CHECK_EQ(gp_host_event_count(), 1);
  uint64_t len;
  GP_CHECK_EQ(gp_load_u64(gp_host_event(0, &len)), REGISTRY_DEVICE_DEREGISTERED_DISCRIMINATOR);
}
