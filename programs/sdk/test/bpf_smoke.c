/* bpf_smoke.c: calls every SDK function so the BPF build (programs.mk
   `sdk-bpf-check`) compiles all of it with the on-chain flags and -Werror, and
   can verify the object has no writable sections. Never run; host tests cover
   behaviour. */
#include <gpunet/sdk.h>

typedef struct {
  uint64_t discriminator;
  uint64_t value;
} smoke_event_t;

static uint64_t smoke_process(const SolParameters *p) {
  GP_TRY(gp_check_accounts_len(p, 6));
  SolAccountInfo *ka = p->ka;
  GP_TRY(gp_check_signer(&ka[0]));
  GP_TRY(gp_check_writable(&ka[1]));
  GP_TRY(gp_check_owner(&ka[1], p->program_id));
  GP_TRY(gp_check_key(&ka[2], &GP_TOKEN_PROGRAM_ID, GP_ERR_INVALID_PROGRAM_ID));
  GP_TRY(gp_check_program(&ka[3], &GP_SYSTEM_PROGRAM_ID));
  GP_TRY(gp_check_data(&ka[1], 0x1122334455667788ULL, 48));
  GP_TRY(gp_check_program_account(&ka[1], p->program_id, 0x1122334455667788ULL, 48));
  GP_TRY(gp_check_uninitialized(&ka[4]));
  GP_TRY(gp_check_distinct(&ka[0], &ka[1]));
  static const uint8_t idx[3] = {0, 1, 4};
  GP_TRY(gp_check_distinct_n(ka, idx, 3));
  if (gp_account_discriminator(&ka[1]) == 7) GP_LOG("seven");

  uint8_t bump = ka[1].data[8];
  SolSignerSeed seeds[2] = {{(const uint8_t *)"vault", 5}, {&bump, 1}};
  SolSignerSeeds signer = {seeds, 2};
  GP_TRY(gp_check_pda(&ka[1], seeds, 2, p->program_id));

  uint64_t x, y = gp_load_u64(p->data);
  GP_TRY(gp_add_u64(y, 1, &x));
  GP_TRY(gp_sub_u64(x, 1, &x));
  GP_TRY(gp_mul_u64(x, 3, &x));
  GP_TRY(gp_div_u64(x, 3, &x));
  GP_TRY(gp_mul_div_u64(x, y, 7, &x));
  GP_TRY(gp_mul_div_ceil_u64(x, y, 7, &x));
  x = gp_sat_sub_u64(x, y);
  gp_u128_t a, b, c;
  gp_mul_u64_wide(x, y, &a);
  gp_u128_from_u64(&b, y);
  GP_TRY(gp_u128_add(&c, &a, &b));
  GP_TRY(gp_u128_sub(&c, &c, &b));
  GP_TRY(gp_u128_mul(&c, &c, &b));
  uint64_t rem;
  GP_TRY(gp_u128_divmod_u64(&c, &rem, &c, 9));
  if (gp_u128_cmp(&c, &a) > 0) GP_TRY(gp_u128_to_u64(&c, &x));

  SolClock clock;
  GP_TRY(gp_clock_get(&clock));
  int64_t now;
  GP_TRY(gp_unix_now(&now));
  uint64_t votes[3] = {x, (uint64_t)now, 5};
  x = gp_lower_median_u64(votes, 3);
  gp_vote_rule_t rule = {2, 100};
  gp_votes_t decided;
  if (gp_votes_decide(&rule, votes, 3, true, &decided) == GP_VOTES_DECIDED) x = decided.lo;
  uint64_t *w = (uint64_t *)(void *)(ka[1].data + 8);
  gp_limit_t limit = {&w[0], &w[1], &w[2]};
  GP_TRY(gp_limit_take(&limit, now, 60, 10, x, 77));
  gp_delayed_t delayed = {&w[3], &w[4], (int64_t *)(void *)&w[5], 8};
  GP_TRY(gp_delayed_propose(&delayed, &x, x & 1, now, 60));
  GP_TRY(gp_delayed_due(&delayed, now, 1, 2));
  gp_delayed_apply(&delayed);
  SolRent rent;
  GP_TRY(gp_rent_get(&rent));
  uint64_t min;
  GP_TRY(gp_rent_minimum_balance(&rent, 100, &min));
  GP_TRY(gp_rent_exempt_minimum(165, &min));

  gp_create_pda_t cp = {&ka[0], &ka[4], p->program_id, &signer, 48};
  GP_TRY(gp_account_create_pda(&cp));
  gp_create_account_t ca = {&ka[0], &ka[4], min, 165, &GP_TOKEN_PROGRAM_ID, &signer};
  GP_TRY(gp_system_create_account(&ca));
  GP_TRY(gp_system_transfer(&ka[0], &ka[1], x, NULL));
  GP_TRY(gp_system_allocate(&ka[4], 10, &signer));
  GP_TRY(gp_system_assign(&ka[4], p->program_id, &signer));

  GP_TRY(gp_token_transfer(&ka[1], &ka[4], &ka[0], 5, &signer));
  gp_token_transfer_checked_t tc = {&ka[1], &ka[2], &ka[4], &ka[0], 5, 6, NULL};
  GP_TRY(gp_token_transfer_checked(&tc));
  GP_TRY(gp_token_mint_to(&ka[2], &ka[4], &ka[0], 5, &signer));
  GP_TRY(gp_token_burn(&ka[4], &ka[2], &ka[0], 5, NULL));
  GP_TRY(gp_token_initialize_account3(&ka[4], &ka[2], ka[0].key));
  GP_TRY(gp_token_account_create_pda(&ka[0], &ka[4], &ka[2], ka[0].key, &signer));
  GP_TRY(gp_token_set_authority(&ka[2], &ka[0], GP_TOKEN_AUTH_MINT_TOKENS, NULL, &signer));
  GP_TRY(gp_token_close_account(&ka[4], &ka[0], &ka[1], &signer));
  gp_token_account_t ta;
  GP_TRY(gp_token_account_read(&ka[4], &ta));
  GP_TRY(gp_token_account_read_mint(&ka[4], ka[2].key, &ta));
  gp_token_mint_t tm;
  GP_TRY(gp_token_mint_read(&ka[2], &tm));

  smoke_event_t ev = {0x0102030405060708ULL, ta.amount + tm.supply + clock.slot};
  GP_EMIT_EVENT(&ev);
  GP_LOG_64(1, 2, 3, 4, x);
  GP_LOG_PUBKEY(ka[0].key);
  GP_LOG_N((const char *)p->data, p->data_len);
  GP_LOG_CU();
  uint8_t buf[32];
  gp_memcpy(buf, p->data, 32);
  gp_memset(buf, 0, 8);
  if (!gp_memeq(buf, p->data, 32)) GP_LOG("differs");
  if (gp_pubkey_is_zero(ka[3].key)) gp_pubkey_copy((SolPubkey *)(void *)buf, ka[0].key);
  sol_set_return_data(buf, sizeof buf);
  if (x == 99) GP_PANIC();
  return gp_account_close(&ka[1], &ka[0]);
}

static void smoke_log_error(uint64_t err) {
  if (err == GP_ERR_MISSING_SIGNER) GP_LOG("missing signer");
}

GP_ENTRYPOINT(smoke_process, smoke_log_error)
