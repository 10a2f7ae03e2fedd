#include "escrow.h"

/* Replaces every parameter; admin only, allowed while paused. Running jobs keep the fee and
   usage window they were created with. */
uint64_t escrow_update_config(const SolParameters *p) {
  GP_TRY(escrow_check_update_config_accounts(p));
  const SolAccountInfo *admin = &p->ka[ESCROW_UPDATE_CONFIG_ADMIN];
  escrow_config_t *config;
  GP_TRY(escrow_load_config(&p->ka[ESCROW_UPDATE_CONFIG_CONFIG], p->program_id, &config));
  GP_TRY(escrow_check_admin(config, admin));

  escrow_update_config_args_t args;
  GP_TRY(escrow_decode_update_config_args(p->data + 8, p->data_len - 8, &args));
  GP_TRY(escrow_validate_params(&args.params));
  gp_memcpy(&config->params, &args.params, sizeof config->params);

  escrow_config_updated_t ev = {.discriminator = ESCROW_CONFIG_UPDATED_DISCRIMINATOR};
  gp_pubkey_copy(&ev.admin, admin->key);
  gp_memcpy(&ev.params, &args.params, sizeof ev.params);
  GP_EMIT_EVENT(&ev);
  return 0;
}
