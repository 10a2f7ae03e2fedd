#include "escrow.h"

/* Pauses (1) or resumes (0) what starts new commitments; admin only. */
uint64_t escrow_set_pause(const SolParameters *p) {
  GP_TRY(escrow_check_set_pause_accounts(p));
  const SolAccountInfo *admin = &p->ka[ESCROW_SET_PAUSE_ADMIN];
  escrow_config_t *config;
  GP_TRY(escrow_load_config(&p->ka[ESCROW_SET_PAUSE_CONFIG], p->program_id, &config));
  GP_TRY(escrow_check_admin(config, admin));

  escrow_set_pause_args_t args;
  GP_TRY(escrow_decode_set_pause_args(p->data + 8, p->data_len - 8, &args));
  if (args.paused > 1) return ESCROW_ERR_INVALID_INSTRUCTION_DATA; /* a borsh bool is 0 or 1 */
  config->paused = args.paused;

  escrow_pause_set_t ev = {.discriminator = ESCROW_PAUSE_SET_DISCRIMINATOR, .paused = args.paused};
  gp_pubkey_copy(&ev.admin, admin->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
