#include "registry.h"

/* Retires a device with nothing left in it: no stake, no ticket, no job, no pending slash.
   IO that anyone sent to the vault beyond that is paid to the owner's token account (so such
   a transfer cannot block this), then the vault token account is closed (rent to the owner);
   the Device stays, Deregistered, so its history and reputation remain readable. Its hardware
   class counts one device less. Works while the registry is paused: leaving never waits. */
uint64_t registry_deregister_device(const SolParameters *p) {
  GP_TRY(registry_check_deregister_device_accounts(p));
  const SolAccountInfo *provider_acc = &p->ka[REGISTRY_DEREGISTER_DEVICE_PROVIDER];
  const SolAccountInfo *device = &p->ka[REGISTRY_DEREGISTER_DEVICE_DEVICE];
  const SolAccountInfo *vault = &p->ka[REGISTRY_DEREGISTER_DEVICE_VAULT];
  const SolAccountInfo *owner = &p->ka[REGISTRY_DEREGISTER_DEVICE_OWNER];
  const SolAccountInfo *owner_token = &p->ka[REGISTRY_DEREGISTER_DEVICE_OWNER_TOKEN];
  registry_config_t *config;
  GP_TRY(registry_load_config(&p->ka[REGISTRY_DEREGISTER_DEVICE_CONFIG], p->program_id, &config));
  registry_owned_t owned;
  GP_TRY(registry_load_provider_device(provider_acc, device, p->program_id, owner->key, &owned));
  registry_provider_t *provider = owned.provider;
  registry_device_t *d = owned.device;
  if (d->status == REGISTRY_STATUS_DEREGISTERED) return REGISTRY_ERR_DEVICE_DEREGISTERED;
  if (d->stake != 0 || d->pending_unstake != 0 || d->pending_slashes != 0 ||
      !gp_pubkey_is_zero(&d->current_job))
    return REGISTRY_ERR_DEVICE_NOT_EMPTY;
  GP_TRY(registry_check_vault(vault, d, config));
  gp_token_account_t surplus, to;
  GP_TRY(gp_token_account_read(vault, &surplus));
  GP_TRY(gp_token_account_read_mint(owner_token, &config->io_mint, &to));
  if (gp_pubkey_eq(owner_token->key, vault->key)) return REGISTRY_ERR_DUPLICATE_ACCOUNT;

  registry_deregister_device_args_t args;
  GP_TRY(registry_decode_deregister_device_args(p->data + 8, p->data_len - 8, &args));
  if (provider->device_count == 0) return REGISTRY_ERR_ARITHMETIC_OVERFLOW;

  SolSignerSeed seeds[3];
  SolSignerSeeds signer;
  registry_vault_signer(device->key, &d->vault_bump, seeds, &signer);
  if (surplus.amount) GP_TRY(gp_token_transfer(vault, owner_token, vault, surplus.amount, &signer));
  GP_TRY(gp_token_close_account(vault, owner, vault, &signer));
  provider->device_count--;
  int class = registry_class_index(&config->params, d->spec.hardware_model);
  if (class >= 0 && config->class_devices[class] > 0) config->class_devices[class]--;
  d->status = REGISTRY_STATUS_DEREGISTERED;

  registry_device_deregistered_t ev = {.discriminator = REGISTRY_DEVICE_DEREGISTERED_DISCRIMINATOR};
  gp_pubkey_copy(&ev.device, device->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
