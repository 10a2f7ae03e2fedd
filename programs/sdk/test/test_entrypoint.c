/* Deserializer: layout offsets, duplicates, alignment, limits. */
#include "test_util.h"

static const uint8_t DATA_A[5] = {1, 2, 3, 4, 5};

GP_TEST(deserialize_single_account_fields) {
  SolPubkey prog = tu_key(0xEE);
  gp_host_account_t a[1] = {{.key = tu_key(1), .owner = tu_key(2), .lamports = 1234, .data = DATA_A,
                             .data_len = 5, .is_signer = true, .is_writable = false,
                             .executable = true, .rent_epoch = 77}};
  uint8_t ix[3] = {9, 8, 7};
  SolAccountInfo ka[4];
  SolParameters p;
  uint64_t err;
  uint8_t *buf = tu_input(a, 1, ix, 3, &prog, &p, ka, 4, &err);
  GP_CHECK_EQ(err, 0);
  GP_CHECK_EQ(p.ka_num, 1);
  GP_CHECK(p.ka == ka);
  GP_CHECK(gp_pubkey_eq(ka[0].key, &a[0].key));
  GP_CHECK(gp_pubkey_eq(ka[0].owner, &a[0].owner));
  GP_CHECK_EQ(*ka[0].lamports, 1234);
  GP_CHECK_EQ(ka[0].data_len, 5);
  GP_CHECK(memcmp(ka[0].data, DATA_A, 5) == 0);
  GP_CHECK_EQ(ka[0].is_signer, 1);
  GP_CHECK_EQ(ka[0].is_writable, 0);
  GP_CHECK_EQ(ka[0].executable, 1);
  GP_CHECK_EQ(ka[0].rent_epoch, 77);
  /* exact offsets of Agave's layout */
  GP_CHECK(ka[0].key == (SolPubkey *)(void *)(buf + 16));
  GP_CHECK(ka[0].owner == (SolPubkey *)(void *)(buf + 48));
  GP_CHECK(ka[0].lamports == (uint64_t *)(void *)(buf + 80));
  GP_CHECK(ka[0].data == buf + 96);
  /* data 5 + 10240 realloc space, padded to 8: rent epoch at 96+10245 -> 10344 */
  GP_CHECK_EQ(gp_load_u64(buf + 10344), 77);
  GP_CHECK_EQ(p.data_len, 3);
  GP_CHECK(p.data == buf + 10352 + 8);
  GP_CHECK(memcmp(p.data, ix, 3) == 0);
  GP_CHECK(gp_pubkey_eq(p.program_id, &prog));
  GP_CHECK(p.program_id == (const SolPubkey *)(const void *)(buf + 10363));
  free(buf);
}

GP_TEST(deserialize_alignment_for_every_data_len_mod_8) {
  SolPubkey prog = tu_key(0xEE);
  for (uint64_t len = 0; len < 17; len++) {
    uint8_t d[17];
    for (uint64_t i = 0; i < len; i++) d[i] = (uint8_t)(i + 1);
    gp_host_account_t a[2] = {
        {.key = tu_key(1), .data = d, .data_len = len, .rent_epoch = 100 + len},
        {.key = tu_key(2), .lamports = 5, .data = d, .data_len = 3, .rent_epoch = 9, .is_writable = true}};
    SolAccountInfo ka[2];
    SolParameters p;
    uint64_t err;
    uint8_t *buf = tu_input(a, 2, d, len, &prog, &p, ka, 2, &err);
    GP_CHECK_EQ(err, 0);
    GP_CHECK_EQ(ka[0].rent_epoch, 100 + len);
    GP_CHECK_EQ(((uintptr_t)ka[1].key) & 7, 0);
    GP_CHECK(gp_pubkey_eq(ka[1].key, &a[1].key));
    GP_CHECK_EQ(*ka[1].lamports, 5);
    GP_CHECK_EQ(ka[1].rent_epoch, 9);
    GP_CHECK_EQ(ka[1].is_writable, 1);
    GP_CHECK_EQ(p.data_len, len);
    GP_CHECK(gp_pubkey_eq(p.program_id, &prog));
    free(buf);
  }
}

GP_TEST(deserialize_duplicates_copy_the_original) {
  SolPubkey prog = tu_key(0xEE);
  gp_host_account_t a[4] = {
      {.key = tu_key(1), .lamports = 10, .is_signer = true, .is_writable = true},
      {.key = tu_key(2), .lamports = 20, .data_len = 9},
      {.is_dup = true, .dup_index = 0},
      {.is_dup = true, .dup_index = 1}};
  SolAccountInfo ka[4];
  SolParameters p;
  uint64_t err;
  uint8_t *buf = tu_input(a, 4, NULL, 0, &prog, &p, ka, 4, &err);
  GP_CHECK_EQ(err, 0);
  GP_CHECK_EQ(p.ka_num, 4);
  GP_CHECK(ka[2].key == ka[0].key && ka[2].lamports == ka[0].lamports);
  GP_CHECK(ka[2].is_signer && ka[2].is_writable);
  GP_CHECK(ka[3].data == ka[1].data && ka[3].data_len == 9);
  GP_CHECK_EQ(gp_check_distinct(&ka[0], &ka[2]), GP_ERR_DUPLICATE_ACCOUNT);
  GP_CHECK_EQ(gp_check_distinct(&ka[0], &ka[1]), 0);
  static const uint8_t ok[2] = {0, 1}, bad[3] = {0, 1, 3};
  GP_CHECK_EQ(gp_check_distinct_n(ka, ok, 2), 0);
  GP_CHECK_EQ(gp_check_distinct_n(ka, bad, 3), GP_ERR_DUPLICATE_ACCOUNT);
  /* dup records are 8 bytes: program id right after the two markers + ix len */
  GP_CHECK_EQ(p.data_len, 0);
  GP_CHECK(gp_pubkey_eq(p.program_id, &prog));
  free(buf);
}

