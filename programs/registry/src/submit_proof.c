#include "registry.h"

/* submit_proof: one oracle's attestation for one proof window of a device.

   Votes collect in the ProofWindow PDA ["proof", device, window u64 LE], created (and paid) by
   the first voting oracle. A vote reports the device's uptime since the end of its last counted
   window (the collection's base; proof.c), so it may exceed one window when earlier windows did
   not count. Each vote is decided with gpunet/votes.h (registry_settle_proof): once a quorum of
   the votes agree within vote_band_bps the window counts their low end; while they do not, it
   waits for more votes, and when every live oracle voted without agreement it closes
   uncounted. After the deadline (end + vote_deadline_secs) anyone may decide the votes cast
   (count_proof); until someone does, late votes still join, since they can only help a quorum
   agree. A closed window's rent goes back to its payer.
   When a window counts, the collections still open for later windows measure from an old base:
   their next vote starts them over from the new one (their earlier votes would count time
   twice), and close_stale_proof may close them.

   A vote on the device's last counted window is a late report when its oracle's report on
   that window is not in (Device.reported_mask): with a quorum below the oracle count, an
   oracle that always votes last would otherwise find every window counted and never report a
   benchmark or challenge. Its uptime counts nothing (the window's is decided and its account
   closed); its benchmark and challenge outcome become the oracle's latest, and the window's
   tally is made if its votes did not make it (registry_record_reports): once per oracle and
   window (DuplicateVote), within max_proof_age_secs, under the oracle set the Device's
   reports were made under (StaleProof otherwise). */

static uint64_t check_report(const registry_proof_report_t *r, uint64_t span) {
  if (r->uptime_secs > span || r->challenge > REGISTRY_CHALLENGE_FAILED ||
      (r->padding[0] | r->padding[1] | r->padding[2]))
    return REGISTRY_ERR_INVALID_PROOF;
  return 0;
}

/* The window has ended, is newer than the last counted one and did not start more than
   max_proof_age_secs ago. */
static uint64_t check_window(uint64_t window, const registry_config_params_t *params, const registry_device_t *d,
                             int64_t now, registry_proof_times_t *t) {
  GP_TRY(registry_proof_times(params, d, window, t));
  uint64_t at = now > 0 ? (uint64_t)now : 0;
  if (t->end > at) return REGISTRY_ERR_PROOF_WINDOW_NOT_CLOSED;
  if (window <= d->last_proof_window) return REGISTRY_ERR_STALE_PROOF;
  if (t->start < gp_sat_sub_u64(at, (uint64_t)params->max_proof_age_secs)) return REGISTRY_ERR_STALE_PROOF;
  return 0;
}

