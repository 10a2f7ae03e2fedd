#include "registry.h"

/* The admin reverses a pending slash within its appeal window (also while the registry is
   paused): the escrow's whole balance goes back to the vault as stake, the escrow token account
   is closed (its rent to the record's payer), and the slash no longer counts or suspends. It
   restores only what its own slash took: its escrow and its own count and pending offence; the
   proven uptime was never taken (finalize_slash resets it), so a later finalized slash's reset
   stays. The record stays, marked Reversed, so the same evidence can never be used again; its
   rent stays with it.
   The whole escrow balance moves (not just record.amount): anyone can send tokens to the escrow,
   and a balance above the amount must neither block the closing nor break
   vault balance == stake + pending_unstake. */
uint64_t registry_resolve_appeal(const SolParameters *p) {
  GP_TRY(registry_check_resolve_appeal_accounts(p));
  SolAccountInfo *device = &p->ka[REGISTRY_RESOLVE_APPEAL_DEVICE];
  const SolAccountInfo *vault = &p->ka[REGISTRY_RESOLVE_APPEAL_VAULT];
  const SolAccountInfo *payer = &p->ka[REGISTRY_RESOLVE_APPEAL_PAYER];
  registry_config_t *config;
  GP_TRY(registry_load_config(&p->ka[REGISTRY_RESOLVE_APPEAL_CONFIG], p->program_id, &config));
  GP_TRY(registry_check_admin(config, &p->ka[REGISTRY_RESOLVE_APPEAL_ADMIN]));
  registry_device_t *d;
  GP_TRY(registry_load_device(device, p->program_id, &d));
  registry_provider_t *provider;
  GP_TRY(registry_load_provider(&p->ka[REGISTRY_RESOLVE_APPEAL_PROVIDER], p->program_id, &d->owner, &provider));
  registry_pending_slash_t s = {.record = &p->ka[REGISTRY_RESOLVE_APPEAL_SLASH_RECORD],
                                .escrow = &p->ka[REGISTRY_RESOLVE_APPEAL_SLASH_ESCROW],
                                .device = device};
  GP_TRY(registry_load_pending_slash(&s, config, p->program_id));
  registry_slash_record_t *r = s.r;
  int64_t now;
  GP_TRY(gp_unix_now(&now));
  if (now >= r->appeal_deadline) return REGISTRY_ERR_APPEAL_WINDOW_CLOSED;
  GP_TRY(registry_check_vault(vault, d, config));
  if (!gp_pubkey_eq(payer->key, &r->payer)) return REGISTRY_ERR_WRONG_OWNER;

  GP_TRY(gp_add_u64(d->stake, s.held.amount, &d->stake));
  GP_TRY(gp_add_u64(provider->total_stake, s.held.amount, &provider->total_stake));
  if (d->pending_slashes == 0 || d->slash_count == 0) return REGISTRY_ERR_ARITHMETIC_OVERFLOW;
  d->pending_slashes--;
  d->slash_count--; /* a reversed slash does not count against the reputation */
  d->pending_offences &= (uint8_t)~(1u << r->offence);
  r->status = REGISTRY_SLASH_STATUS_REVERSED;

  if (s.held.amount) GP_TRY(gp_token_transfer(s.escrow, vault, s.escrow, s.held.amount, &s.signer));
  GP_TRY(gp_token_close_account(s.escrow, payer, s.escrow, &s.signer));

  d->reputation = registry_reputation(d);
  GP_TRY(registry_refresh_status(d, device->key, &config->params));

  registry_slash_reversed_t ev = {.discriminator = REGISTRY_SLASH_REVERSED_DISCRIMINATOR, .amount = s.held.amount};
  gp_pubkey_copy(&ev.device, device->key);
  gp_pubkey_copy(&ev.slash_record, s.record->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
