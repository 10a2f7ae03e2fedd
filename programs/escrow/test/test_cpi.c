/* Host tests of the escrow's calls into other programs, made with the generated builders
   (registry_cpi.h, economy_cpi.h): the exact instruction each one sends. The shim records
   the CPI after checking it as the runtime does (accounts present, no privilege escalation,
   PDA signers derived from the seeds). */
#include <stdlib.h>
#include <string.h>

#include "gp_host.h"
#include "gp_test.h"
#include "escrow.h"

static SolPubkey key(uint8_t fill) {
  SolPubkey k;
  memset(k.x, fill, sizeof k.x);
  return k;
}

GP_TEST(set_device_job_sends_the_registry_instruction_signed_by_the_authority) {
  gp_host_reset();
  gp_host_set_cpi_handler(NULL);
  SolPubkey escrow_id = key(0xE5), registry_id = key(0x8E), job = key(0x10);
  SolSignerSeed seed = {(const uint8_t *)ESCROW_SEED_ESCROW_AUTHORITY, ESCROW_SEED_ESCROW_AUTHORITY_LEN};
  escrow_config_t config;
  memset(&config, 0, sizeof config);
  SolPubkey authority;
  GP_CHECK_EQ(sol_try_find_program_address(&seed, 1, &escrow_id, &authority, &config.authority_bump), 0);
  gp_host_account_t a[4] = {{.key = key(0xC0)}, {.key = key(0xDE), .is_writable = true}, {.key = authority},
                            {.key = registry_id, .executable = true}};
  SolAccountInfo ka[4];
  SolParameters p;
  uint8_t *buf = gp_host_input_new(a, 4, NULL, 0, &escrow_id, NULL);
  GP_CHECK_EQ(gp_deserialize(buf, &p, ka, 4), 0);
  escrow_registry_t r = {&config, &ka[0], &ka[2], &ka[3]};

  GP_CHECK_EQ(escrow_set_device_job(&r, &ka[1], &job, true), 0);
  GP_CHECK_EQ(escrow_set_device_job(&r, &ka[1], &job, false), 0);
  GP_CHECK_EQ(gp_host_cpi_count(), 2);
  for (uint64_t i = 0; i < 2; i++) {
    const gp_host_cpi_t *c = gp_host_cpi(i);
    GP_CHECK(gp_pubkey_eq(&c->program_id, &registry_id));
    GP_CHECK_EQ(c->n_metas, REGISTRY_SET_DEVICE_JOB_NUM_ACCOUNTS);
    GP_CHECK(gp_pubkey_eq(&c->keys[REGISTRY_SET_DEVICE_JOB_CONFIG], ka[0].key));
    GP_CHECK(gp_pubkey_eq(&c->keys[REGISTRY_SET_DEVICE_JOB_DEVICE], ka[1].key));
    GP_CHECK(gp_pubkey_eq(&c->keys[REGISTRY_SET_DEVICE_JOB_ESCROW_AUTHORITY], &authority));
    for (uint64_t m = 0; m < c->n_metas; m++) {
      GP_CHECK_EQ(c->is_writable[m], (REGISTRY_SET_DEVICE_JOB_WRITABLE >> m) & 1);
      GP_CHECK_EQ(c->is_signer[m], (REGISTRY_SET_DEVICE_JOB_SIGNERS >> m) & 1);
    }
    /* discriminator, job, hire: what the registry decodes */
    GP_CHECK_EQ(c->data_len, 8 + 32 + 1);
    GP_CHECK_EQ(gp_load_u64(c->data), REGISTRY_IX_SET_DEVICE_JOB);
    registry_set_device_job_args_t args;
    GP_CHECK_EQ(registry_decode_set_device_job_args(c->data + 8, c->data_len - 8, &args), 0);
    GP_CHECK(gp_pubkey_eq(&args.job, &job));
    GP_CHECK_EQ(args.hire, i == 0);
    GP_CHECK_EQ(c->n_pda_signers, 1);
    GP_CHECK(gp_pubkey_eq(&c->pda_signers[0], &authority));
  }
  free(buf);
}

GP_TEST(burn_fee_sends_the_economy_instruction_signed_by_the_job) {
  gp_host_reset();
  gp_host_set_cpi_handler(NULL);
  SolPubkey escrow_id = key(0xE5), economy_id = key(0xEC), id_seed = key(0x01);
  uint8_t bump;
  SolSignerSeed seeds[3] = {{(const uint8_t *)ESCROW_SEED_JOB, ESCROW_SEED_JOB_LEN}, {id_seed.x, 8}, {&bump, 1}};
  SolPubkey job;
  GP_CHECK_EQ(sol_try_find_program_address(seeds, 2, &escrow_id, &job, &bump), 0);
  gp_host_account_t a[6] = {{.key = key(0xC0), .is_writable = true}, {.key = job}, {.key = key(0xFA), .is_writable = true},
                            {.key = key(0x5D), .is_writable = true}, {.key = GP_TOKEN_PROGRAM_ID, .executable = true},
                            {.key = economy_id, .executable = true}};
  SolAccountInfo ka[6];
  SolParameters p;
  uint8_t *buf = gp_host_input_new(a, 6, NULL, 0, &escrow_id, NULL);
  GP_CHECK_EQ(gp_deserialize(buf, &p, ka, 6), 0);
  economy_burn_fee_cpi_t c = {&economy_id, &ka[0], &ka[1], &ka[2], &ka[3], &ka[4]};
  economy_burn_fee_args_t args = {.amount = 0x1122334455667788ull};
  SolSignerSeeds signer = {seeds, 3};

  GP_CHECK_EQ(economy_cpi_burn_fee(&c, &args, &signer), 0);
  GP_CHECK_EQ(gp_host_cpi_count(), 1);
  const gp_host_cpi_t *r = gp_host_cpi(0);
  GP_CHECK(gp_pubkey_eq(&r->program_id, &economy_id));
  GP_CHECK_EQ(r->n_metas, ECONOMY_BURN_FEE_NUM_ACCOUNTS);
  for (uint64_t m = 0; m < r->n_metas; m++) {
    GP_CHECK(gp_pubkey_eq(&r->keys[m], ka[m].key));
    GP_CHECK_EQ(r->is_writable[m], (ECONOMY_BURN_FEE_WRITABLE >> m) & 1);
    GP_CHECK_EQ(r->is_signer[m], (ECONOMY_BURN_FEE_SIGNERS >> m) & 1);
  }
  static const uint8_t amount_le[8] = {0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
  GP_CHECK_EQ(r->data_len, 16);
  GP_CHECK_EQ(gp_load_u64(r->data), ECONOMY_IX_BURN_FEE);
  GP_CHECK(memcmp(r->data + 8, amount_le, 8) == 0);
  GP_CHECK_EQ(r->n_pda_signers, 1);
  GP_CHECK(gp_pubkey_eq(&r->pda_signers[0], &job));
  free(buf);
}
