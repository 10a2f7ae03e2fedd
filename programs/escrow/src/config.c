#include "escrow.h"

/* The longest a window or grace period may be: a week keeps every timestamp sum far from
   overflow and every job closable within a reasonable time. */
#define MAX_PERIOD_SECS (7 * 24 * 3600)
/* The longest min_config_delay_secs may be: a year keeps now + delay far from overflow. */
#define MAX_CONFIG_DELAY_SECS (366 * 24 * 3600)

uint64_t escrow_validate_limits(const escrow_limits_t *limits) {
  const uint64_t bad = ESCROW_ERR_INVALID_CONFIG_PARAMS;
  if (limits->min_config_delay_secs < 0 || limits->min_config_delay_secs > MAX_CONFIG_DELAY_SECS) return bad;
  if (limits->max_usage_grace_secs <= 0 || limits->max_usage_grace_secs > MAX_PERIOD_SECS) return bad;
  if (limits->max_fee_bps > ESCROW_BPS) return bad;
  for (uint8_t i = 0; i < sizeof limits->padding; i++)
    if (limits->padding[i]) return bad;
  return 0;
}

/* The rules a parameter set must follow, whoever sets it: sane periods, and within the limits
   fixed at initialization. */
uint64_t escrow_validate_params(const escrow_config_params_t *params, const escrow_limits_t *limits) {
  const uint64_t bad = ESCROW_ERR_INVALID_CONFIG_PARAMS;
  if (gp_pubkey_is_zero(&params->treasury)) return bad;
  if (params->acceptance_window_secs <= 0 || params->acceptance_window_secs > MAX_PERIOD_SECS) return bad;
  if (params->usage_window_secs <= 0 || params->usage_window_secs > MAX_PERIOD_SECS) return bad;
  if (params->usage_grace_secs < params->usage_window_secs || params->usage_grace_secs > limits->max_usage_grace_secs)
    return bad;
  if (params->fee_bps > limits->max_fee_bps || params->fee_burn_bps > ESCROW_BPS) return bad;
  if (params->padding[0] | params->padding[1] | params->padding[2] | params->padding[3]) return bad;
  return 0;
}

/* A job copies every term it depends on at creation (windows, grace, fee, burn share,
   treasury), so a change of those reaches only jobs created later, whose renters and
   providers see them before they commit. What can still reach a running job, or give a key
   more, waits: a new scheduler (it may propose and replace devices on every job), a new
   treasury, a higher fee, a lower burn share (more of each fee to the treasury). Removing the
   scheduler (the zero key, which cannot sign) only takes power away. */
bool escrow_change_at_once(const escrow_config_params_t *live, const escrow_config_params_t *next) {
  bool scheduler = gp_pubkey_eq(&next->scheduler, &live->scheduler) || gp_pubkey_is_zero(&next->scheduler);
  return scheduler && gp_pubkey_eq(&next->treasury, &live->treasury) && next->fee_bps <= live->fee_bps &&
         next->fee_burn_bps >= live->fee_burn_bps;
}

void escrow_delayed(escrow_config_t *config, gp_delayed_t *out) {
  *out = (gp_delayed_t){&config->params, &config->pending, &config->pending_applies_at, sizeof config->params};
}

/* The Config: this program's account with the Config discriminator and size. Only
   initialize_config creates one, once, at the canonical PDA ["config"]. */
uint64_t escrow_load_config(const SolAccountInfo *account, const SolPubkey *program_id, escrow_config_t **out) {
  GP_TRY(gp_check_program_account(account, program_id, ESCROW_CONFIG_DISCRIMINATOR, ESCROW_CONFIG_SIZE));
  *out = (escrow_config_t *)(void *)account->data;
  return 0;
}

uint64_t escrow_load_live_config(const SolAccountInfo *account, const SolPubkey *program_id, escrow_config_t **out) {
  GP_TRY(escrow_load_config(account, program_id, out));
  return (*out)->paused ? ESCROW_ERR_PROGRAM_PAUSED : 0;
}

uint64_t escrow_check_admin(const escrow_config_t *config, const SolAccountInfo *admin) {
  return gp_pubkey_eq(admin->key, &config->admin) ? 0 : ESCROW_ERR_UNAUTHORIZED;
}

uint64_t escrow_load_registry_config(const SolAccountInfo *account, const escrow_config_t *config,
                                     const registry_config_t **out) {
  return registry_view_config(account, &config->registry_program, &config->registry_config, out);
}
