#include "registry.h"

/* After the appeal window anyone finalizes a pending slash, also while the registry is paused
   (a pause must not stretch a suspension past its appeal window): of the escrow's balance, the
   record's burn_bps is burned and its treasury_bps goes to the treasury (both rounded down, both
   fixed when the slash was made), the remainder compensates, so rounding loses nothing: a
   record with a beneficiary (the renter of the job the device abandoned, see slash.c) pays it
   into the `compensation` account, which must then be an IO token account the beneficiary owns
   (any of its IO accounts: anyone can create its associated one, so nobody can block this;
   WrongOwner / InvalidMint otherwise); a record without one pays the configured compensation
   pool there; the escrow token account is closed (its rent to the record's payer). The device's
   proven uptime is reset here, not at the slash (a pending slash already suspends it), so it
   serves its probation again and an appeal of another slash has nothing of this one to undo.
   The record stays, marked Finalized, so the same evidence can never be used again. The whole
   escrow balance is split (see resolve_appeal.c: tokens sent to the escrow must not block the
   closing). */
uint64_t registry_finalize_slash(const SolParameters *p) {
  GP_TRY(registry_check_finalize_slash_accounts(p));
  SolAccountInfo *device = &p->ka[REGISTRY_FINALIZE_SLASH_DEVICE];
  const SolAccountInfo *io_mint = &p->ka[REGISTRY_FINALIZE_SLASH_IO_MINT];
  const SolAccountInfo *treasury = &p->ka[REGISTRY_FINALIZE_SLASH_TREASURY];
  const SolAccountInfo *compensation = &p->ka[REGISTRY_FINALIZE_SLASH_COMPENSATION];
  const SolAccountInfo *payer = &p->ka[REGISTRY_FINALIZE_SLASH_PAYER];
  registry_config_t *config;
  GP_TRY(registry_load_config(&p->ka[REGISTRY_FINALIZE_SLASH_CONFIG], p->program_id, &config));
  const registry_config_params_t *params = &config->params;
  registry_device_t *d;
  GP_TRY(registry_load_device(device, p->program_id, &d));
  registry_pending_slash_t s = {.record = &p->ka[REGISTRY_FINALIZE_SLASH_SLASH_RECORD],
                                .escrow = &p->ka[REGISTRY_FINALIZE_SLASH_SLASH_ESCROW],
                                .device = device};
  GP_TRY(registry_load_pending_slash(&s, config, p->program_id));
  registry_slash_record_t *r = s.r;
  int64_t now;
  GP_TRY(gp_unix_now(&now));
  if (now < r->appeal_deadline) return REGISTRY_ERR_APPEAL_WINDOW_OPEN;
  if (!gp_pubkey_eq(io_mint->key, &config->io_mint)) return REGISTRY_ERR_INVALID_MINT;
  if (!gp_pubkey_eq(treasury->key, &params->treasury)) return REGISTRY_ERR_WRONG_OWNER;
  const int to_beneficiary = !gp_pubkey_is_zero(&r->beneficiary);
  if (!to_beneficiary && !gp_pubkey_eq(compensation->key, &params->compensation_pool)) return REGISTRY_ERR_WRONG_OWNER;
  gp_token_account_t t;
  GP_TRY(gp_token_account_read_mint(treasury, &config->io_mint, &t));
  GP_TRY(gp_token_account_read_mint(compensation, &config->io_mint, &t));
  if (to_beneficiary && !gp_pubkey_eq(t.owner, &r->beneficiary)) return REGISTRY_ERR_WRONG_OWNER;
  if (!gp_pubkey_eq(payer->key, &r->payer)) return REGISTRY_ERR_WRONG_OWNER;

  uint64_t burned, to_treasury, to_compensation;
  GP_TRY(gp_mul_div_u64(s.held.amount, r->burn_bps, REGISTRY_BPS, &burned));
  GP_TRY(gp_mul_div_u64(s.held.amount, r->treasury_bps, REGISTRY_BPS, &to_treasury));
  GP_TRY(gp_sub_u64(s.held.amount, burned, &to_compensation));
  GP_TRY(gp_sub_u64(to_compensation, to_treasury, &to_compensation));
  if (d->pending_slashes == 0) return REGISTRY_ERR_ARITHMETIC_OVERFLOW;
  d->pending_slashes--;
  d->pending_offences &= (uint8_t)~(1u << r->offence);
  d->proven_uptime_secs = 0; /* it serves its probation again */
  d->reputation = registry_reputation(d);
  r->status = REGISTRY_SLASH_STATUS_FINALIZED;

  if (burned) GP_TRY(gp_token_burn(s.escrow, io_mint, s.escrow, burned, &s.signer));
  if (to_treasury) GP_TRY(gp_token_transfer(s.escrow, treasury, s.escrow, to_treasury, &s.signer));
  if (to_compensation) GP_TRY(gp_token_transfer(s.escrow, compensation, s.escrow, to_compensation, &s.signer));
  GP_TRY(gp_token_close_account(s.escrow, payer, s.escrow, &s.signer));

  GP_TRY(registry_refresh_status(d, device->key, params));

  registry_slash_finalized_t ev = {.discriminator = REGISTRY_SLASH_FINALIZED_DISCRIMINATOR,
                                   .burned = burned,
                                   .to_treasury = to_treasury,
                                   .to_compensation = to_compensation};
  gp_pubkey_copy(&ev.device, device->key);
  gp_pubkey_copy(&ev.slash_record, s.record->key);
  gp_pubkey_copy(&ev.beneficiary, &r->beneficiary);
  gp_pubkey_copy(&ev.compensation, compensation->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
