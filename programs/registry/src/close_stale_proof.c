#include "registry.h"

/* Closes a proof window that can no longer count: a later window of its device was counted
   (so this one is stale), or it started more than max_proof_age_secs ago. Anyone may crank it;
   the rent goes back to the oracle that paid for the account, so votes that never reached a
   quorum strand nothing. */
uint64_t registry_close_stale_proof(const SolParameters *p) {
  GP_TRY(registry_check_close_stale_proof_accounts(p));
  const SolAccountInfo *device = &p->ka[REGISTRY_CLOSE_STALE_PROOF_DEVICE];
  SolAccountInfo *proof = &p->ka[REGISTRY_CLOSE_STALE_PROOF_PROOF];
  const SolAccountInfo *payer = &p->ka[REGISTRY_CLOSE_STALE_PROOF_PAYER];
  registry_config_t *config;
  GP_TRY(registry_load_live_config(&p->ka[REGISTRY_CLOSE_STALE_PROOF_CONFIG], p->program_id, &config));
  registry_device_t *d;
  GP_TRY(registry_load_device(device, p->program_id, &d));
  GP_TRY(gp_check_program_account(proof, p->program_id, REGISTRY_PROOF_WINDOW_DISCRIMINATOR,
                                  REGISTRY_PROOF_WINDOW_SIZE));
  registry_proof_window_t *w = (registry_proof_window_t *)(void *)proof->data;
  if (!gp_pubkey_eq(&w->device, device->key)) return REGISTRY_ERR_INVALID_PDA;
  if (!gp_pubkey_eq(payer->key, &w->payer)) return REGISTRY_ERR_WRONG_OWNER;

  registry_close_stale_proof_args_t args;
  GP_TRY(registry_decode_close_stale_proof_args(p->data + 8, p->data_len - 8, &args));
  int64_t now;
  GP_TRY(gp_unix_now(&now));
  uint64_t start;
  GP_TRY(gp_mul_u64(w->window, (uint64_t)config->params.proof_window_secs, &start));
  bool superseded = w->window <= d->last_proof_window;
  bool too_old = now > config->params.max_proof_age_secs &&
                 start < (uint64_t)(now - config->params.max_proof_age_secs);
  if (!superseded && !too_old) return REGISTRY_ERR_PROOF_STILL_OPEN;

  registry_proof_closed_t ev = {.discriminator = REGISTRY_PROOF_CLOSED_DISCRIMINATOR, .window = w->window, .votes = w->votes};
  gp_pubkey_copy(&ev.device, device->key);
  GP_TRY(gp_account_close(proof, payer));
  GP_EMIT_EVENT(&ev);
  return 0;
}
