#include "registry.h"

/* The rules hard limits must follow (initialize_config): each offence's ceiling at most 100%, a
   period cap that lets at least one slash of every offence through, positive floors and span. */
uint64_t registry_validate_limits(const registry_registry_limits_t *l) {
  const uint64_t bad = REGISTRY_ERR_INVALID_CONFIG_PARAMS;
  for (uint64_t i = 0; i < REGISTRY_OFFENCES; i++)
    if (l->max_slash_bps[i] > REGISTRY_BPS || l->max_slash_bps[i] > l->max_slash_period_bps) return bad;
  if (l->max_slash_period_bps == 0 || l->min_appeal_window_secs == 0 || l->min_config_delay_secs == 0 ||
      l->slash_period_secs == 0 || (l->padding[0] | l->padding[1]))
    return bad;
  return 0;
}

/* The rules a parameter set must follow, whoever sets it, within the hard limits. */
uint64_t registry_validate_params(const registry_config_params_t *params, const registry_registry_limits_t *limits) {
  const uint64_t bad = REGISTRY_ERR_INVALID_CONFIG_PARAMS;
  if (params->oracle_count == 0 || params->oracle_count > REGISTRY_MAX_ORACLES) return bad;
  if (params->oracle_quorum == 0 || params->oracle_quorum > params->oracle_count) return bad;
  /* with f faulty oracles, a quorum of 2f + 1 keeps the honest votes a majority of every
     counted collection, and f spare oracles keep counting alive while f of them lie
     (gpunet/votes.h) */
  if (params->oracle_quorum < 2u * params->max_faulty_oracles + 1u ||
      params->oracle_count < (uint32_t)params->oracle_quorum + params->max_faulty_oracles)
    return bad;
  if (params->vote_band_bps > REGISTRY_BPS || params->vote_deadline_secs <= 0 ||
      (params->padding[0] | params->padding[1] | params->padding[2] | params->padding[3] | params->padding[4] |
       params->padding[5]))
    return bad;
  for (uint64_t i = 0; i < REGISTRY_MAX_ORACLES; i++) {
    const SolPubkey *oracle = &params->oracles[i];
    /* live oracles are set and distinct; the unused slots stay zero */
    if ((i < params->oracle_count) == gp_pubkey_is_zero(oracle)) return bad;
    for (uint64_t j = 0; j < i && i < params->oracle_count; j++)
      if (gp_pubkey_eq(oracle, &params->oracles[j])) return bad;
  }
  if (params->hardware_class_count == 0 || params->hardware_class_count > REGISTRY_MAX_HARDWARE_CLASSES) return bad;
  for (uint64_t i = 0; i < params->hardware_class_count; i++) {
    const registry_hardware_class_t *c = &params->hardware_classes[i];
    if (c->multiplier_bps == 0) return bad;
    for (uint64_t j = 0; j < i; j++)
      if (params->hardware_classes[j].model == c->model) return bad;
  }
  if (params->base_stake == 0) return bad;
  if (params->unstake_cooldown_secs <= 0 || params->probation_secs < 0 ||
      params->heartbeat_interval_secs <= 0 || params->appeal_window_secs <= 0 ||
      params->proof_window_secs <= 0 || params->max_proof_age_secs < params->proof_window_secs)
    return bad;
  for (uint64_t i = 0; i < REGISTRY_OFFENCES; i++)
    if (params->slash_bps[i] > limits->max_slash_bps[i]) return bad; /* each ceiling is <= 100% */
  if (params->appeal_window_secs < (int64_t)limits->min_appeal_window_secs) return bad;
  if ((uint32_t)params->slash_burn_bps + params->slash_treasury_bps > REGISTRY_BPS) return bad;
  return 0;
}

int registry_class_index(const registry_config_params_t *params, uint32_t model) {
  for (int i = 0; i < params->hardware_class_count && i < REGISTRY_MAX_HARDWARE_CLASSES; i++)
    if (params->hardware_classes[i].model == model) return i;
  return -1;
}

uint64_t registry_check_proposal(const registry_config_t *config, const registry_config_params_t *next,
                                 uint32_t counts[REGISTRY_MAX_HARDWARE_CLASSES]) {
  GP_TRY(registry_validate_params(next, &config->limits));
  if (next->proof_window_secs != config->params.proof_window_secs) return REGISTRY_ERR_PROOF_WINDOW_FIXED;
  gp_memset(counts, 0, REGISTRY_MAX_HARDWARE_CLASSES * sizeof counts[0]);
  for (uint64_t i = 0; i < config->params.hardware_class_count && i < REGISTRY_MAX_HARDWARE_CLASSES; i++) {
    if (config->class_devices[i] == 0) continue;
    int j = registry_class_index(next, config->params.hardware_classes[i].model);
    if (j < 0) return REGISTRY_ERR_HARDWARE_CLASS_IN_USE;
    counts[j] = config->class_devices[i];
  }
  return 0;
}

bool registry_change_at_once(const registry_config_params_t *live, const registry_config_params_t *next) {
  /* next with every allowed reduction undone must be live itself */
  registry_config_params_t same;
  gp_memcpy(&same, next, sizeof same);
  bool removed_only = next->oracle_quorum >= live->oracle_quorum;
  for (uint64_t i = 0; i < next->oracle_count && i < REGISTRY_MAX_ORACLES && removed_only; i++)
    removed_only = registry_oracle_index(live, &next->oracles[i]) >= 0;
  if (removed_only) {
    gp_memcpy(same.oracles, live->oracles, sizeof same.oracles);
    same.oracle_count = live->oracle_count;
    same.oracle_quorum = live->oracle_quorum;
    same.max_faulty_oracles = live->max_faulty_oracles;
  }
  for (uint64_t i = 0; i < REGISTRY_OFFENCES; i++)
    if (next->slash_bps[i] <= live->slash_bps[i]) same.slash_bps[i] = live->slash_bps[i];
  if (next->appeal_window_secs >= live->appeal_window_secs) same.appeal_window_secs = live->appeal_window_secs;
  if (next->vote_band_bps <= live->vote_band_bps) same.vote_band_bps = live->vote_band_bps;
  return gp_memeq(&same, live, sizeof same);
}

/* The Config: this program's account with the Config discriminator and size. Only
   initialize_config creates one, once, at the canonical PDA ["config"], so that is enough to
   know it is THE config; re-deriving the address would cost 1,500 CU and prove nothing more. */
uint64_t registry_load_config(const SolAccountInfo *account, const SolPubkey *program_id,
                              registry_config_t **out) {
  GP_TRY(gp_check_program_account(account, program_id, REGISTRY_CONFIG_DISCRIMINATOR,
                                  REGISTRY_CONFIG_SIZE));
  *out = (registry_config_t *)(void *)account->data;
  return 0;
}

uint64_t registry_load_live_config(const SolAccountInfo *account, const SolPubkey *program_id,
                                   registry_config_t **out) {
  GP_TRY(registry_load_config(account, program_id, out));
  return (*out)->paused ? REGISTRY_ERR_PROGRAM_PAUSED : 0;
}

uint64_t registry_check_admin(const registry_config_t *config, const SolAccountInfo *admin) {
  return gp_pubkey_eq(admin->key, &config->admin) ? 0 : REGISTRY_ERR_UNAUTHORIZED;
}

