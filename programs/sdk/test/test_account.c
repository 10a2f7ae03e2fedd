/* Account checks, PDA creation (fresh and pre-funded), closing. */
#include "test_util.h"

#define DISC 0x0807060504030201ULL

GP_TEST(checks_signer_writable_owner_key_program) {
  SolPubkey prog = tu_key(0x50);
  uint8_t data[16] = {1, 2, 3, 4, 5, 6, 7, 8};
  gp_host_account_t a[3] = {{.key = tu_key(1), .is_signer = true},
                            {.key = tu_key(2), .owner = prog, .is_writable = true, .data = data, .data_len = 16},
                            {.key = GP_TOKEN_PROGRAM_ID, .executable = true}};
  SolAccountInfo ka[3];
  SolParameters p;
  uint64_t err;
  uint8_t *buf = tu_input(a, 3, NULL, 0, &prog, &p, ka, 3, &err);
  GP_CHECK_EQ(err, 0);
  GP_CHECK_EQ(gp_check_signer(&ka[0]), 0);
  GP_CHECK_EQ(gp_check_signer(&ka[1]), GP_ERR_MISSING_SIGNER);
  GP_CHECK_EQ(gp_check_writable(&ka[1]), 0);
  GP_CHECK_EQ(gp_check_writable(&ka[0]), GP_ERR_ACCOUNT_NOT_WRITABLE);
  GP_CHECK_EQ(gp_check_owner(&ka[1], p.program_id), 0); /* unaligned program id path */
  GP_CHECK_EQ(gp_check_owner(&ka[0], p.program_id), GP_ERR_INVALID_ACCOUNT_OWNER);
  SolPubkey k1 = tu_key(1);
  GP_CHECK_EQ(gp_check_key(&ka[0], &k1, GP_ERR_INVALID_MINT), 0);
  GP_CHECK_EQ(gp_check_key(&ka[1], &k1, GP_ERR_INVALID_MINT), GP_ERR_INVALID_MINT);
  GP_CHECK_EQ(gp_check_program(&ka[2], &GP_TOKEN_PROGRAM_ID), 0);
  GP_CHECK_EQ(gp_check_program(&ka[2], &GP_SYSTEM_PROGRAM_ID), GP_ERR_INVALID_PROGRAM_ID);
  GP_CHECK_EQ(gp_account_discriminator(&ka[1]), DISC);
  GP_CHECK_EQ(gp_account_discriminator(&ka[0]), 0);
  GP_CHECK_EQ(gp_check_data(&ka[1], DISC, 16), 0);
  GP_CHECK_EQ(gp_check_data(&ka[1], DISC + 1, 16), GP_ERR_INVALID_ACCOUNT_DATA);
  GP_CHECK_EQ(gp_check_data(&ka[1], DISC, 24), GP_ERR_INVALID_ACCOUNT_DATA);
  GP_CHECK_EQ(gp_check_data(&ka[0], 0, 0), GP_ERR_INVALID_ACCOUNT_DATA);
  GP_CHECK_EQ(gp_check_program_account(&ka[1], &prog, DISC, 16), 0);
  GP_CHECK_EQ(gp_check_program_account(&ka[0], &prog, DISC, 16), GP_ERR_INVALID_ACCOUNT_OWNER);
  GP_CHECK_EQ(gp_check_uninitialized(&ka[0]), 0);
  GP_CHECK_EQ(gp_check_uninitialized(&ka[1]), GP_ERR_ACCOUNT_ALREADY_INITIALIZED);
  free(buf);
}

GP_TEST(pubkey_eq_aligned_and_unaligned) {
  uint64_t store[6]; /* 8-aligned backing */
  uint8_t *raw = (uint8_t *)store;
  SolPubkey k __attribute__((aligned(8)));
  for (int i = 0; i < 32; i++) k.x[i] = (uint8_t)(i * 7 + 1);
  for (int off = 0; off < 8; off++) {
    memset(raw, 0, sizeof store);
    memcpy(raw + off, k.x, 32);
    const SolPubkey *at = (const SolPubkey *)(const void *)(raw + off);
    GP_CHECK(gp_pubkey_eq(at, &k));
    SolPubkey c __attribute__((aligned(8)));
    gp_pubkey_copy(&c, at);
    GP_CHECK(gp_pubkey_eq(&c, &k));
    raw[off + 31] ^= 1;
    GP_CHECK(!gp_pubkey_eq(at, &k));
    raw[off + 31] ^= 1;
    raw[off] ^= 0x80;
    GP_CHECK(!gp_pubkey_eq(&k, at));
  }
}

