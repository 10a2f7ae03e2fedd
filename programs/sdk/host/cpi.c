/* cpi.c: host sol_invoke_signed_c. Checks what Agave checks before running a
   callee (each meta's account is among the infos; no writable or signer
   privilege the caller lacks, PDA signers derived from the seeds with the
   caller's program id), records the call, then hands it to the handler. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp_host.h"
#include "host_internal.h"

static gp_host_cpi_t g_cpis[GP_HOST_CPI_MAX];
static uint64_t g_ncpis;
static gp_host_cpi_handler_t g_handler = gp_host_cpi_simulate;

void gp_host_cpi_reset_(void);
void gp_host_cpi_reset_(void) {
  g_ncpis = 0;
  g_handler = gp_host_cpi_simulate;
}
uint64_t gp_host_cpi_count(void) { return g_ncpis; }
const gp_host_cpi_t *gp_host_cpi(uint64_t i) { return i < g_ncpis ? &g_cpis[i] : NULL; }
void gp_host_set_cpi_handler(gp_host_cpi_handler_t fn) { g_handler = fn; }

static const SolAccountInfo *find(const SolAccountInfo *infos, uint64_t n, const SolPubkey *k) {
  for (uint64_t i = 0; i < n; i++)
    if (memcmp(infos[i].key->x, k->x, 32) == 0) return &infos[i];
  return NULL;
}

uint64_t sol_invoke_signed_c(const SolInstruction *ix, const SolAccountInfo *infos,
                             uint64_t infos_len, const SolSignerSeeds *signers,
                             uint64_t signers_len) {
  if (g_ncpis >= GP_HOST_CPI_MAX || ix->account_len > GP_HOST_CPI_MAX_METAS ||
      ix->data_len > GP_HOST_CPI_MAX_DATA || signers_len > GP_HOST_CPI_MAX_SIGNERS) {
    fprintf(stderr, "gp_host: CPI exceeds the shim's recording limits\n");
    abort();
  }
  gp_host_cpi_t *r = &g_cpis[g_ncpis++];
  memset(r, 0, sizeof *r);
  r->program_id = *ix->program_id;
  r->n_metas = ix->account_len;
  r->data_len = ix->data_len;
  if (ix->data_len) memcpy(r->data, ix->data, ix->data_len);
  for (uint64_t i = 0; i < signers_len; i++) {
    if (gp_host_derive_pda(signers[i].addr, signers[i].len, gp_host_program_id(), &r->pda_signers[i]))
      return r->result = GP_HOST_ERR_CPI; /* the runtime aborts: bad signer seeds */
    r->n_pda_signers++;
  }
  for (uint64_t i = 0; i < ix->account_len; i++) {
    const SolAccountMeta *m = &ix->accounts[i];
    r->keys[i] = *m->pubkey;
    r->is_writable[i] = m->is_writable;
    r->is_signer[i] = m->is_signer;
  }
  for (uint64_t i = 0; i < ix->account_len; i++) {
    const SolAccountMeta *m = &ix->accounts[i];
    const SolAccountInfo *a = find(infos, infos_len, m->pubkey);
    if (!a) return r->result = GP_HOST_ERR_CPI; /* MissingAccount */
    if (m->is_writable && !a->is_writable) return r->result = GP_HOST_ERR_CPI;
    if (m->is_signer && !a->is_signer) {
      int ok = 0;
      for (uint64_t s = 0; s < r->n_pda_signers; s++)
        if (memcmp(r->pda_signers[s].x, m->pubkey->x, 32) == 0) ok = 1;
      if (!ok) return r->result = GP_HOST_ERR_CPI; /* privilege escalation */
    }
  }
  r->result = g_handler ? g_handler(ix, infos, infos_len) : 0;
  return r->result;
}

/* ---- simulator ---- */

static SolAccountInfo *acct(const SolInstruction *ix, const SolAccountInfo *infos, uint64_t n,
                            uint64_t i) {
  if (i >= ix->account_len) return NULL;
  return (SolAccountInfo *)find(infos, n, ix->accounts[i].pubkey);
}

