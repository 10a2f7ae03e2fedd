#include "registry.h"

/* Second step of an admin handover: the pending admin signs and becomes the admin; the
   pending slot is cleared, so the same acceptance cannot happen twice. Works while paused. */
uint64_t registry_accept_admin(const SolParameters *p) {
  GP_TRY(registry_check_accept_admin_accounts(p));
  const SolAccountInfo *new_admin = &p->ka[REGISTRY_ACCEPT_ADMIN_NEW_ADMIN];
  registry_config_t *config;
  GP_TRY(registry_load_config(&p->ka[REGISTRY_ACCEPT_ADMIN_CONFIG], p->program_id, &config));

  registry_accept_admin_args_t args;
  GP_TRY(registry_decode_accept_admin_args(p->data + 8, p->data_len - 8, &args));
  if (gp_pubkey_is_zero(&config->pending_admin) || !gp_pubkey_eq(new_admin->key, &config->pending_admin))
    return REGISTRY_ERR_NO_PENDING_ADMIN;

  registry_admin_transferred_t ev = {.discriminator = REGISTRY_ADMIN_TRANSFERRED_DISCRIMINATOR};
  gp_pubkey_copy(&ev.previous_admin, &config->admin);
  gp_pubkey_copy(&ev.admin, new_admin->key);
  gp_pubkey_copy(&config->admin, new_admin->key);
  gp_memset(&config->pending_admin, 0, sizeof config->pending_admin);
  GP_EMIT_EVENT(&ev);
  return 0;
}