/* payer, pda, system program */
static uint8_t *pda_setup(uint64_t prefund, SolPubkey *prog, SolAccountInfo *ka, uint8_t *bump) {
  *prog = tu_key(0x70);
  SolPubkey pda;
  SolSignerSeed s[1] = {{(const uint8_t *)"cfg", 3}};
  if (sol_try_find_program_address(s, 1, prog, &pda, bump)) abort();
  gp_host_account_t a[3] = {{.key = tu_key(1), .lamports = 10000000, .is_signer = true, .is_writable = true},
                            {.key = pda, .lamports = prefund, .is_writable = true},
                            {.key = GP_SYSTEM_PROGRAM_ID, .executable = true}};
  SolParameters p;
  uint64_t err;
  uint8_t *buf = tu_input(a, 3, NULL, 0, prog, &p, ka, 3, &err);
  if (err) abort();
  return buf;
}

GP_TEST(create_pda_fresh_uses_create_account) {
  SolPubkey prog;
  SolAccountInfo ka[3];
  uint8_t bump;
  uint8_t *buf = pda_setup(0, &prog, ka, &bump);
  SolSignerSeed s[2] = {{(const uint8_t *)"cfg", 3}, {&bump, 1}};
  SolSignerSeeds signer = {s, 2};
  gp_create_pda_t c = {&ka[0], &ka[1], &prog, &signer, 100};
  GP_CHECK_EQ(gp_account_create_pda(&c), 0);
  GP_CHECK_EQ(gp_host_cpi_count(), 1);
  const gp_host_cpi_t *r = gp_host_cpi(0);
  GP_CHECK(gp_pubkey_eq(&r->program_id, &GP_SYSTEM_PROGRAM_ID));
  GP_CHECK_EQ(r->data_len, 52);
  GP_CHECK_EQ(gp_load_u32(r->data), 0);
  GP_CHECK_EQ(gp_load_u64(r->data + 4), 1586880); /* (128 + 100) * 3480 * 2 */
  GP_CHECK_EQ(gp_load_u64(r->data + 12), 100);
  GP_CHECK(memcmp(r->data + 20, prog.x, 32) == 0);
  GP_CHECK_EQ(r->n_pda_signers, 1);
  GP_CHECK(gp_pubkey_eq(&r->pda_signers[0], ka[1].key));
  GP_CHECK(r->is_signer[0] && r->is_writable[0] && r->is_signer[1] && r->is_writable[1]);
  /* simulated effects, and the refreshed length */
  GP_CHECK_EQ(*ka[1].lamports, 1586880);
  GP_CHECK_EQ(*ka[0].lamports, 10000000 - 1586880);
  GP_CHECK_EQ(ka[1].data_len, 100);
  GP_CHECK(gp_pubkey_eq(ka[1].owner, &prog));
  /* second init fails cleanly */
  GP_CHECK_EQ(gp_account_create_pda(&c), GP_ERR_ACCOUNT_ALREADY_INITIALIZED);
  free(buf);
}

GP_TEST(create_pda_prefunded_transfers_allocates_assigns) {
  SolPubkey prog;
  SolAccountInfo ka[3];
  uint8_t bump;
  uint8_t *buf = pda_setup(1000, &prog, ka, &bump);
  SolSignerSeed s[2] = {{(const uint8_t *)"cfg", 3}, {&bump, 1}};
  SolSignerSeeds signer = {s, 2};
  gp_create_pda_t c = {&ka[0], &ka[1], &prog, &signer, 8};
  GP_CHECK_EQ(gp_account_create_pda(&c), 0);
  GP_CHECK_EQ(gp_host_cpi_count(), 3);
  const gp_host_cpi_t *t = gp_host_cpi(0), *al = gp_host_cpi(1), *as = gp_host_cpi(2);
  GP_CHECK_EQ(gp_load_u32(t->data), GP_SYSTEM_IX_TRANSFER);
  GP_CHECK_EQ(gp_load_u64(t->data + 4), 946560 - 1000); /* (128 + 8) * 6960 - 1000 */
  GP_CHECK_EQ(t->n_pda_signers, 0);
  GP_CHECK_EQ(gp_load_u32(al->data), GP_SYSTEM_IX_ALLOCATE);
  GP_CHECK_EQ(gp_load_u64(al->data + 4), 8);
  GP_CHECK_EQ(al->n_pda_signers, 1);
  GP_CHECK_EQ(gp_load_u32(as->data), GP_SYSTEM_IX_ASSIGN);
  GP_CHECK(memcmp(as->data + 4, prog.x, 32) == 0);
  GP_CHECK_EQ(*ka[1].lamports, 946560);
  GP_CHECK_EQ(ka[1].data_len, 8);
  GP_CHECK(gp_pubkey_eq(ka[1].owner, &prog));
  free(buf);
}

