#include "economy.h"

/* The admin proposes new parameters, valid and within the limits fixed at initialize; the
   schedule, the cap and the breaker window never change (InvalidConfigParams). A change that
   only reduces the admin's power (economy_change_at_once) applies at once and drops any
   proposal, so proposing the live parameters cancels one; any other change becomes the
   proposal, replacing an older one, and applies (apply_config) no sooner than
   max(limits.min_config_delay_secs, the registry's unstake cooldown) from now, so whoever
   disagrees can leave first (ConfigProposed announces it). */
uint64_t economy_update_config(const SolParameters *p) {
  GP_TRY(economy_check_update_config_accounts(p));
  const SolAccountInfo *admin = &p->ka[ECONOMY_UPDATE_CONFIG_ADMIN];
  economy_config_t *config;
  GP_TRY(economy_load_config(&p->ka[ECONOMY_UPDATE_CONFIG_CONFIG], p->program_id, &config));
  if (!gp_pubkey_eq(admin->key, &config->admin)) return ECONOMY_ERR_UNAUTHORIZED;
  const registry_config_t *rc;
  GP_TRY(economy_load_registry_config(&p->ka[ECONOMY_UPDATE_CONFIG_REGISTRY_CONFIG], config, &rc));

  economy_update_config_args_t args;
  GP_TRY(economy_decode_update_config_args(p->data + 8, p->data_len - 8, &args));
  GP_TRY(economy_validate_params(&args.params, &config->limits));
  if (!economy_same_frozen(&config->params, &args.params)) return ECONOMY_ERR_INVALID_CONFIG_PARAMS;
  int64_t now;
  GP_TRY(gp_unix_now(&now));
  bool at_once = economy_change_at_once(&config->params, &args.params);
  if (at_once) GP_TRY(economy_check_epochs_before(config, &args.params, now));
  int64_t delay = registry_view_config_delay(rc, config->limits.min_config_delay_secs);
  gp_delayed_t delayed = economy_delayed(config);
  GP_TRY(gp_delayed_propose(&delayed, &args.params, at_once, now, delay));

  if (at_once) {
    economy_config_updated_t ev = {.discriminator = ECONOMY_CONFIG_UPDATED_DISCRIMINATOR};
    gp_pubkey_copy(&ev.admin, admin->key);
    gp_memcpy(&ev.params, &args.params, sizeof ev.params);
    GP_EMIT_EVENT(&ev);
    return 0;
  }
  economy_config_proposed_t ev = {.discriminator = ECONOMY_CONFIG_PROPOSED_DISCRIMINATOR,
                                  .applies_at = config->pending_applies_at};
  gp_pubkey_copy(&ev.admin, admin->key);
  gp_memcpy(&ev.params, &args.params, sizeof ev.params);
  GP_EMIT_EVENT(&ev);
  return 0;
}
