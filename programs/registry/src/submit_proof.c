#include "registry.h"

/* submit_proof: one oracle's attestation for one proof window of a device.

   Votes collect in the ProofWindow PDA ["proof", device, window u64 LE], created by the first
   voting oracle. The vote that brings the window to oracle_quorum distinct oracles counts it:
     uptime     the lower median of the voters' uptimes (for an even count the lower of the two
                middle values, so a single high outlier can never raise what is credited);
     benchmark  the lower median of the non-zero benchmarks, if any voter reported one (the
                device's benchmark_score is left as it was otherwise);
     challenge  passed if a strict majority of the oracles that reported a challenge saw it pass;
                a tie counts as failed (a hardware claim has to convince the majority); no
                change when nobody reported one.
   ProofCounted carries the window's values (benchmark_score 0 and challenge 0 when no voter
   reported one) and the device's new proven uptime and reputation.
   The counted window is then closed and its rent goes to the oracle whose vote reached the
   quorum: only the accounts of this instruction can be credited, and the payer may not be
   among them. The oracles run the same service, so over many windows the rent evens out.
   Late votes for a counted window fail with StaleProof (window <= last_proof_window). */

#define MAX_ORACLES 16
#define EPOCH_SECS 3600u
/* uptime_ema_bps weights the newest window 1/8. */
#define EMA_KEEP 7u
#define EMA_DIV 8u

static uint64_t check_report(const registry_proof_report_t *r, uint64_t window_secs) {
  if (r->uptime_secs > window_secs || r->challenge > REGISTRY_CHALLENGE_FAILED ||
      (r->padding[0] | r->padding[1] | r->padding[2]))
    return REGISTRY_ERR_INVALID_PROOF;
  return 0;
}

/* The window [start, start + len) has ended, is newer than the last counted one and did not
   start more than max_proof_age_secs ago. */
static uint64_t check_window(uint64_t window, const registry_config_params_t *params,
                             const registry_device_t *d, int64_t now, uint64_t *start) {
  uint64_t len = (uint64_t)params->proof_window_secs; /* > 0: registry_validate_params */
  uint64_t end;
  GP_TRY(gp_mul_u64(window, len, start));
  GP_TRY(gp_add_u64(*start, len, &end));
  uint64_t t = now > 0 ? (uint64_t)now : 0;
  if (end > t) return REGISTRY_ERR_PROOF_WINDOW_NOT_CLOSED;
  if (window <= d->last_proof_window) return REGISTRY_ERR_STALE_PROOF;
  if (*start < gp_sat_sub_u64(t, (uint64_t)params->max_proof_age_secs)) return REGISTRY_ERR_STALE_PROOF;
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
    w->version = REGISTRY_VERSION;
  } else {
    /* Created above at its canonical address, so its fields identify it (see device.c). */
    GP_TRY(gp_check_data(proof, REGISTRY_PROOF_WINDOW_DISCRIMINATOR, REGISTRY_PROOF_WINDOW_SIZE));
    w = (registry_proof_window_t *)(void *)proof->data;
    if (!gp_pubkey_eq(&w->device, device->key) || w->window != window) return REGISTRY_ERR_INVALID_PDA;
  }
  *out = w;
  return 0;
}