GP_TEST(create_pda_already_rent_exempt_skips_transfer) {
  SolPubkey prog;
  SolAccountInfo ka[3];
  uint8_t bump;
  uint8_t *buf = pda_setup(5000000, &prog, ka, &bump);
  SolSignerSeed s[2] = {{(const uint8_t *)"cfg", 3}, {&bump, 1}};
  SolSignerSeeds signer = {s, 2};
  gp_create_pda_t c = {&ka[0], &ka[1], &prog, &signer, 8};
  GP_CHECK_EQ(gp_account_create_pda(&c), 0);
  GP_CHECK_EQ(gp_host_cpi_count(), 2);
  GP_CHECK_EQ(gp_load_u32(gp_host_cpi(0)->data), GP_SYSTEM_IX_ALLOCATE);
  GP_CHECK_EQ(*ka[1].lamports, 5000000);
  free(buf);
}

GP_TEST(create_pda_wrong_seeds_is_rejected_by_cpi_check) {
  SolPubkey prog;
  SolAccountInfo ka[3];
  uint8_t bump;
  uint8_t *buf = pda_setup(0, &prog, ka, &bump);
  uint8_t wrong = (uint8_t)(bump - 1);
  SolSignerSeed s[2] = {{(const uint8_t *)"cfg", 3}, {&wrong, 1}};
  SolSignerSeeds signer = {s, 2};
  gp_create_pda_t c = {&ka[0], &ka[1], &prog, &signer, 8};
  GP_CHECK(gp_account_create_pda(&c) != 0);
  GP_CHECK_EQ(*ka[1].lamports, 0);
  free(buf);
}

GP_TEST(close_account_moves_lamports_zeroes_and_reassigns) {
  SolPubkey prog = tu_key(0x70);
  uint8_t data[24];
  memset(data, 0xAB, sizeof data);
  gp_host_account_t a[2] = {{.key = tu_key(1), .owner = prog, .lamports = 777, .data = data, .data_len = 24, .is_writable = true},
                            {.key = tu_key(2), .lamports = 23, .is_writable = true}};
  SolAccountInfo ka[2];
  SolParameters p;
  uint64_t err;
  uint8_t *buf = tu_input(a, 2, NULL, 0, &prog, &p, ka, 2, &err);
  GP_CHECK_EQ(err, 0);
  uint8_t *d = ka[0].data;
  GP_CHECK_EQ(gp_account_close(&ka[0], &ka[0]), GP_ERR_DUPLICATE_ACCOUNT);
  GP_CHECK_EQ(gp_account_close(&ka[0], &ka[1]), 0);
  GP_CHECK_EQ(*ka[1].lamports, 800);
  GP_CHECK_EQ(*ka[0].lamports, 0);
  GP_CHECK_EQ(ka[0].data_len, 0);
  GP_CHECK_EQ(gp_load_u64(d - 8), 0); /* serialized length */
  for (int i = 0; i < 24; i++) GP_CHECK_EQ(d[i], 0);
  GP_CHECK(gp_pubkey_is_zero(ka[0].owner));
  free(buf);
}

GP_TEST(close_account_lamport_overflow) {
  SolPubkey prog = tu_key(0x70);
  gp_host_account_t a[2] = {{.key = tu_key(1), .owner = prog, .lamports = 2, .is_writable = true},
                            {.key = tu_key(2), .lamports = GP_U64_MAX - 1, .is_writable = true}};
  SolAccountInfo ka[2];
  SolParameters p;
  uint64_t err;
  uint8_t *buf = tu_input(a, 2, NULL, 0, &prog, &p, ka, 2, &err);
  GP_CHECK_EQ(gp_account_close(&ka[0], &ka[1]), GP_ERR_ARITHMETIC_OVERFLOW);
  GP_CHECK_EQ(*ka[0].lamports, 2);
  free(buf);
}

GP_TEST(cpi_shim_rejects_privilege_escalation) {
  SolPubkey prog = tu_key(0x70);
  gp_host_account_t a[2] = {{.key = tu_key(1), .lamports = 100, .is_writable = true},
                            {.key = tu_key(2), .is_writable = true}};
  SolAccountInfo ka[2];
  SolParameters p;
  uint64_t err;
  uint8_t *buf = tu_input(a, 2, NULL, 0, &prog, &p, ka, 2, &err);
  GP_CHECK_EQ(gp_system_transfer(&ka[0], &ka[1], 5, NULL), GP_HOST_ERR_CPI); /* from not a signer */
  GP_CHECK_EQ(*ka[0].lamports, 100);
  ka[0].is_signer = true;
  GP_CHECK_EQ(gp_system_transfer(&ka[0], &ka[1], 5, NULL), 0);
  GP_CHECK_EQ(*ka[1].lamports, 5);
  ka[1].is_writable = false;
  GP_CHECK_EQ(gp_system_transfer(&ka[0], &ka[1], 5, NULL), GP_HOST_ERR_CPI);
  free(buf);
}
