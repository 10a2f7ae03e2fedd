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

/* The admin reverses a pending slash within its appeal window (also while the registry is
   paused): the escrow's whole balance goes back to the vault as stake, the escrow token account
   is closed (its rent to the record's payer) and the device's slash no longer counts. The record
   stays, marked Reversed, so the same evidence can never be used again; its rent stays with it.
   The whole escrow balance moves (not just record.amount): anyone can send tokens to the escrow,
   and a balance above the amount must neither block the closing nor break
   vault balance == stake + pending_unstake. */
uint64_t registry_resolve_appeal(const SolParameters *p) {
  GP_TRY(registry_check_resolve_appeal_accounts(p));
  SolAccountInfo *device = &p->ka[REGISTRY_RESOLVE_APPEAL_DEVICE];
  const SolAccountInfo *vault = &p->ka[REGISTRY_RESOLVE_APPEAL_VAULT];
  const SolAccountInfo *record_acc = &p->ka[REGISTRY_RESOLVE_APPEAL_SLASH_RECORD];
  const SolAccountInfo *escrow = &p->ka[REGISTRY_RESOLVE_APPEAL_SLASH_ESCROW];
  const SolAccountInfo *payer = &p->ka[REGISTRY_RESOLVE_APPEAL_PAYER];
  registry_config_t *config;
  GP_TRY(registry_load_config(&p->ka[REGISTRY_RESOLVE_APPEAL_CONFIG], p->program_id, &config));
  GP_TRY(registry_check_admin(config, &p->ka[REGISTRY_RESOLVE_APPEAL_ADMIN]));
  registry_device_t *d;
  GP_TRY(registry_load_device(device, p->program_id, &d));
  registry_slash_record_t *r;
  GP_TRY(load_pending_record(record_acc, device, p->program_id, &r));
  int64_t now;
  GP_TRY(registry_now(&now));
  if (now >= r->appeal_deadline) return REGISTRY_ERR_APPEAL_WINDOW_CLOSED;
  SolSignerSeed escrow_seeds[3] = {{(const uint8_t *)REGISTRY_SEED_SLASH_ESCROW, REGISTRY_SEED_SLASH_ESCROW_LEN},
                                   {record_acc->key->x, SOL_PUBKEY_SIZE},
                                   {&r->escrow_bump, 1}};
  GP_TRY(gp_check_pda(escrow, escrow_seeds, 3, p->program_id));
  gp_token_account_t held;
  GP_TRY(gp_token_account_read_mint(escrow, &config->io_mint, &held));
  GP_TRY(registry_check_vault(vault, device, d, config, p->program_id));
  if (!gp_pubkey_eq(payer->key, &r->payer)) return REGISTRY_ERR_WRONG_OWNER;

  GP_TRY(gp_add_u64(d->stake, held.amount, &d->stake));
  if (d->pending_slashes == 0 || d->slash_count == 0) return REGISTRY_ERR_ARITHMETIC_OVERFLOW;
  d->pending_slashes--;
  d->slash_count--; /* a reversed slash does not count against the reputation */
  r->status = REGISTRY_SLASH_REVERSED;

  SolSignerSeeds escrow_signer = {escrow_seeds, 3};
  if (held.amount) GP_TRY(gp_token_transfer(escrow, vault, escrow, held.amount, &escrow_signer));
  GP_TRY(gp_token_close_account(escrow, payer, escrow, &escrow_signer));

  d->reputation = registry_reputation(d);
  GP_TRY(registry_refresh_status(d, device->key, &config->params));

  registry_slash_reversed_t ev = {.discriminator = REGISTRY_SLASH_REVERSED_DISCRIMINATOR, .amount = held.amount};
  gp_pubkey_copy(&ev.device, device->key);
  gp_pubkey_copy(&ev.slash_record, record_acc->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
