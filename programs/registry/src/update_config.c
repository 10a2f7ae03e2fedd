#include "registry.h"

/* Replaces every parameter; admin only. Works while paused, so the admin can fix what
   made them pause. proof_window_secs is fixed at initialization: window ids are multiples
   of it and a device's last counted window is an id, so a new size would renumber the
   windows and let time already counted be counted again (ProofWindowFixed). */
uint64_t registry_update_config(const SolParameters *p) {
  GP_TRY(registry_check_update_config_accounts(p));
  const SolAccountInfo *admin = &p->ka[REGISTRY_UPDATE_CONFIG_ADMIN];
  registry_config_t *config;
  GP_TRY(registry_load_config(&p->ka[REGISTRY_UPDATE_CONFIG_CONFIG], p->program_id, &config));
  GP_TRY(registry_check_admin(config, admin));

  registry_update_config_args_t args;
  GP_TRY(registry_decode_update_config_args(p->data + 8, p->data_len - 8, &args));
  GP_TRY(registry_validate_params(&args.params));
  if (args.params.proof_window_secs != config->params.proof_window_secs) return REGISTRY_ERR_PROOF_WINDOW_FIXED;
  gp_memcpy(&config->params, &args.params, sizeof config->params);

  registry_config_updated_t ev = {.discriminator = REGISTRY_CONFIG_UPDATED_DISCRIMINATOR};
  gp_pubkey_copy(&ev.admin, admin->key);
  gp_memcpy(&ev.params, &args.params, sizeof ev.params);
  GP_EMIT_EVENT(&ev);
  return 0;
}
