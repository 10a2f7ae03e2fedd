#include "economy.h"

uint64_t economy_validate_limits(const economy_economy_limits_t *limits) {
  if (limits->min_config_delay_secs <= 0 || limits->max_community_bps > ECONOMY_BPS) return ECONOMY_ERR_INVALID_CONFIG_PARAMS;
  if (limits->max_iosd_mint_limit == 0 || limits->max_io_redeem_limit == 0) return ECONOMY_ERR_INVALID_CONFIG_PARAMS;
  return 0;
}

uint64_t economy_validate_params(const economy_config_params_t *params, const economy_economy_limits_t *limits) {
  const uint64_t bad = ECONOMY_ERR_INVALID_CONFIG_PARAMS;
  if (gp_pubkey_is_zero(&params->community_pool) || params->supply_cap == 0) return bad;
  if (params->monthly_decay_e9 >= ECONOMY_E9 || params->epochs_per_month == 0) return bad;
  if (params->epoch_secs <= 0 || params->max_price_age_secs <= 0 || params->breaker_window_secs <= 0) return bad;
  if (params->genesis_time < 0 || params->community_bps > limits->max_community_bps) return bad;
  if (params->price_band_bps == 0 || params->price_band_bps > ECONOMY_BPS) return bad;
  if (params->iosd_mint_limit > limits->max_iosd_mint_limit || params->io_redeem_limit > limits->max_io_redeem_limit)
    return bad;
  return 0;
}

/* The schedule and the cap are what every holder relies on; the breaker window is the span its
   Breaker states count in (gpunet/limit.h numbers windows by it), so a new length would break
   the bound they prove. */
bool economy_same_frozen(const economy_config_params_t *a, const economy_config_params_t *b) {
  return a->genesis_time == b->genesis_time && a->epoch_secs == b->epoch_secs &&
         a->epochs_per_month == b->epochs_per_month && a->first_month_emission == b->first_month_emission &&
         a->monthly_decay_e9 == b->monthly_decay_e9 && a->supply_cap == b->supply_cap &&
         a->breaker_window_secs == b->breaker_window_secs;
}

bool economy_change_at_once(const economy_config_params_t *live, const economy_config_params_t *next) {
  return gp_pubkey_eq(&next->community_pool, &live->community_pool) && next->community_bps <= live->community_bps &&
         next->iosd_mint_limit <= live->iosd_mint_limit && next->io_redeem_limit <= live->io_redeem_limit &&
         next->price_band_bps <= live->price_band_bps && next->max_price_age_secs <= live->max_price_age_secs &&
         next->net_emission_limit == live->net_emission_limit && economy_same_frozen(live, next);
}

uint64_t economy_check_epochs_before(const economy_config_t *config, const economy_config_params_t *next, int64_t t) {
  const economy_config_params_t *live = &config->params;
  if (gp_pubkey_eq(&next->community_pool, &live->community_pool) && next->community_bps == live->community_bps &&
      next->net_emission_limit == live->net_emission_limit)
    return 0;
  uint64_t end;
  GP_TRY(economy_epoch_end(live, config->next_epoch, &end));
  return end > (uint64_t)t ? 0 : ECONOMY_ERR_EPOCHS_NOT_ADVANCED;
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
