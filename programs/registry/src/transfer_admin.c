#include "registry.h"

/* First step of an admin handover: the admin names the pending admin, who must then sign
   accept_admin. Naming another key replaces the pending one. Works while paused. */
uint64_t registry_transfer_admin(const SolParameters *p) {
  GP_TRY(registry_check_transfer_admin_accounts(p));
  const SolAccountInfo *admin = &p->ka[REGISTRY_TRANSFER_ADMIN_ADMIN];
  registry_config_t *config;
  GP_TRY(registry_load_config(&p->ka[REGISTRY_TRANSFER_ADMIN_CONFIG], p->program_id, &config));
  GP_TRY(registry_check_admin(config, admin));

  registry_transfer_admin_args_t args;
  GP_TRY(registry_decode_transfer_admin_args(p->data + 8, p->data_len - 8, &args));
  if (gp_pubkey_is_zero(&args.new_admin)) return REGISTRY_ERR_INVALID_CONFIG_PARAMS;
  gp_pubkey_copy(&config->pending_admin, &args.new_admin);

  registry_admin_transfer_started_t ev = {.discriminator = REGISTRY_ADMIN_TRANSFER_STARTED_DISCRIMINATOR};
  gp_pubkey_copy(&ev.admin, admin->key);
  gp_pubkey_copy(&ev.pending_admin, &args.new_admin);
  GP_EMIT_EVENT(&ev);
  return 0;
}