GP_TEST(deserialize_rejects_forward_duplicate_marker) {
  SolPubkey prog = tu_key(0xEE);
  gp_host_account_t a[2] = {{.key = tu_key(1)}, {.key = tu_key(2)}};
  uint8_t *buf = gp_host_input_new(a, 2, NULL, 0, &prog, NULL);
  /* second record: turn its marker into "duplicate of 1" (itself) */
  uint64_t second = 8 + ((GP_ACCOUNT_HEADER_SIZE + GP_MAX_PERMITTED_DATA_INCREASE + 7) & ~7ULL) + 8;
  buf[second] = 1;
  SolAccountInfo ka[2];
  SolParameters p;
  GP_CHECK_EQ(gp_deserialize(buf, &p, ka, 2), GP_BUILTIN_INVALID_ARGUMENT);
  free(buf);
}

GP_TEST(deserialize_max_accounts) {
  SolPubkey prog = tu_key(0xEE);
  gp_host_account_t a[GP_MAX_ACCOUNTS + 1];
  memset(a, 0, sizeof a);
  for (int i = 0; i <= GP_MAX_ACCOUNTS; i++) a[i].key = tu_key((uint8_t)(i + 1));
  SolAccountInfo ka[GP_MAX_ACCOUNTS];
  SolParameters p;
  uint64_t err;
  uint8_t *buf = tu_input(a, GP_MAX_ACCOUNTS, NULL, 0, &prog, &p, ka, GP_MAX_ACCOUNTS, &err);
  GP_CHECK_EQ(err, 0);
  GP_CHECK_EQ(p.ka_num, GP_MAX_ACCOUNTS);
  GP_CHECK(gp_pubkey_eq(ka[GP_MAX_ACCOUNTS - 1].key, &a[GP_MAX_ACCOUNTS - 1].key));
  free(buf);
  buf = tu_input(a, GP_MAX_ACCOUNTS + 1, NULL, 0, &prog, &p, ka, GP_MAX_ACCOUNTS, &err);
  GP_CHECK_EQ(err, GP_ERR_TOO_MANY_ACCOUNTS);
  free(buf);
}

GP_TEST(deserialize_no_accounts) {
  SolPubkey prog = tu_key(0x42);
  uint8_t ix[1] = {0xAB};
  SolAccountInfo ka[1];
  SolParameters p;
  uint64_t err;
  uint8_t *buf = tu_input(NULL, 0, ix, 1, &prog, &p, ka, 1, &err);
  GP_CHECK_EQ(err, 0);
  GP_CHECK_EQ(p.ka_num, 0);
  GP_CHECK_EQ(p.data_len, 1);
  GP_CHECK_EQ(p.data[0], 0xAB);
  GP_CHECK(gp_pubkey_eq(p.program_id, &prog));
  GP_CHECK_EQ(gp_check_accounts_len(&p, 1), GP_ERR_NOT_ENOUGH_ACCOUNTS);
  GP_CHECK_EQ(gp_check_accounts_len(&p, 0), 0);
  free(buf);
}

static uint64_t g_seen_accounts;
static uint64_t ep_process(const SolParameters *p) {
  g_seen_accounts = p->ka_num;
  return p->data_len ? p->data[0] : GP_ERR_INVALID_INSTRUCTION;
}
static uint64_t g_logged_errors, g_logged_error;
static void ep_log_error(uint64_t err) {
  g_logged_errors++;
  g_logged_error = err;
}
GP_ENTRYPOINT(ep_process, ep_log_error)

GP_TEST(entrypoint_macro_dispatches_and_logs_only_failures) {
  SolPubkey prog = tu_key(0xEE);
  gp_host_account_t a[2] = {{.key = tu_key(1)}, {.is_dup = true, .dup_index = 0}};
  uint8_t ix[1] = {42};
  g_logged_errors = 0;
  uint8_t *buf = gp_host_input_new(a, 2, ix, 1, &prog, NULL);
  GP_CHECK_EQ(entrypoint(buf), 42);
  GP_CHECK_EQ(g_seen_accounts, 2);
  GP_CHECK_EQ(g_logged_errors, 1);
  GP_CHECK_EQ(g_logged_error, 42);
  free(buf);
  buf = gp_host_input_new(a, 2, NULL, 0, &prog, NULL);
  GP_CHECK_EQ(entrypoint(buf), GP_ERR_INVALID_INSTRUCTION);
  GP_CHECK_EQ(g_logged_errors, 2);
  GP_CHECK_EQ(g_logged_error, GP_ERR_INVALID_INSTRUCTION);
  free(buf);
  ix[0] = 0; /* success: nothing logged */
  buf = gp_host_input_new(a, 2, ix, 1, &prog, NULL);
  GP_CHECK_EQ(entrypoint(buf), 0);
  GP_CHECK_EQ(g_logged_errors, 2);
  free(buf);
}
