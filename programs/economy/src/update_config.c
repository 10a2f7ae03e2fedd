#include "economy.h"

/* The emission schedule is part of what every holder relies on: it never changes. */
static bool same_schedule(const economy_config_params_t *a, const economy_config_params_t *b) {
  return a->genesis_time == b->genesis_time && a->epoch_secs == b->epoch_secs &&
         a->epochs_per_month == b->epochs_per_month && a->first_month_emission == b->first_month_emission &&
         a->monthly_decay_e9 == b->monthly_decay_e9 && a->supply_cap == b->supply_cap;
}

/* Replaces the parameters other than the schedule and the cap; admin only. */
uint64_t economy_update_config(const SolParameters *p) {
  GP_TRY(economy_check_update_config_accounts(p));
  const SolAccountInfo *admin = &p->ka[ECONOMY_UPDATE_CONFIG_ADMIN];
  economy_config_t *config;
  GP_TRY(economy_load_config(&p->ka[ECONOMY_UPDATE_CONFIG_CONFIG], p->program_id, &config));
  if (!gp_pubkey_eq(admin->key, &config->admin)) return ECONOMY_ERR_UNAUTHORIZED;

  economy_update_config_args_t args;
  GP_TRY(economy_decode_update_config_args(p->data + 8, p->data_len - 8, &args));
  GP_TRY(economy_validate_params(&args.params));
  if (!same_schedule(&config->params, &args.params)) return ECONOMY_ERR_INVALID_CONFIG_PARAMS;
  gp_memcpy(&config->params, &args.params, sizeof config->params);

  economy_config_updated_t ev = {.discriminator = ECONOMY_CONFIG_UPDATED_DISCRIMINATOR};
  gp_pubkey_copy(&ev.admin, admin->key);
  gp_memcpy(&ev.params, &args.params, sizeof ev.params);
  GP_EMIT_EVENT(&ev);
  return 0;
}
