#include "registry.h"

/* count_proof: anyone, after a window's voting deadline (its end + vote_deadline_secs), decides
   it with the votes cast (registry_settle_proof, final): the agreeing quorum's low end counts,
   or nothing does (ProofUndecided) and the next counted window catches the time up. This keeps
   proofs live while an oracle is down: the remaining votes count once the deadline passes, and
   a faulty vote that disagrees can only delay them. A window whose votes can no longer count
   (a later window counted, a window counted since its votes, the oracle set changed, the
   device deregistered) is closed uncounted (ProofClosed). Either way the rent goes back to the
   oracle that paid for the window, so whoever cranks it gains nothing and pays only the fee. */
uint64_t registry_count_proof(const SolParameters *p) {
  GP_TRY(registry_check_count_proof_accounts(p));
  SolAccountInfo *device = &p->ka[REGISTRY_COUNT_PROOF_DEVICE];
  SolAccountInfo *proof = &p->ka[REGISTRY_COUNT_PROOF_PROOF];
  const SolAccountInfo *payer = &p->ka[REGISTRY_COUNT_PROOF_PAYER];
  registry_config_t *config;
  GP_TRY(registry_load_live_config(&p->ka[REGISTRY_COUNT_PROOF_CONFIG], p->program_id, &config));
  const registry_config_params_t *params = &config->params;
  registry_device_t *d;
  GP_TRY(registry_load_device(device, p->program_id, &d));
  GP_TRY(gp_check_distinct(device, proof));
  registry_proof_window_t *w;
  GP_TRY(registry_load_proof(proof, device, payer, p->program_id, &w));
  registry_count_proof_args_t args;
  GP_TRY(registry_decode_count_proof_args(p->data + 8, p->data_len - 8, &args));
  SolClock clock;
  if (gp_clock_get(&clock)) return GP_BUILTIN_INVALID_ARGUMENT;
  registry_proof_times_t times;
  GP_TRY(registry_proof_times(params, d, w->window, &times));
  if (clock.unix_timestamp < 0 || (uint64_t)clock.unix_timestamp < times.deadline) return REGISTRY_ERR_PROOF_STILL_OPEN;

  if (registry_proof_current(w, d, registry_oracle_set_fingerprint(params))) {
    registry_settle_t settle = {d, device, w, proof, payer, params, &times, clock.slot};
    return registry_settle_proof(&settle, true);
  }
  return registry_close_uncounted_proof(device, proof, payer, w);
}
