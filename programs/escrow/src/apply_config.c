#include "escrow.h"

/* Anyone applies the pending proposal once its delay is over; allowed while paused. The
   proposal is validated again against the limits (fixed, so it still holds: the check keeps
   apply_config safe whatever update_config accepted). */
uint64_t escrow_apply_config(const SolParameters *p) {
  GP_TRY(escrow_check_apply_config_accounts(p));
  escrow_config_t *config;
  GP_TRY(escrow_load_config(&p->ka[ESCROW_APPLY_CONFIG_CONFIG], p->program_id, &config));
  int64_t now;
  GP_TRY(gp_unix_now(&now));
  gp_delayed_t d;
  escrow_delayed(config, &d);
  GP_TRY(gp_delayed_due(&d, now, ESCROW_ERR_NO_CONFIG_PROPOSAL, ESCROW_ERR_CONFIG_DELAY_NOT_OVER));
  GP_TRY(escrow_validate_params(&config->pending, &config->limits));
  gp_delayed_apply(&d);

  escrow_config_updated_t ev = {.discriminator = ESCROW_CONFIG_UPDATED_DISCRIMINATOR};
  gp_pubkey_copy(&ev.admin, &config->admin);
  gp_memcpy(&ev.params, &config->params, sizeof ev.params);
  GP_EMIT_EVENT(&ev);
  return 0;
}
