#include "registry.h"

/* The device's pending slash record (owner, size, discriminator, PDA
   ["slash", device, evidence_hash, bump] with its stored bump, record.device == device). */
static uint64_t load_pending_record(const SolAccountInfo *record, const SolAccountInfo *device,
                                    const SolPubkey *program_id, registry_slash_record_t **out) {
  GP_TRY(gp_check_program_account(record, program_id, REGISTRY_SLASH_RECORD_DISCRIMINATOR,
                                  REGISTRY_SLASH_RECORD_SIZE));
  registry_slash_record_t *r = (registry_slash_record_t *)(void *)record->data;
  if (!gp_pubkey_eq(&r->device, device->key)) return REGISTRY_ERR_INVALID_PDA;
  SolSignerSeed seeds[4] = {{(const uint8_t *)REGISTRY_SEED_SLASH, REGISTRY_SEED_SLASH_LEN},
                            {device->key->x, SOL_PUBKEY_SIZE},
                            {r->evidence_hash, 32},
                            {&r->bump, 1}};
  GP_TRY(gp_check_pda(record, seeds, 4, program_id));
  if (r->status != REGISTRY_SLASH_PENDING) return REGISTRY_ERR_SLASH_NOT_PENDING;
  *out = r;
  return 0;
}

/* After the appeal window anyone finalizes a pending slash: of the escrow's balance,
   slash_burn_bps is burned and slash_treasury_bps goes to the treasury (both rounded down), the
   remainder to the compensation pool, so rounding loses nothing; the escrow token account is
   closed (its rent to the record's payer). The record stays, marked Finalized, so the same
   evidence can never be used again. The whole escrow balance is split (see resolve_appeal.c:
   tokens sent to the escrow must not block the closing). */
uint64_t registry_finalize_slash(const SolParameters *p) {
  GP_TRY(registry_check_finalize_slash_accounts(p));
  SolAccountInfo *device = &p->ka[REGISTRY_FINALIZE_SLASH_DEVICE];
  const SolAccountInfo *record_acc = &p->ka[REGISTRY_FINALIZE_SLASH_SLASH_RECORD];
  const SolAccountInfo *escrow = &p->ka[REGISTRY_FINALIZE_SLASH_SLASH_ESCROW];
  const SolAccountInfo *io_mint = &p->ka[REGISTRY_FINALIZE_SLASH_IO_MINT];
  const SolAccountInfo *treasury = &p->ka[REGISTRY_FINALIZE_SLASH_TREASURY];
  const SolAccountInfo *pool = &p->ka[REGISTRY_FINALIZE_SLASH_COMPENSATION_POOL];
  const SolAccountInfo *payer = &p->ka[REGISTRY_FINALIZE_SLASH_PAYER];
  registry_config_t *config;
  GP_TRY(registry_load_live_config(&p->ka[REGISTRY_FINALIZE_SLASH_CONFIG], p->program_id, &config));
  const registry_config_params_t *params = &config->params;
  registry_device_t *d;
  GP_TRY(registry_load_device(device, p->program_id, &d));
  registry_slash_record_t *r;
  GP_TRY(load_pending_record(record_acc, device, p->program_id, &r));
  int64_t now;
  GP_TRY(registry_now(&now));
  if (now < r->appeal_deadline) return REGISTRY_ERR_APPEAL_WINDOW_OPEN;
  if (!gp_pubkey_eq(io_mint->key, &config->io_mint)) return REGISTRY_ERR_INVALID_MINT;
  if (!gp_pubkey_eq(treasury->key, &params->treasury) || !gp_pubkey_eq(pool->key, &params->compensation_pool))
    return REGISTRY_ERR_WRONG_OWNER;
  gp_token_account_t t;
  GP_TRY(gp_token_account_read_mint(treasury, &config->io_mint, &t));
  GP_TRY(gp_token_account_read_mint(pool, &config->io_mint, &t));
  SolSignerSeed escrow_seeds[3] = {{(const uint8_t *)REGISTRY_SEED_SLASH_ESCROW, REGISTRY_SEED_SLASH_ESCROW_LEN},
                                   {record_acc->key->x, SOL_PUBKEY_SIZE},
                                   {&r->escrow_bump, 1}};
  GP_TRY(gp_check_pda(escrow, escrow_seeds, 3, p->program_id));
  gp_token_account_t held;
  GP_TRY(gp_token_account_read_mint(escrow, &config->io_mint, &held));
  if (!gp_pubkey_eq(payer->key, &r->payer)) return REGISTRY_ERR_WRONG_OWNER;

  uint64_t burned, to_treasury, to_compensation;
  GP_TRY(gp_mul_div_u64(held.amount, params->slash_burn_bps, REGISTRY_BPS, &burned));
  GP_TRY(gp_mul_div_u64(held.amount, params->slash_treasury_bps, REGISTRY_BPS, &to_treasury));
  GP_TRY(gp_sub_u64(held.amount, burned, &to_compensation));
  GP_TRY(gp_sub_u64(to_compensation, to_treasury, &to_compensation));
  if (d->pending_slashes == 0) return REGISTRY_ERR_ARITHMETIC_OVERFLOW;
  d->pending_slashes--;
  r->status = REGISTRY_SLASH_FINALIZED;

  SolSignerSeeds escrow_signer = {escrow_seeds, 3};
  if (burned) GP_TRY(gp_token_burn(escrow, io_mint, escrow, burned, &escrow_signer));
  if (to_treasury) GP_TRY(gp_token_transfer(escrow, treasury, escrow, to_treasury, &escrow_signer));
  if (to_compensation) GP_TRY(gp_token_transfer(escrow, pool, escrow, to_compensation, &escrow_signer));
  GP_TRY(gp_token_close_account(escrow, payer, escrow, &escrow_signer));

  GP_TRY(registry_refresh_status(d, device->key, params));

  registry_slash_finalized_t ev = {.discriminator = REGISTRY_SLASH_FINALIZED_DISCRIMINATOR,
                                   .burned = burned,
                                   .to_treasury = to_treasury,
                                   .to_compensation = to_compensation};
  gp_pubkey_copy(&ev.device, device->key);
  gp_pubkey_copy(&ev.slash_record, record_acc->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