/* A late report on the last counted window (see above); the proof account is not touched. */
static uint64_t late_report(const SolParameters *p, registry_device_t *d, const registry_config_params_t *params,
                            const registry_proof_report_t *r, int64_t now) {
  const SolAccountInfo *device = &p->ka[REGISTRY_SUBMIT_PROOF_DEVICE];
  const SolAccountInfo *oracle = &p->ka[REGISTRY_SUBMIT_PROOF_ORACLE];
  int slot = registry_oracle_index(params, oracle->key); /* a live oracle: submit_proof checked */
  uint64_t start, at = now > 0 ? (uint64_t)now : 0;
  GP_TRY(gp_mul_u64(r->window, (uint64_t)params->proof_window_secs, &start));
  uint64_t oracle_set = registry_oracle_set_fingerprint(params);
  if (start < gp_sat_sub_u64(at, (uint64_t)params->max_proof_age_secs) || d->oracle_set != oracle_set)
    return REGISTRY_ERR_STALE_PROOF;
  if (r->challenge > REGISTRY_CHALLENGE_FAILED || (r->padding[0] | r->padding[1] | r->padding[2]))
    return REGISTRY_ERR_INVALID_PROOF;
  uint16_t bit = (uint16_t)(1u << slot);
  if (d->reported_mask & bit) return REGISTRY_ERR_DUPLICATE_VOTE;
  uint64_t benchmark[REGISTRY_MAX_ORACLES] = {0};
  benchmark[slot] = r->benchmark_score;
  registry_reports_t report = {bit, r->challenge != REGISTRY_CHALLENGE_NONE ? bit : 0,
                               r->challenge == REGISTRY_CHALLENGE_PASSED ? bit : 0, benchmark, oracle_set};
  registry_late_report_recorded_t ev = {.discriminator = REGISTRY_LATE_REPORT_RECORDED_DISCRIMINATOR,
                                        .window = r->window,
                                        .benchmark_score = r->benchmark_score,
                                        .challenge = r->challenge};
  GP_TRY(registry_record_reports(d, &report, params, &ev.tally));
  d->reputation = registry_reputation(d);
  ev.device_benchmark_score = d->benchmark_score;
  ev.reputation = d->reputation;
  gp_pubkey_copy(&ev.device, device->key);
  gp_pubkey_copy(&ev.oracle, oracle->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}

/* The window's vote account: created (paid by the oracle) if this is the first vote, checked
   otherwise (owner, size, discriminator, PDA with its stored bump, device and window). */
static uint64_t open_proof(const SolParameters *p, uint64_t window, registry_proof_window_t **out) {
  SolAccountInfo *proof = &p->ka[REGISTRY_SUBMIT_PROOF_PROOF];
  const SolAccountInfo *device = &p->ka[REGISTRY_SUBMIT_PROOF_DEVICE];
  const SolAccountInfo *oracle = &p->ka[REGISTRY_SUBMIT_PROOF_ORACLE];
  uint8_t window_le[8];
  gp_store_u64(window_le, window);
  uint8_t bump;
  SolSignerSeed seeds[4] = {{(const uint8_t *)REGISTRY_SEED_PROOF, REGISTRY_SEED_PROOF_LEN},
                            {device->key->x, SOL_PUBKEY_SIZE},
                            {window_le, 8},
                            {&bump, 1}};
  registry_proof_window_t *w;
  if (!gp_pubkey_eq(proof->owner, p->program_id)) {
    GP_TRY(gp_check_canonical_pda(proof, seeds, 3, p->program_id, &bump));
    SolSignerSeeds signer = {seeds, 4};
    gp_create_pda_t create = {oracle, proof, p->program_id, &signer, REGISTRY_PROOF_WINDOW_SIZE};
    GP_TRY(gp_account_create_pda(&create));
    w = (registry_proof_window_t *)(void *)proof->data;
    w->discriminator = REGISTRY_PROOF_WINDOW_DISCRIMINATOR;
    gp_pubkey_copy(&w->device, device->key);
    gp_pubkey_copy(&w->payer, oracle->key);
    w->window = window;
    w->bump = bump;
    w->version = REGISTRY_LAYOUT_VERSION;
  } else {
    /* Created above at its canonical address, so its fields identify it (see device.c). */
    GP_TRY(gp_check_data(proof, REGISTRY_PROOF_WINDOW_DISCRIMINATOR, REGISTRY_PROOF_WINDOW_SIZE));
    w = (registry_proof_window_t *)(void *)proof->data;
    if (!gp_pubkey_eq(&w->device, device->key) || w->window != window) return REGISTRY_ERR_INVALID_PDA;
  }
  *out = w;
  return 0;
}

uint64_t registry_submit_proof(const SolParameters *p) {
  GP_TRY(registry_check_submit_proof_accounts(p));
  SolAccountInfo *device = &p->ka[REGISTRY_SUBMIT_PROOF_DEVICE];
  SolAccountInfo *proof = &p->ka[REGISTRY_SUBMIT_PROOF_PROOF];
  const SolAccountInfo *oracle = &p->ka[REGISTRY_SUBMIT_PROOF_ORACLE];
  const SolAccountInfo *payer = &p->ka[REGISTRY_SUBMIT_PROOF_PAYER];
  registry_config_t *config;
  GP_TRY(registry_load_live_config(&p->ka[REGISTRY_SUBMIT_PROOF_CONFIG], p->program_id, &config));
  const registry_config_params_t *params = &config->params;
  registry_device_t *d;
  GP_TRY(registry_load_device(device, p->program_id, &d));
  if (d->status == REGISTRY_STATUS_DEREGISTERED) return REGISTRY_ERR_DEVICE_DEREGISTERED;
  int slot = registry_oracle_index(params, oracle->key);
  if (slot < 0) return REGISTRY_ERR_NOT_ORACLE;

  registry_submit_proof_args_t args;
  GP_TRY(registry_decode_submit_proof_args(p->data + 8, p->data_len - 8, &args));
  const registry_proof_report_t *r = &args.report;
  SolClock clock;
  if (gp_clock_get(&clock)) return GP_BUILTIN_INVALID_ARGUMENT;
  if (r->window == d->last_proof_window && d->last_proof_window != 0)
    return late_report(p, d, params, r, clock.unix_timestamp);
  registry_proof_times_t times;
  GP_TRY(check_window(r->window, params, d, clock.unix_timestamp, &times));
  GP_TRY(check_report(r, times.span));

  registry_proof_window_t *w;
  GP_TRY(open_proof(p, r->window, &w));
  if (!gp_pubkey_eq(payer->key, &w->payer)) return REGISTRY_ERR_WRONG_OWNER;
  uint64_t oracle_set = registry_oracle_set_fingerprint(params);
  if (w->oracle_set != oracle_set || w->base != d->last_proof_window) {
    /* First vote; or the oracle set changed since the window's votes (indexes may have
       shifted, see registry_view.h); or a window counted since, so they measure uptime from
       an old base: those votes start over. */
    gp_memset(w->benchmark, 0, sizeof w->benchmark);
    gp_memset(w->uptime, 0, sizeof w->uptime);
    w->voted_mask = w->challenge_mask = w->challenge_pass_mask = 0;
    w->votes = 0;
    w->oracle_set = oracle_set;
    w->base = d->last_proof_window;
  }
  uint16_t bit = (uint16_t)(1u << slot);
  if (w->voted_mask & bit) return REGISTRY_ERR_DUPLICATE_VOTE;
  w->voted_mask |= bit;
  w->uptime[slot] = r->uptime_secs;
  w->benchmark[slot] = r->benchmark_score;
  if (r->challenge != REGISTRY_CHALLENGE_NONE) w->challenge_mask |= bit;
  if (r->challenge == REGISTRY_CHALLENGE_PASSED) w->challenge_pass_mask |= bit;
  w->votes++; /* <= 16: one per oracle slot */

  registry_proof_recorded_t recorded = {.discriminator = REGISTRY_PROOF_RECORDED_DISCRIMINATOR,
                                        .window = r->window,
                                        .base = w->base,
                                        .benchmark_score = r->benchmark_score,
                                        .uptime_secs = r->uptime_secs,
                                        .votes = w->votes,
                                        .challenge = r->challenge};
  gp_pubkey_copy(&recorded.device, device->key);
  gp_pubkey_copy(&recorded.oracle, oracle->key);
  GP_EMIT_EVENT(&recorded);
  registry_settle_t settle = {d, device, w, proof, payer, params, &times, clock.slot};
  return registry_settle_proof(&settle, w->votes >= params->oracle_count);
}
