#include "escrow.h"

/* Proposes new parameters; admin only, allowed while paused. A change that only reduces a
   key's power or reaches only jobs created later (escrow_change_at_once) applies at once and
   drops any proposal, so proposing the live parameters cancels one; any other becomes the
   pending proposal (replacing an older one), which apply_config applies once the delay is over:
   the larger of the limits' min_config_delay_secs and the registry's unstake cooldown, so
   whoever disagrees can leave first. Running jobs keep the terms they were created with. */
uint64_t escrow_update_config(const SolParameters *p) {
  GP_TRY(escrow_check_update_config_accounts(p));
  const SolAccountInfo *admin = &p->ka[ESCROW_UPDATE_CONFIG_ADMIN];
  escrow_config_t *config;
  GP_TRY(escrow_load_config(&p->ka[ESCROW_UPDATE_CONFIG_CONFIG], p->program_id, &config));
  GP_TRY(escrow_check_admin(config, admin));
  const registry_config_t *rc;
  GP_TRY(escrow_load_registry_config(&p->ka[ESCROW_UPDATE_CONFIG_REGISTRY_CONFIG], config, &rc));

  escrow_update_config_args_t args;
  GP_TRY(escrow_decode_update_config_args(p->data + 8, p->data_len - 8, &args));
  GP_TRY(escrow_validate_params(&args.params, &config->limits));
  int64_t now;
  GP_TRY(gp_unix_now(&now));
  int64_t delay = registry_view_config_delay(rc, config->limits.min_config_delay_secs);
  bool at_once = escrow_change_at_once(&config->params, &args.params);
  gp_delayed_t d;
  escrow_delayed(config, &d);
  GP_TRY(gp_delayed_propose(&d, &args.params, at_once, now, delay));

  if (at_once) {
    escrow_config_updated_t ev = {.discriminator = ESCROW_CONFIG_UPDATED_DISCRIMINATOR};
    gp_pubkey_copy(&ev.admin, admin->key);
    gp_memcpy(&ev.params, &args.params, sizeof ev.params);
    GP_EMIT_EVENT(&ev);
    return 0;
  }
  escrow_config_proposed_t ev = {.discriminator = ESCROW_CONFIG_PROPOSED_DISCRIMINATOR,
                                 .applies_at = config->pending_applies_at};
  gp_pubkey_copy(&ev.admin, admin->key);
  gp_memcpy(&ev.params, &args.params, sizeof ev.params);
  GP_EMIT_EVENT(&ev);
  return 0;
}