/* Resize in the input buffer: serialized length before the data; capacity is
   the original length gp_host_input_new stored in the 4 padding bytes + 10 KiB. */
static uint64_t resize(SolAccountInfo *a, uint64_t len) {
  uint32_t orig;
  memcpy(&orig, (const uint8_t *)a->key - 4, 4);
  if (len > (uint64_t)orig + GP_MAX_PERMITTED_DATA_INCREASE) return GP_HOST_ERR_CPI;
  uint64_t cur = *(uint64_t *)(void *)(a->data - 8);
  if (len > cur) memset(a->data + cur, 0, len - cur);
  *(uint64_t *)(void *)(a->data - 8) = len;
  a->data_len = len;
  return 0;
}

static uint64_t move_lamports(SolAccountInfo *from, SolAccountInfo *to, uint64_t l) {
  if (*from->lamports < l || *to->lamports + l < *to->lamports) return GP_HOST_ERR_CPI;
  *from->lamports -= l;
  *to->lamports += l;
  return 0;
}

static uint64_t sim_system(const SolInstruction *ix, const SolAccountInfo *infos, uint64_t n) {
  const uint8_t *d = ix->data;
  if (ix->data_len < 4) return GP_HOST_ERR_CPI;
  uint32_t tag = gp_load_u32(d);
  SolAccountInfo *a0 = acct(ix, infos, n, 0), *a1 = acct(ix, infos, n, 1);
  switch (tag) {
  case GP_SYSTEM_IX_CREATE_ACCOUNT:
    if (ix->data_len != 52 || !a0 || !a1) return GP_HOST_ERR_CPI;
    if (*a1->lamports || a1->data_len || !gp_pubkey_is_zero(a1->owner)) return GP_HOST_ERR_CPI;
    GP_TRY(move_lamports(a0, a1, gp_load_u64(d + 4)));
    GP_TRY(resize(a1, gp_load_u64(d + 12)));
    memcpy(a1->owner->x, d + 20, 32);
    return 0;
  case GP_SYSTEM_IX_TRANSFER:
    if (ix->data_len != 12 || !a0 || !a1) return GP_HOST_ERR_CPI;
    if (a0->data_len || !gp_pubkey_is_zero(a0->owner)) return GP_HOST_ERR_CPI;
    return move_lamports(a0, a1, gp_load_u64(d + 4));
  case GP_SYSTEM_IX_ALLOCATE:
    if (ix->data_len != 12 || !a0) return GP_HOST_ERR_CPI;
    if (a0->data_len || !gp_pubkey_is_zero(a0->owner)) return GP_HOST_ERR_CPI;
    return resize(a0, gp_load_u64(d + 4));
  case GP_SYSTEM_IX_ASSIGN:
    if (ix->data_len != 36 || !a0 || !gp_pubkey_is_zero(a0->owner)) return GP_HOST_ERR_CPI;
    memcpy(a0->owner->x, d + 4, 32);
    return 0;
  default:
    return GP_HOST_ERR_CPI;
  }
}

static int is_token_acct(const SolAccountInfo *a) {
  return a && a->data_len == GP_TOKEN_ACCOUNT_LEN && a->data[108] != 0 &&
         gp_pubkey_eq(a->owner, &GP_TOKEN_PROGRAM_ID);
}
static int is_mint(const SolAccountInfo *a) {
  return a && a->data_len == GP_TOKEN_MINT_LEN && a->data[45] == 1 &&
         gp_pubkey_eq(a->owner, &GP_TOKEN_PROGRAM_ID);
}
static uint64_t add_amount(uint8_t *p, uint64_t v, int sub) {
  uint64_t cur = gp_load_u64(p), r;
  GP_TRY(sub ? gp_sub_u64(cur, v, &r) : gp_add_u64(cur, v, &r));
  gp_store_u64(p, r);
  return 0;
}
/* Owner (or mint authority) check: the authority account signed and matches. */
static int authorized(const SolPubkey *expected, const SolAccountInfo *auth) {
  return auth && gp_pubkey_eq(expected, auth->key);
}

