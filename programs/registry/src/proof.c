#include "registry.h"

/* The proof rules shared by submit_proof, count_proof and close_stale_proof.

   Uptime is cumulative: a vote reports the seconds the device was up since the end of its last
   counted window (the collection's base), so a window that is counted late, low or not at all
   is caught up by the next counted one. Counting follows gpunet/votes.h: the lowest of a quorum
   of votes that agree within vote_band_bps. The benchmark score and the challenge outcome are
   not one window's votes: each oracle's latest counted report is kept in the Device, and the
   device's values are decided over those (the agreeing low end, the majority). */

#define EPOCH_SECS 3600u
/* uptime_ema_bps weights the newest window 1/8; a span of several windows applies the update
   once per window, up to EMA_MAX_STEPS (after which the old value weighs (7/8)^32 < 1.4%). */
#define EMA_KEEP 7u
#define EMA_DIV 8u
#define EMA_MAX_STEPS 32u

uint64_t registry_proof_times(const registry_config_params_t *params, const registry_device_t *d, uint64_t window,
                              registry_proof_times_t *out) {
  uint64_t len = (uint64_t)params->proof_window_secs; /* > 0: registry_validate_params */
  GP_TRY(gp_mul_u64(window, len, &out->start));
  GP_TRY(gp_add_u64(out->start, len, &out->end));
  GP_TRY(gp_add_u64(out->end, (uint64_t)params->vote_deadline_secs, &out->deadline));
  /* the span starts where the last counted window ended; a device with none starts at the
     window it registered in (or this window, if it registered after it) */
  uint64_t from;
  if (d->last_proof_window) {
    GP_TRY(gp_mul_u64(d->last_proof_window, len, &from));
    GP_TRY(gp_add_u64(from, len, &from));
  } else {
    uint64_t registered = d->registered_at > 0 ? (uint64_t)d->registered_at : 0;
    from = registered / len * len;
    if (from > out->start) from = out->start;
  }
  out->span = gp_sat_sub_u64(out->end, from);
  if (out->span > (uint64_t)params->max_proof_age_secs) out->span = (uint64_t)params->max_proof_age_secs;
  return 0;
}

bool registry_proof_current(const registry_proof_window_t *w, const registry_device_t *d, uint64_t oracle_set) {
  return w->window > d->last_proof_window && w->base == d->last_proof_window && w->oracle_set == oracle_set &&
         d->status != REGISTRY_STATUS_DEREGISTERED;
}

uint64_t registry_load_proof(const SolAccountInfo *proof, const SolAccountInfo *device, const SolAccountInfo *payer,
                             const SolPubkey *program_id, registry_proof_window_t **out) {
  GP_TRY(gp_check_program_account(proof, program_id, REGISTRY_PROOF_WINDOW_DISCRIMINATOR, REGISTRY_PROOF_WINDOW_SIZE));
  registry_proof_window_t *w = (registry_proof_window_t *)(void *)proof->data;
  if (!gp_pubkey_eq(&w->device, device->key)) return REGISTRY_ERR_INVALID_PDA;
  if (!gp_pubkey_eq(payer->key, &w->payer)) return REGISTRY_ERR_WRONG_OWNER;
  *out = w;
  return 0;
}

uint64_t registry_close_uncounted_proof(const SolAccountInfo *device, SolAccountInfo *proof, const SolAccountInfo *payer,
                                       const registry_proof_window_t *w) {
  registry_proof_closed_t ev = {.discriminator = REGISTRY_PROOF_CLOSED_DISCRIMINATOR, .window = w->window, .votes = w->votes};
  gp_pubkey_copy(&ev.device, device->key);
  GP_TRY(gp_account_close(proof, payer));
  GP_EMIT_EVENT(&ev);
  return 0;
}

static uint64_t count_bits(uint16_t mask) {
  uint64_t n = 0;
  for (; mask; mask &= (uint16_t)(mask - 1)) n++;
  return n;
}

/* proven uptime, the hourly epoch (of the counted window: a caught-up span is credited to the
   epoch it is counted in), the EMA over the span's windows */
static uint64_t count_uptime(registry_device_t *d, const registry_proof_times_t *t, uint64_t len, uint64_t uptime) {
  GP_TRY(gp_add_u64(d->proven_uptime_secs, uptime, &d->proven_uptime_secs));
  uint64_t epoch = t->start / EPOCH_SECS;
  if (epoch != d->epoch) {
    d->epoch = epoch;
    d->epoch_uptime_secs = 0;
  }
  GP_TRY(gp_add_u64(d->epoch_uptime_secs, uptime, &d->epoch_uptime_secs));
  /* span >= one window: it ends at the window's end and starts at or before its start (the
     age cap is at least a window) */
  uint64_t share, steps = (t->span + len - 1) / len;
  GP_TRY(gp_mul_div_u64(uptime, REGISTRY_BPS, t->span, &share));
  if (share > REGISTRY_BPS) share = REGISTRY_BPS;
  if (steps > EMA_MAX_STEPS) steps = EMA_MAX_STEPS;
  uint64_t ema = d->uptime_ema_bps;
  for (uint64_t i = 0; i < steps; i++) ema = (ema * EMA_KEEP + share) / EMA_DIV; /* <= max(ema, 10000) */
  d->uptime_ema_bps = (uint32_t)ema;
  return 0;
}

