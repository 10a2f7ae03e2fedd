#include "registry.h"

/* Closes a proof window whose votes can no longer count (registry_proof_current: a later
   window of its device was counted, a window counted since its votes were cast, the oracle
   set changed, or the device is deregistered). Anyone may crank it; the rent goes back to the
   oracle that paid for the account, so votes that never counted strand nothing. A window that
   can still count is closed only by counting it (count_proof, after its deadline), so nobody
   can drop honest votes before then. */
uint64_t registry_close_stale_proof(const SolParameters *p) {
  GP_TRY(registry_check_close_stale_proof_accounts(p));
  const SolAccountInfo *device = &p->ka[REGISTRY_CLOSE_STALE_PROOF_DEVICE];
  SolAccountInfo *proof = &p->ka[REGISTRY_CLOSE_STALE_PROOF_PROOF];
  const SolAccountInfo *payer = &p->ka[REGISTRY_CLOSE_STALE_PROOF_PAYER];
  registry_config_t *config;
  GP_TRY(registry_load_live_config(&p->ka[REGISTRY_CLOSE_STALE_PROOF_CONFIG], p->program_id, &config));
  registry_device_t *d;
  GP_TRY(registry_load_device(device, p->program_id, &d));
  registry_proof_window_t *w;
  GP_TRY(registry_load_proof(proof, device, payer, p->program_id, &w));
  registry_close_stale_proof_args_t args;
  GP_TRY(registry_decode_close_stale_proof_args(p->data + 8, p->data_len - 8, &args));
  if (registry_proof_current(w, d, registry_oracle_set_fingerprint(&config->params)))
    return REGISTRY_ERR_PROOF_STILL_OPEN;

  return registry_close_uncounted_proof(device, proof, payer, w);
}