static uint64_t sim_token(const SolInstruction *ix, const SolAccountInfo *infos, uint64_t n) {
  const uint8_t *d = ix->data;
  if (ix->data_len < 1) return GP_HOST_ERR_CPI;
  SolAccountInfo *a0 = acct(ix, infos, n, 0), *a1 = acct(ix, infos, n, 1),
                 *a2 = acct(ix, infos, n, 2), *a3 = acct(ix, infos, n, 3);
  switch (d[0]) {
  case GP_TOKEN_IX_TRANSFER:
  case GP_TOKEN_IX_TRANSFER_CHECKED: {
    int checked = d[0] == GP_TOKEN_IX_TRANSFER_CHECKED;
    SolAccountInfo *src = a0, *dst = checked ? a2 : a1, *auth = checked ? a3 : a2;
    if (ix->data_len != (checked ? 10u : 9u) || !is_token_acct(src) || !is_token_acct(dst))
      return GP_HOST_ERR_CPI;
    if (memcmp(src->data, dst->data, 32) || !authorized((const SolPubkey *)(void *)(src->data + 32), auth))
      return GP_HOST_ERR_CPI;
    if (checked && (!is_mint(a1) || memcmp(a1->key->x, src->data, 32) || a1->data[44] != d[9]))
      return GP_HOST_ERR_CPI;
    uint64_t amt = gp_load_u64(d + 1);
    GP_TRY(add_amount(src->data + 64, amt, 1));
    return add_amount(dst->data + 64, amt, 0);
  }
  case GP_TOKEN_IX_MINT_TO:
  case GP_TOKEN_IX_BURN: {
    int burn = d[0] == GP_TOKEN_IX_BURN;
    SolAccountInfo *mint = burn ? a1 : a0, *ta = burn ? a0 : a1;
    if (ix->data_len != 9 || !is_mint(mint) || !is_token_acct(ta) || memcmp(ta->data, mint->key->x, 32))
      return GP_HOST_ERR_CPI;
    const SolPubkey *need = burn ? (const SolPubkey *)(void *)(ta->data + 32)
                                 : (gp_load_u32(mint->data) ? (const SolPubkey *)(void *)(mint->data + 4) : NULL);
    if (!need || !authorized(need, a2)) return GP_HOST_ERR_CPI;
    uint64_t amt = gp_load_u64(d + 1);
    GP_TRY(add_amount(ta->data + 64, amt, burn));
    return add_amount(mint->data + 36, amt, burn);
  }
  case GP_TOKEN_IX_INITIALIZE_ACCOUNT3:
    if (ix->data_len != 33 || !a0 || !is_mint(a1) || a0->data_len != GP_TOKEN_ACCOUNT_LEN ||
        a0->data[108] != 0 || !gp_pubkey_eq(a0->owner, &GP_TOKEN_PROGRAM_ID))
      return GP_HOST_ERR_CPI;
    memcpy(a0->data, a1->key->x, 32);
    memcpy(a0->data + 32, d + 1, 32);
    a0->data[108] = GP_TOKEN_STATE_INITIALIZED;
    return 0;
  case GP_TOKEN_IX_CLOSE_ACCOUNT:
    if (!is_token_acct(a0) || !a1 || gp_load_u64(a0->data + 64) != 0 ||
        !authorized((const SolPubkey *)(void *)(a0->data + 32), a2))
      return GP_HOST_ERR_CPI;
    GP_TRY(move_lamports(a0, a1, *a0->lamports));
    memset(a0->data, 0, a0->data_len);
    GP_TRY(resize(a0, 0));
    memset(a0->owner->x, 0, 32);
    return 0;
  default:
    return GP_HOST_ERR_CPI; /* SetAuthority etc.: record-only tests set a NULL handler */
  }
}

uint64_t gp_host_cpi_simulate(const SolInstruction *ix, const SolAccountInfo *infos,
                              uint64_t infos_len) {
  if (gp_pubkey_eq(ix->program_id, &GP_SYSTEM_PROGRAM_ID)) return sim_system(ix, infos, infos_len);
  if (gp_pubkey_eq(ix->program_id, &GP_TOKEN_PROGRAM_ID)) return sim_token(ix, infos, infos_len);
  return GP_HOST_ERR_CPI;
}