uint64_t registry_record_reports(registry_device_t *d, const registry_reports_t *r,
                                 const registry_config_params_t *params, uint8_t *tally) {
  *tally = REGISTRY_CHALLENGE_NONE;
  if (d->oracle_set != r->oracle_set) {
    /* indexes shift with the oracle set: reports made under another set start over */
    gp_memset(d->oracle_benchmark, 0, sizeof d->oracle_benchmark);
    d->challenge_mask = d->challenge_pass_mask = 0;
    d->oracle_set = r->oracle_set;
  }
  d->reported_mask |= r->voted;
  uint16_t challenged = r->voted & r->challenged;
  d->challenge_mask |= challenged;
  d->challenge_pass_mask = (uint16_t)((d->challenge_pass_mask & ~challenged) | (r->passed & challenged));
  uint64_t benchmarks[REGISTRY_MAX_ORACLES], n = 0;
  for (uint64_t i = 0; i < REGISTRY_MAX_ORACLES; i++) {
    if (((r->voted >> i) & 1) && r->benchmark[i]) d->oracle_benchmark[i] = r->benchmark[i];
    if (d->oracle_benchmark[i]) benchmarks[n++] = d->oracle_benchmark[i];
  }
  gp_vote_rule_t rule = registry_vote_rule(params);
  gp_votes_t agreed;
  if (n && gp_votes_decide(&rule, benchmarks, n, true, &agreed) == GP_VOTES_DECIDED) d->benchmark_score = agreed.lo;
  /* at most one tally per counted window, when reports on it carry a challenge and a quorum of
     the oracles' latest outcomes agree and outnumber the others: a faulty oracle can withhold a
     majority (a tie changes nothing) but never invert it; a late report can make the window's
     tally if its votes did not, never a second one */
  if (!challenged || d->window_tallied) return 0;
  uint64_t passes = count_bits(d->challenge_pass_mask & d->challenge_mask);
  uint64_t fails = count_bits(d->challenge_mask) - passes;
  uint32_t *count;
  if (passes >= params->oracle_quorum && passes > fails) {
    count = &d->challenges_passed;
    *tally = REGISTRY_CHALLENGE_PASSED;
  } else if (fails >= params->oracle_quorum && fails > passes) {
    count = &d->challenges_failed;
    *tally = REGISTRY_CHALLENGE_FAILED;
  } else {
    return 0;
  }
  if (*count == UINT32_MAX) return REGISTRY_ERR_ARITHMETIC_OVERFLOW;
  (*count)++;
  d->window_tallied = 1;
  return 0;
}

uint64_t registry_settle_proof(const registry_settle_t *s, bool final) {
  registry_device_t *d = s->d;
  registry_proof_window_t *w = s->w;
  const registry_config_params_t *params = s->params;
  uint64_t uptimes[REGISTRY_MAX_ORACLES], n = 0;
  for (uint64_t i = 0; i < REGISTRY_MAX_ORACLES; i++)
    if ((w->voted_mask >> i) & 1) uptimes[n++] = w->uptime[i];
  gp_vote_rule_t rule = registry_vote_rule(params);
  gp_votes_t agreed;
  int outcome = gp_votes_decide(&rule, uptimes, n, final, &agreed);
  if (outcome == GP_VOTES_PENDING) return 0;

  if (outcome == GP_VOTES_UNDECIDED) {
    registry_proof_undecided_t ev = {.discriminator = REGISTRY_PROOF_UNDECIDED_DISCRIMINATOR,
                                     .window = w->window, .base = w->base, .votes = w->votes};
    gp_pubkey_copy(&ev.device, s->device->key);
    GP_EMIT_EVENT(&ev);
  } else {
    registry_proof_counted_t ev = {.discriminator = REGISTRY_PROOF_COUNTED_DISCRIMINATOR,
                                   .window = w->window, .base = w->base, .uptime_secs = agreed.lo, .votes = w->votes};
    gp_pubkey_copy(&ev.device, s->device->key);
    GP_TRY(count_uptime(d, s->times, (uint64_t)params->proof_window_secs, agreed.lo));
    /* a new last counted window: whose report is in, and its tally, start over */
    d->reported_mask = 0;
    d->window_tallied = 0;
    registry_reports_t voters = {w->voted_mask, w->challenge_mask, w->challenge_pass_mask, w->benchmark, w->oracle_set};
    GP_TRY(registry_record_reports(d, &voters, params, &ev.challenge));
    ev.benchmark_score = d->benchmark_score;
    d->reputation = registry_reputation(d);
    d->last_proof_window = w->window;
    d->last_proof_slot = s->slot;
    ev.proven_uptime_secs = d->proven_uptime_secs;
    ev.reputation = d->reputation;
    GP_EMIT_EVENT(&ev);
    GP_TRY(registry_refresh_status(d, s->device->key, params));
  }
  return gp_account_close(s->proof, s->payer);
}