/* Counts a window that reached its quorum into the device (ev gets the counted values). */
static uint64_t count_window(registry_device_t *d, const registry_proof_window_t *w, uint64_t start,
                             uint64_t window_secs, registry_proof_counted_t *ev) {
  uint64_t uptimes[MAX_ORACLES], benchmarks[MAX_ORACLES];
  uint64_t n = 0, nb = 0, reported = 0, passed = 0;
  for (uint64_t i = 0; i < MAX_ORACLES; i++) {
    if (!((w->voted_mask >> i) & 1)) continue;
    uptimes[n++] = w->uptime[i];
    if (w->benchmark[i]) benchmarks[nb++] = w->benchmark[i];
    if ((w->challenge_mask >> i) & 1) {
      reported++;
      passed += (w->challenge_pass_mask >> i) & 1;
    }
  }
  uint64_t uptime = gp_lower_median_u64(uptimes, n); /* n >= 1: the current vote is in the mask */
  ev->uptime_secs = uptime;
  if (nb) d->benchmark_score = ev->benchmark_score = gp_lower_median_u64(benchmarks, nb);
  if (reported) {
    bool pass = passed * 2 > reported;
    uint32_t *tally = pass ? &d->challenges_passed : &d->challenges_failed;
    if (*tally == UINT32_MAX) return REGISTRY_ERR_ARITHMETIC_OVERFLOW;
    (*tally)++;
    ev->challenge = pass ? REGISTRY_CHALLENGE_PASSED : REGISTRY_CHALLENGE_FAILED;
  }

  GP_TRY(gp_add_u64(d->proven_uptime_secs, uptime, &d->proven_uptime_secs));
  uint64_t epoch = start / EPOCH_SECS;
  if (epoch != d->epoch) {
    d->epoch = epoch;
    d->epoch_uptime_secs = 0;
  }
  GP_TRY(gp_add_u64(d->epoch_uptime_secs, uptime, &d->epoch_uptime_secs));
  /* A vote's uptime is at most the window length it was checked against; a shorter window set
     by update_config mid-vote could push the share past 100%, so it is capped there. */
  uint64_t share, ema;
  GP_TRY(gp_mul_div_u64(uptime, REGISTRY_BPS, window_secs, &share));
  if (share > REGISTRY_BPS) share = REGISTRY_BPS;
  GP_TRY(gp_mul_u64(d->uptime_ema_bps, EMA_KEEP, &ema));
  GP_TRY(gp_add_u64(ema, share, &ema));
  d->uptime_ema_bps = (uint32_t)(ema / EMA_DIV); /* <= max(old ema, 10000) */
  d->reputation = registry_reputation(d);
  ev->proven_uptime_secs = d->proven_uptime_secs;
  ev->reputation = d->reputation;
  return 0;
}

uint64_t registry_submit_proof(const SolParameters *p) {
  GP_TRY(registry_check_submit_proof_accounts(p));
  SolAccountInfo *device = &p->ka[REGISTRY_SUBMIT_PROOF_DEVICE];
  SolAccountInfo *proof = &p->ka[REGISTRY_SUBMIT_PROOF_PROOF];
  const SolAccountInfo *oracle = &p->ka[REGISTRY_SUBMIT_PROOF_ORACLE];
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
  uint64_t window_secs = (uint64_t)params->proof_window_secs;
  GP_TRY(check_report(r, window_secs));
  SolClock clock;
  if (gp_clock_get(&clock)) return GP_BUILTIN_INVALID_ARGUMENT;
  uint64_t start;
  GP_TRY(check_window(r->window, params, d, clock.unix_timestamp, &start));

  registry_proof_window_t *w;
  GP_TRY(open_proof(p, r->window, &w));
  uint64_t oracle_set = registry_oracle_set_fingerprint(params);
  if (w->oracle_set != oracle_set) {
    /* First vote, or the oracle set changed since the window's votes: indexes may have
       shifted, so those votes start over (see registry_view.h). */
    gp_memset(w->benchmark, 0, sizeof w->benchmark);
    gp_memset(w->uptime, 0, sizeof w->uptime);
    w->voted_mask = w->challenge_mask = w->challenge_pass_mask = 0;
    w->votes = 0;
    w->oracle_set = oracle_set;
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
                                        .votes = w->votes};
  gp_pubkey_copy(&recorded.device, device->key);
  gp_pubkey_copy(&recorded.oracle, oracle->key);
  GP_EMIT_EVENT(&recorded);
  if (w->votes < params->oracle_quorum) return 0;

  registry_proof_counted_t counted = {.discriminator = REGISTRY_PROOF_COUNTED_DISCRIMINATOR, .window = r->window};
  gp_pubkey_copy(&counted.device, device->key);
  GP_TRY(count_window(d, w, start, window_secs, &counted));
  d->last_proof_window = r->window;
  d->last_proof_slot = clock.slot;
  GP_EMIT_EVENT(&counted);
  GP_TRY(registry_refresh_status(d, device->key, params));
  return gp_account_close(proof, oracle);
}
