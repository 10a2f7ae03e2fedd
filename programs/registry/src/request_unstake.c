#include "registry.h"

/* now + secs, refusing a signed overflow. */
static uint64_t add_secs(int64_t now, int64_t secs, int64_t *out) {
  if ((secs > 0 && now > INT64_MAX - secs) || (secs < 0 && now < INT64_MIN - secs))
    return REGISTRY_ERR_ARITHMETIC_OVERFLOW;
  *out = now + secs;
  return 0;
}

/* Moves `amount` of a device's stake into its unstake ticket ["ticket", device], created on
   the first request (rent paid by the owner). Adding to an existing ticket restarts its
   cooldown. The unlock time is fixed here: a later change of the cooldown does not move it. The
   tokens stay in the vault until withdraw_unstaked, so the vault always holds
   stake + pending_unstake. Works while the registry is paused: leaving never waits. */
uint64_t registry_request_unstake(const SolParameters *p) {
  GP_TRY(registry_check_request_unstake_accounts(p));
  const SolAccountInfo *provider_acc = &p->ka[REGISTRY_REQUEST_UNSTAKE_PROVIDER];
  const SolAccountInfo *device = &p->ka[REGISTRY_REQUEST_UNSTAKE_DEVICE];
  SolAccountInfo *ticket = &p->ka[REGISTRY_REQUEST_UNSTAKE_TICKET];
  const SolAccountInfo *owner = &p->ka[REGISTRY_REQUEST_UNSTAKE_OWNER];
  registry_config_t *config;
  GP_TRY(registry_load_config(&p->ka[REGISTRY_REQUEST_UNSTAKE_CONFIG], p->program_id, &config));
  registry_owned_t owned;
  GP_TRY(registry_load_provider_device(provider_acc, device, p->program_id, owner->key, &owned));
  registry_provider_t *provider = owned.provider;
  registry_device_t *d = owned.device;
  if (d->status == REGISTRY_STATUS_DEREGISTERED) return REGISTRY_ERR_DEVICE_DEREGISTERED;
  if (d->pending_slashes > 0) return REGISTRY_ERR_DEVICE_SUSPENDED;
  if (!gp_pubkey_is_zero(&d->current_job)) return REGISTRY_ERR_DEVICE_HIRED;

  /* An account this program owns at the ticket slot must be the device's ticket; anything
     else must be the canonical ticket PDA, still to be created. */
  registry_unstake_ticket_t *t = NULL;
  uint8_t bump = 0;
  SolSignerSeed seeds[3] = {{(const uint8_t *)REGISTRY_SEED_TICKET, REGISTRY_SEED_TICKET_LEN},
                            {device->key->x, SOL_PUBKEY_SIZE},
                            {&bump, 1}};
  if (gp_pubkey_eq(ticket->owner, p->program_id)) {
    GP_TRY(registry_load_ticket(ticket, device->key, p->program_id, &t));
  } else {
    GP_TRY(gp_check_canonical_pda(ticket, seeds, 2, p->program_id, &bump));
  }

  registry_request_unstake_args_t args;
  GP_TRY(registry_decode_request_unstake_args(p->data + 8, p->data_len - 8, &args));
  if (args.amount == 0) return REGISTRY_ERR_INVALID_AMOUNT;
  if (args.amount > d->stake) return REGISTRY_ERR_INSUFFICIENT_STAKE;
  int64_t now, unlock_at;
  GP_TRY(gp_unix_now(&now));
  GP_TRY(add_secs(now, config->params.unstake_cooldown_secs, &unlock_at));
  uint64_t stake, pending, total, ticket_amount;
  GP_TRY(gp_sub_u64(d->stake, args.amount, &stake));
  GP_TRY(gp_add_u64(d->pending_unstake, args.amount, &pending));
  GP_TRY(gp_sub_u64(provider->total_stake, args.amount, &total));
  GP_TRY(gp_add_u64(t ? t->amount : 0, args.amount, &ticket_amount));

  if (!t) {
    SolSignerSeeds signer = {seeds, 3};
    gp_create_pda_t create = {owner, ticket, p->program_id, &signer, REGISTRY_UNSTAKE_TICKET_SIZE};
    GP_TRY(gp_account_create_pda(&create));
    t = (registry_unstake_ticket_t *)(void *)ticket->data;
    t->discriminator = REGISTRY_UNSTAKE_TICKET_DISCRIMINATOR;
    gp_pubkey_copy(&t->device, device->key);
    gp_pubkey_copy(&t->owner, owner->key);
    t->version = REGISTRY_LAYOUT_VERSION;
    t->bump = bump;
  }
  t->amount = ticket_amount;
  t->unlock_at = unlock_at;
  d->stake = stake;
  d->pending_unstake = pending;
  provider->total_stake = total;
  GP_TRY(registry_refresh_status(d, device->key, &config->params));

  registry_unstake_requested_t ev = {.discriminator = REGISTRY_UNSTAKE_REQUESTED_DISCRIMINATOR,
                                     .amount = args.amount,
                                     .pending_unstake = pending,
                                     .unlock_at = unlock_at};
  gp_pubkey_copy(&ev.device, device->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
