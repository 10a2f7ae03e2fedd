#include "registry.h"

/* Makes the pending proposal live once its delay is over; anyone may call it (nobody signs but
   the fee payer) and it works while paused. The proposal is checked again against the state
   now (registry_check_proposal: a device may have registered in a class the proposal drops
   during the delay), and the device counts follow the classes by model. */
uint64_t registry_apply_config(const SolParameters *p) {
  GP_TRY(registry_check_apply_config_accounts(p));
  registry_config_t *config;
  GP_TRY(registry_load_config(&p->ka[REGISTRY_APPLY_CONFIG_CONFIG], p->program_id, &config));
  registry_apply_config_args_t args;
  GP_TRY(registry_decode_apply_config_args(p->data + 8, p->data_len - 8, &args));
  int64_t now;
  GP_TRY(gp_unix_now(&now));
  gp_delayed_t c = {&config->params, &config->pending, &config->pending_applies_at, sizeof config->params};
  GP_TRY(gp_delayed_due(&c, now, REGISTRY_ERR_NO_CONFIG_PROPOSAL, REGISTRY_ERR_CONFIG_DELAY_NOT_OVER));
  uint32_t counts[REGISTRY_MAX_HARDWARE_CLASSES];
  GP_TRY(registry_check_proposal(config, &config->pending, counts));
  gp_delayed_apply(&c);
  gp_memcpy(config->class_devices, counts, sizeof config->class_devices);

  registry_config_updated_t ev = {.discriminator = REGISTRY_CONFIG_UPDATED_DISCRIMINATOR};
  gp_pubkey_copy(&ev.admin, &config->admin);
  gp_memcpy(&ev.params, &config->params, sizeof ev.params);
  GP_EMIT_EVENT(&ev);
  return 0;
}
