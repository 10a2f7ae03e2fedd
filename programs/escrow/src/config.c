#include "escrow.h"

/* The longest a window or grace period may be: a week keeps every timestamp sum far from
   overflow and every job closable within a reasonable time. */
#define MAX_PERIOD_SECS (7 * 24 * 3600)

/* The rules a parameter set must follow, whoever sets it. */
uint64_t escrow_validate_params(const escrow_config_params_t *params) {
  const uint64_t bad = ESCROW_ERR_INVALID_CONFIG_PARAMS;
  if (gp_pubkey_is_zero(&params->treasury)) return bad;
  if (params->acceptance_window_secs <= 0 || params->acceptance_window_secs > MAX_PERIOD_SECS) return bad;
  if (params->usage_window_secs <= 0 || params->usage_window_secs > MAX_PERIOD_SECS) return bad;
  if (params->usage_grace_secs < params->usage_window_secs || params->usage_grace_secs > MAX_PERIOD_SECS)
    return bad;
  if (params->fee_bps > ESCROW_BPS || params->fee_burn_bps > ESCROW_BPS) return bad;
  if (params->padding[0] | params->padding[1] | params->padding[2] | params->padding[3]) return bad;
  return 0;
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
