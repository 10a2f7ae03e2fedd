#include "escrow.h"

/* The owner collects everything its record holds to a token account of the mint it owns;
   the record closes and its rent goes back to whoever paid it. Works while paused. */
uint64_t escrow_collect_unclaimed(const SolParameters *p) {
  GP_TRY(escrow_check_collect_unclaimed_accounts(p));
  SolAccountInfo *record = &p->ka[ESCROW_COLLECT_UNCLAIMED_UNCLAIMED];
  const SolAccountInfo *vault = &p->ka[ESCROW_COLLECT_UNCLAIMED_UNCLAIMED_VAULT];
  const SolAccountInfo *owner = &p->ka[ESCROW_COLLECT_UNCLAIMED_OWNER];
  const SolAccountInfo *owner_token = &p->ka[ESCROW_COLLECT_UNCLAIMED_OWNER_TOKEN];
  const SolAccountInfo *payer = &p->ka[ESCROW_COLLECT_UNCLAIMED_PAYER];
  escrow_unclaimed_t *r;
  GP_TRY(escrow_load_unclaimed(record, p->program_id, &r));
  if (!gp_pubkey_eq(owner->key, &r->owner)) return ESCROW_ERR_NOT_UNCLAIMED_OWNER;
  if (!gp_pubkey_eq(vault->key, &r->vault)) return ESCROW_ERR_INVALID_PDA;
  if (!gp_pubkey_eq(payer->key, &r->payer)) return ESCROW_ERR_WRONG_RENT_PAYER;
  gp_token_account_t t;
  GP_TRY(gp_token_account_read_mint(owner_token, &r->mint, &t));
  if (!gp_pubkey_eq(t.owner, owner->key)) return ESCROW_ERR_WRONG_TOKEN_ACCOUNT;

  escrow_unclaimed_collected_t ev = {.discriminator = ESCROW_UNCLAIMED_COLLECTED_DISCRIMINATOR, .amount = r->amount};
  gp_pubkey_copy(&ev.owner, owner->key);
  gp_pubkey_copy(&ev.mint, &r->mint);
  gp_pubkey_copy(&ev.owner_token, owner_token->key);
  SolSignerSeed seeds[3];
  escrow_unclaimed_vault_seeds(&r->mint, &r->vault_bump, seeds);
  SolSignerSeeds signer = {seeds, 3};
  if (r->amount) GP_TRY(gp_token_transfer(vault, owner_token, vault, r->amount, &signer));
  GP_TRY(gp_account_close(record, payer));
  GP_EMIT_EVENT(&ev);
  return 0;
}
