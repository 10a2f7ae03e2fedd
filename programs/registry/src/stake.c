#include "registry.h"

/* Moves IO from the owner's token account into the device's vault. */
uint64_t registry_stake(const SolParameters *p) {
  GP_TRY(registry_check_stake_accounts(p));
  const SolAccountInfo *device = &p->ka[REGISTRY_STAKE_DEVICE];
  const SolAccountInfo *vault = &p->ka[REGISTRY_STAKE_VAULT];
  const SolAccountInfo *owner = &p->ka[REGISTRY_STAKE_OWNER];
  const SolAccountInfo *owner_token = &p->ka[REGISTRY_STAKE_OWNER_TOKEN];
  registry_config_t *config;
  GP_TRY(registry_load_live_config(&p->ka[REGISTRY_STAKE_CONFIG], p->program_id, &config));
  registry_owned_t owned;
  GP_TRY(registry_load_provider_device(&p->ka[REGISTRY_STAKE_PROVIDER], device, p->program_id, owner->key, &owned));
  registry_provider_t *provider = owned.provider;
  registry_device_t *d = owned.device;
  if (d->status == REGISTRY_STATUS_DEREGISTERED) return REGISTRY_ERR_DEVICE_DEREGISTERED;
  GP_TRY(registry_check_vault(vault, d, config));
  gp_token_account_t from;
  GP_TRY(gp_token_account_read_mint(owner_token, &config->io_mint, &from));

  registry_stake_args_t args;
  GP_TRY(registry_decode_stake_args(p->data + 8, p->data_len - 8, &args));
  if (args.amount == 0) return REGISTRY_ERR_INVALID_AMOUNT;
  if (from.amount < args.amount) return REGISTRY_ERR_INSUFFICIENT_FUNDS;
  GP_TRY(gp_add_u64(d->stake, args.amount, &d->stake));
  GP_TRY(gp_add_u64(provider->total_stake, args.amount, &provider->total_stake));
  GP_TRY(gp_token_transfer(owner_token, vault, owner, args.amount, NULL));
  GP_TRY(registry_refresh_status(d, device->key, &config->params));

  registry_staked_t ev = {.discriminator = REGISTRY_STAKED_DISCRIMINATOR, .amount = args.amount, .stake = d->stake};
  gp_pubkey_copy(&ev.device, device->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
