#include "registry.h"

/* Pauses (1) or resumes (0) every instruction that loads the live config; admin only,
   and itself allowed while paused. */
uint64_t registry_set_pause(const SolParameters *p) {
  GP_TRY(registry_check_set_pause_accounts(p));
  const SolAccountInfo *admin = &p->ka[REGISTRY_SET_PAUSE_ADMIN];
  registry_config_t *config;
  GP_TRY(registry_load_config(&p->ka[REGISTRY_SET_PAUSE_CONFIG], p->program_id, &config));
  GP_TRY(registry_check_admin(config, admin));

  registry_set_pause_args_t args;
  GP_TRY(registry_decode_set_pause_args(p->data + 8, p->data_len - 8, &args));
  if (args.paused > 1) return REGISTRY_ERR_INVALID_INSTRUCTION_DATA; /* a borsh bool is 0 or 1 */
  config->paused = args.paused;

  registry_pause_set_t ev = {.discriminator = REGISTRY_PAUSE_SET_DISCRIMINATOR, .paused = args.paused};
  gp_pubkey_copy(&ev.admin, admin->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
