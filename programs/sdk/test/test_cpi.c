/* CPI instruction encodings (exact bytes) and SPL Token readers. */
#include "test_util.h"

static const uint8_t AMT[8] = {0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
#define AMOUNT 0x1122334455667788ULL

GP_TEST(system_encodings_exact_bytes) {
  SolPubkey owner = tu_key(0xAA);
  uint8_t ca[52], want_ca[52] = {0, 0, 0, 0, 0x40, 0x42, 0x0f, 0, 0, 0, 0, 0, 0xa5, 0, 0, 0, 0, 0, 0, 0};
  memset(want_ca + 20, 0xAA, 32);
  gp_system_encode_create_account(ca, 1000000, 165, &owner);
  GP_CHECK(memcmp(ca, want_ca, 52) == 0);
  uint8_t tr[12], want_tr[12] = {2, 0, 0, 0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
  gp_system_encode_transfer(tr, AMOUNT);
  GP_CHECK(memcmp(tr, want_tr, 12) == 0);
  uint8_t al[12], want_al[12] = {8, 0, 0, 0, 0x10, 0x27, 0, 0, 0, 0, 0, 0};
  gp_system_encode_allocate(al, 10000);
  GP_CHECK(memcmp(al, want_al, 12) == 0);
  uint8_t as[36], want_as[36] = {1, 0, 0, 0};
  memset(want_as + 4, 0xAA, 32);
  gp_system_encode_assign(as, &owner);
  GP_CHECK(memcmp(as, want_as, 36) == 0);
}

GP_TEST(token_encodings_exact_bytes) {
  uint8_t b[35];
  gp_token_encode_amount(b, GP_TOKEN_IX_TRANSFER, AMOUNT);
  GP_CHECK(b[0] == 3 && memcmp(b + 1, AMT, 8) == 0);
  gp_token_encode_amount(b, GP_TOKEN_IX_MINT_TO, AMOUNT);
  GP_CHECK(b[0] == 7 && memcmp(b + 1, AMT, 8) == 0);
  gp_token_encode_amount(b, GP_TOKEN_IX_BURN, AMOUNT);
  GP_CHECK(b[0] == 8 && memcmp(b + 1, AMT, 8) == 0);
  gp_token_encode_transfer_checked(b, AMOUNT, 6);
  GP_CHECK(b[0] == 12 && memcmp(b + 1, AMT, 8) == 0 && b[9] == 6);
  SolPubkey owner = tu_key(0x5C);
  gp_token_encode_initialize_account3(b, &owner);
  GP_CHECK(b[0] == 18 && memcmp(b + 1, owner.x, 32) == 0);
  GP_CHECK_EQ(gp_token_encode_set_authority(b, GP_TOKEN_AUTH_ACCOUNT_OWNER, &owner), 35);
  GP_CHECK(b[0] == 6 && b[1] == 2 && b[2] == 1 && memcmp(b + 3, owner.x, 32) == 0);
  GP_CHECK_EQ(gp_token_encode_set_authority(b, GP_TOKEN_AUTH_MINT_TOKENS, NULL), 3);
  GP_CHECK(b[0] == 6 && b[1] == 0 && b[2] == 0);
}

/* A mint and two token accounts, as the token program lays them out. */
static void make_mint(uint8_t d[82], const SolPubkey *auth, uint64_t supply, uint8_t decimals) {
  memset(d, 0, 82);
  if (auth) { d[0] = 1; memcpy(d + 4, auth->x, 32); }
  gp_store_u64(d + 36, supply);
  d[44] = decimals;
  d[45] = 1;
}
static void make_token_account(uint8_t d[165], const SolPubkey *mint, const SolPubkey *owner, uint64_t amount) {
  memset(d, 0, 165);
  memcpy(d, mint->x, 32);
  memcpy(d + 32, owner->x, 32);
  gp_store_u64(d + 64, amount);
  d[108] = GP_TOKEN_STATE_INITIALIZED;
}

enum { MINT, SRC, DST, AUTH, VAULT, N };

static uint8_t *token_setup(SolAccountInfo *ka, SolPubkey *prog, uint8_t *bump) {
  static uint8_t mint[82], src[165], dst[165];
  *prog = tu_key(0x70);
  SolPubkey mint_key = tu_key(0x10), auth_pda;
  SolSignerSeed s[1] = {{(const uint8_t *)"auth", 4}};
  if (sol_try_find_program_address(s, 1, prog, &auth_pda, bump)) abort();
  make_mint(mint, &auth_pda, 1000, 6);
  make_token_account(src, &mint_key, &auth_pda, 500);
  SolPubkey user = tu_key(0x33);
  make_token_account(dst, &mint_key, &user, 7);
  gp_host_account_t a[N] = {
      [MINT] = {.key = mint_key, .owner = GP_TOKEN_PROGRAM_ID, .data = mint, .data_len = 82, .is_writable = true},
      [SRC] = {.key = tu_key(0x11), .owner = GP_TOKEN_PROGRAM_ID, .data = src, .data_len = 165, .is_writable = true},
      [DST] = {.key = tu_key(0x12), .owner = GP_TOKEN_PROGRAM_ID, .data = dst, .data_len = 165, .is_writable = true},
      [AUTH] = {.key = auth_pda},
      [VAULT] = {.key = tu_key(0x13), .owner = GP_TOKEN_PROGRAM_ID, .data_len = 165, .is_writable = true}};
  SolParameters p;
  uint64_t err;
  uint8_t *buf = tu_input(a, N, NULL, 0, prog, &p, ka, N, &err);
  if (err) abort();
  return buf;
}

GP_TEST(token_readers) {
  SolAccountInfo ka[N];
  SolPubkey prog;
  uint8_t bump;
  uint8_t *buf = token_setup(ka, &prog, &bump);
  gp_token_account_t ta;
  GP_CHECK_EQ(gp_token_account_read(&ka[SRC], &ta), 0);
  GP_CHECK_EQ(ta.amount, 500);
  GP_CHECK(gp_pubkey_eq(ta.mint, ka[MINT].key));
  GP_CHECK(gp_pubkey_eq(ta.owner, ka[AUTH].key));
  GP_CHECK_EQ(ta.state, GP_TOKEN_STATE_INITIALIZED);
  GP_CHECK(!ta.has_delegate && !ta.is_native && !ta.has_close_authority);
  GP_CHECK_EQ(gp_token_account_read_mint(&ka[SRC], ka[MINT].key, &ta), 0);
  GP_CHECK_EQ(gp_token_account_read_mint(&ka[SRC], ka[DST].key, &ta), GP_ERR_INVALID_MINT);
  GP_CHECK_EQ(gp_token_account_read(&ka[VAULT], &ta), GP_ERR_INVALID_ACCOUNT_DATA); /* uninitialized */
  GP_CHECK_EQ(gp_token_account_read(&ka[MINT], &ta), GP_ERR_INVALID_ACCOUNT_DATA);  /* wrong size */
  GP_CHECK_EQ(gp_token_account_read(&ka[AUTH], &ta), GP_ERR_INVALID_ACCOUNT_OWNER);
  gp_token_mint_t m;
  GP_CHECK_EQ(gp_token_mint_read(&ka[MINT], &m), 0);
  GP_CHECK_EQ(m.supply, 1000);
  GP_CHECK_EQ(m.decimals, 6);
  GP_CHECK(m.mint_authority && gp_pubkey_eq(m.mint_authority, ka[AUTH].key));
  GP_CHECK(m.freeze_authority == NULL);
  GP_CHECK_EQ(gp_token_mint_read(&ka[SRC], &m), GP_ERR_INVALID_MINT);
  GP_CHECK_EQ(gp_token_mint_read(&ka[AUTH], &m), GP_ERR_INVALID_ACCOUNT_OWNER);
  ka[MINT].data[45] = 0;
  GP_CHECK_EQ(gp_token_mint_read(&ka[MINT], &m), GP_ERR_INVALID_MINT);
  free(buf);
}

GP_TEST(token_cpis_metas_and_pda_signing) {
  SolAccountInfo ka[N];
  SolPubkey prog;
  uint8_t bump;
  uint8_t *buf = token_setup(ka, &prog, &bump);
  SolSignerSeed s[2] = {{(const uint8_t *)"auth", 4}, {&bump, 1}};
  SolSignerSeeds signer = {s, 2};

  GP_CHECK_EQ(gp_token_transfer(&ka[SRC], &ka[DST], &ka[AUTH], 100, &signer), 0);
  const gp_host_cpi_t *r = gp_host_cpi(0);
  GP_CHECK(gp_pubkey_eq(&r->program_id, &GP_TOKEN_PROGRAM_ID));
  GP_CHECK_EQ(r->n_metas, 3);
  GP_CHECK(gp_pubkey_eq(&r->keys[0], ka[SRC].key) && r->is_writable[0] && !r->is_signer[0]);
  GP_CHECK(gp_pubkey_eq(&r->keys[1], ka[DST].key) && r->is_writable[1] && !r->is_signer[1]);
  GP_CHECK(gp_pubkey_eq(&r->keys[2], ka[AUTH].key) && !r->is_writable[2] && r->is_signer[2]);
  GP_CHECK(gp_pubkey_eq(&r->pda_signers[0], ka[AUTH].key));
  gp_token_account_t ta;
  GP_CHECK_EQ(gp_token_account_read(&ka[SRC], &ta), 0); GP_CHECK_EQ(ta.amount, 400);
  GP_CHECK_EQ(gp_token_account_read(&ka[DST], &ta), 0); GP_CHECK_EQ(ta.amount, 107);

  gp_token_transfer_checked_t tc = {&ka[SRC], &ka[MINT], &ka[DST], &ka[AUTH], 50, 6, &signer};
  GP_CHECK_EQ(gp_token_transfer_checked(&tc), 0);
  r = gp_host_cpi(1);
  GP_CHECK_EQ(r->n_metas, 4);
  GP_CHECK(gp_pubkey_eq(&r->keys[1], ka[MINT].key) && !r->is_writable[1] && !r->is_signer[1]);
  GP_CHECK(r->data_len == 10 && r->data[0] == 12 && r->data[9] == 6);
  tc.decimals = 9;
  GP_CHECK_EQ(gp_token_transfer_checked(&tc), GP_HOST_ERR_CPI);

  GP_CHECK_EQ(gp_token_mint_to(&ka[MINT], &ka[DST], &ka[AUTH], 1000, &signer), 0);
  gp_token_mint_t m;
  GP_CHECK_EQ(gp_token_mint_read(&ka[MINT], &m), 0); GP_CHECK_EQ(m.supply, 2000);
  GP_CHECK_EQ(gp_token_burn(&ka[SRC], &ka[MINT], &ka[AUTH], 350, &signer), 0);
  GP_CHECK_EQ(gp_token_mint_read(&ka[MINT], &m), 0); GP_CHECK_EQ(m.supply, 1650);
  GP_CHECK_EQ(gp_token_account_read(&ka[SRC], &ta), 0); GP_CHECK_EQ(ta.amount, 0);
  r = gp_host_cpi(gp_host_cpi_count() - 1);
  GP_CHECK(gp_pubkey_eq(&r->keys[0], ka[SRC].key) && gp_pubkey_eq(&r->keys[1], ka[MINT].key));

  /* without the PDA seeds the authority is not a signer */
  GP_CHECK_EQ(gp_token_transfer(&ka[DST], &ka[SRC], &ka[AUTH], 1, NULL), GP_HOST_ERR_CPI);

  GP_CHECK_EQ(gp_token_initialize_account3(&ka[VAULT], &ka[MINT], ka[AUTH].key), 0);
  r = gp_host_cpi(gp_host_cpi_count() - 1);
  GP_CHECK(r->n_metas == 2 && r->is_writable[0] && !r->is_writable[1] && !r->is_signer[0]);
  GP_CHECK(r->data_len == 33 && r->data[0] == 18);
  GP_CHECK_EQ(gp_token_account_read_mint(&ka[VAULT], ka[MINT].key, &ta), 0);
  GP_CHECK(gp_pubkey_eq(ta.owner, ka[AUTH].key));

  uint64_t before = *ka[DST].lamports;
  GP_CHECK_EQ(gp_token_close_account(&ka[SRC], &ka[DST], &ka[AUTH], &signer), 0);
  GP_CHECK_EQ(ka[SRC].data_len, 165); /* our copy: the runtime updated the buffer */
  GP_CHECK_EQ(gp_load_u64(ka[SRC].data - 8), 0);
  GP_CHECK_EQ(*ka[DST].lamports, before + 0);

  gp_host_set_cpi_handler(NULL); /* record only */
  GP_CHECK_EQ(gp_token_set_authority(&ka[MINT], &ka[AUTH], GP_TOKEN_AUTH_MINT_TOKENS, NULL, &signer), 0);
  r = gp_host_cpi(gp_host_cpi_count() - 1);
  GP_CHECK(r->data_len == 3 && r->data[0] == 6 && r->n_metas == 2 && r->is_signer[1]);
  free(buf);
}
