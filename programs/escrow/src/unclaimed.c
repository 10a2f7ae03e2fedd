#include "escrow.h"

/* Pay that a device owner's payout account cannot take waits in the unclaimed vault of the
   mint (["unclaimed_vault", mint], a token account owned by itself), counted in the owner's
   Unclaimed record (["unclaimed", owner, mint]). Both are made once, at their canonical
   addresses (the bump search runs only then), by the settle that first needs them; the
   settler pays their rent and gets the record's back when the owner collects (the vault
   stays). One record per owner and mint, not per payment: a provider cannot farm rent by
   closing its account after each payout. */

void escrow_unclaimed_vault_seeds(const SolPubkey *mint, const uint8_t *bump, SolSignerSeed seeds[3]) {
  seeds[0] = (SolSignerSeed){(const uint8_t *)ESCROW_SEED_UNCLAIMED_VAULT, ESCROW_SEED_UNCLAIMED_VAULT_LEN};
  seeds[1] = (SolSignerSeed){mint->x, SOL_PUBKEY_SIZE};
  seeds[2] = (SolSignerSeed){bump, 1};
}

/* Creates the owner's record, and the mint's vault unless it exists. */
static uint64_t open_record(const escrow_unclaimed_to_t *u, const SolPubkey *owner, escrow_unclaimed_t **out) {
  uint8_t bump, vault_bump;
  SolSignerSeed seeds[4] = {{(const uint8_t *)ESCROW_SEED_UNCLAIMED, ESCROW_SEED_UNCLAIMED_LEN},
                            {owner->x, SOL_PUBKEY_SIZE},
                            {u->mint->key->x, SOL_PUBKEY_SIZE},
                            {&bump, 1}};
  GP_TRY(gp_check_canonical_pda(u->record, seeds, 3, u->program_id, &bump));
  SolSignerSeed vseeds[3];
  escrow_unclaimed_vault_seeds(u->mint->key, &vault_bump, vseeds);
  GP_TRY(gp_check_canonical_pda(u->vault, vseeds, 2, u->program_id, &vault_bump));
  if (gp_check_uninitialized(u->vault) == 0) {
    SolSignerSeeds vsigner = {vseeds, 3};
    GP_TRY(gp_token_account_create_pda(u->payer, u->vault, u->mint, u->vault->key, &vsigner));
  }
  SolSignerSeeds signer = {seeds, 4};
  gp_create_pda_t create = {u->payer, u->record, u->program_id, &signer, ESCROW_UNCLAIMED_SIZE};
  GP_TRY(gp_account_create_pda(&create));
  escrow_unclaimed_t *r = (escrow_unclaimed_t *)(void *)u->record->data;
  r->discriminator = ESCROW_UNCLAIMED_DISCRIMINATOR;
  gp_pubkey_copy(&r->owner, owner);
  gp_pubkey_copy(&r->mint, u->mint->key);
  gp_pubkey_copy(&r->vault, u->vault->key);
  gp_pubkey_copy(&r->payer, u->payer->key);
  r->bump = bump;
  r->vault_bump = vault_bump;
  r->version = ESCROW_LAYOUT_VERSION;
  *out = r;
  return 0;
}

uint64_t escrow_load_unclaimed(const SolAccountInfo *account, const SolPubkey *program_id, escrow_unclaimed_t **out) {
  GP_TRY(gp_check_program_account(account, program_id, ESCROW_UNCLAIMED_DISCRIMINATOR, ESCROW_UNCLAIMED_SIZE));
  *out = (escrow_unclaimed_t *)(void *)account->data;
  return 0;
}

uint64_t escrow_unclaimed_credit(const escrow_unclaimed_to_t *u, const SolPubkey *owner, uint64_t amount) {
  escrow_unclaimed_t *r;
  if (gp_pubkey_eq(u->record->owner, u->program_id)) {
    GP_TRY(escrow_load_unclaimed(u->record, u->program_id, &r));
    /* Only open_record writes a record, at the address of its owner and mint. */
    if (!gp_pubkey_eq(&r->owner, owner) || !gp_pubkey_eq(&r->mint, u->mint->key)) return ESCROW_ERR_INVALID_PDA;
    if (!gp_pubkey_eq(u->vault->key, &r->vault)) return ESCROW_ERR_INVALID_PDA;
  } else {
    GP_TRY(open_record(u, owner, &r));
  }
  GP_TRY(gp_add_u64(r->amount, amount, &r->amount));
  return gp_token_transfer(u->from, u->vault, u->authority, amount, u->signer);
}
