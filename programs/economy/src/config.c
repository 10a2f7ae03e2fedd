#include "economy.h"

/* The rules a parameter set must follow, whoever sets it. */
uint64_t economy_validate_params(const economy_config_params_t *params) {
  const uint64_t bad = ECONOMY_ERR_INVALID_CONFIG_PARAMS;
  if (gp_pubkey_is_zero(&params->community_pool) || params->supply_cap == 0) return bad;
  if (params->monthly_decay_e9 >= ECONOMY_E9 || params->epochs_per_month == 0) return bad;
  if (params->epoch_secs <= 0 || params->max_price_age_secs <= 0 || params->breaker_window_secs <= 0) return bad;
  if (params->genesis_time < 0 || params->community_bps > ECONOMY_BPS) return bad;
  if (params->price_band_bps == 0 || params->price_band_bps > ECONOMY_BPS) return bad;
  return 0;
}

/* The Config: this program's account with the Config discriminator and size. Only initialize
   creates one, once, at the canonical PDA ["config"]. */
uint64_t economy_load_config(const SolAccountInfo *account, const SolPubkey *program_id, economy_config_t **out) {
  GP_TRY(gp_check_program_account(account, program_id, ECONOMY_CONFIG_DISCRIMINATOR, ECONOMY_CONFIG_SIZE));
  *out = (economy_config_t *)(void *)account->data;
  return 0;
}

uint64_t economy_load_registry_config(const SolAccountInfo *account, const economy_config_t *config,
                                      const registry_config_t **out) {
  return registry_view_config(account, &config->registry_program, &config->registry_config, out);
}
