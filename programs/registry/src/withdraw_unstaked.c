#include "registry.h"

/* Pays a ticket out of the vault to the owner's IO account once its cooldown has ended, and
   closes the ticket (rent back to the owner, who paid it). A pending slash freezes the ticket,
   which it may still take from. Works while the registry is paused. A ticket a slash emptied
   (a 100% slash takes it all) holds nothing to pay: it closes without the vault or the token
   account, so its rent comes back even after the device deregistered and its vault closed. */
uint64_t registry_withdraw_unstaked(const SolParameters *p) {
  GP_TRY(registry_check_withdraw_unstaked_accounts(p));
  const SolAccountInfo *device = &p->ka[REGISTRY_WITHDRAW_UNSTAKED_DEVICE];
  SolAccountInfo *ticket = &p->ka[REGISTRY_WITHDRAW_UNSTAKED_TICKET];
  const SolAccountInfo *vault = &p->ka[REGISTRY_WITHDRAW_UNSTAKED_VAULT];
  const SolAccountInfo *owner = &p->ka[REGISTRY_WITHDRAW_UNSTAKED_OWNER];
  const SolAccountInfo *owner_token = &p->ka[REGISTRY_WITHDRAW_UNSTAKED_OWNER_TOKEN];
  registry_config_t *config;
  GP_TRY(registry_load_config(&p->ka[REGISTRY_WITHDRAW_UNSTAKED_CONFIG], p->program_id, &config));
  registry_device_t *d;
  GP_TRY(registry_load_owned_device(device, p->program_id, owner->key, &d));
  if (d->pending_slashes > 0) return REGISTRY_ERR_DEVICE_SUSPENDED;
  registry_unstake_ticket_t *t;
  GP_TRY(registry_load_ticket(ticket, device->key, p->program_id, &t));
  uint64_t amount = t->amount;
  if (amount) {
    GP_TRY(registry_check_vault(vault, d, config));
    gp_token_account_t to;
    GP_TRY(gp_token_account_read_mint(owner_token, &config->io_mint, &to));
    GP_TRY(gp_check_distinct(owner_token, vault));
  }

  registry_withdraw_unstaked_args_t args;
  GP_TRY(registry_decode_withdraw_unstaked_args(p->data + 8, p->data_len - 8, &args));
  int64_t now;
  GP_TRY(gp_unix_now(&now));
  if (now < t->unlock_at) return REGISTRY_ERR_UNSTAKE_LOCKED;
  GP_TRY(gp_sub_u64(d->pending_unstake, amount, &d->pending_unstake));

  SolSignerSeed seeds[3];
  SolSignerSeeds signer;
  registry_vault_signer(device->key, &d->vault_bump, seeds, &signer);
  if (amount) GP_TRY(gp_token_transfer(vault, owner_token, vault, amount, &signer));
  GP_TRY(gp_account_close(ticket, owner));

  registry_unstake_withdrawn_t ev = {.discriminator = REGISTRY_UNSTAKE_WITHDRAWN_DISCRIMINATOR, .amount = amount};
  gp_pubkey_copy(&ev.device, device->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
