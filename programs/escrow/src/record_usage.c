#include "escrow.h"

/* Usage follows the registry's proof rules, with one difference that makes it robust: each
   report is the slot's CUMULATIVE verified seconds as of the window's end, not the window's
   delta. A window that never reaches its quorum, or is overtaken by a later one, loses nothing:
   the next counted window carries the total. So only one window collects votes at a time (in
   the job itself: no vote accounts, no rent), a vote for a later window replaces it, and a
   counted window moves each slot's verified time to the lower median of the votes, never down.
   Every value is checked against the slot's wall time on the job up to the window's end.
   Votes cast under an oracle set that has since changed start over (registry_view.h). */

static uint64_t check_report(const escrow_job_t *j, const escrow_usage_report_t *r, int64_t window_end) {
  for (uint8_t i = 0; i < ESCROW_MAX_SLOTS; i++) {
    uint64_t cap = i < j->slot_count ? escrow_slot_cap(j, &j->slots[i], window_end) : 0;
    if (r->secs[i] > cap) return ESCROW_ERR_INVALID_USAGE;
  }
  return 0;
}

/* Counts the pending window: each slot's verified time becomes the lower median of the votes
   if that is higher. Returns the verified seconds summed over slots. */
static uint64_t count(escrow_job_t *j, uint64_t *total) {
  uint64_t sum = 0, v[ESCROW_MAX_ORACLES];
  for (uint8_t i = 0; i < j->slot_count; i++) {
    for (uint8_t r = 0; r < j->pending_votes; r++) v[r] = j->votes[r * ESCROW_MAX_SLOTS + i];
    uint64_t median = gp_lower_median_u64(v, j->pending_votes);
    escrow_slot_t *s = &j->slots[i];
    if (median > s->verified_secs) s->verified_secs = median;
    GP_TRY(gp_add_u64(sum, s->verified_secs, &sum));
  }
  j->last_usage_window = j->pending_window;
  j->pending_votes = 0;
  j->pending_mask = 0;
  *total = sum;
  return 0;
}

uint64_t escrow_record_usage(const SolParameters *p) {
  GP_TRY(escrow_check_record_usage_accounts(p));
  const SolAccountInfo *job = &p->ka[ESCROW_RECORD_USAGE_JOB];
  const SolAccountInfo *oracle = &p->ka[ESCROW_RECORD_USAGE_ORACLE];
  escrow_config_t *config;
  GP_TRY(escrow_load_config(&p->ka[ESCROW_RECORD_USAGE_CONFIG], p->program_id, &config));
  escrow_job_t *j;
  GP_TRY(escrow_load_job(job, p->program_id, &j));
  const registry_config_t *rc;
  GP_TRY(escrow_load_registry_config(&p->ka[ESCROW_RECORD_USAGE_REGISTRY_CONFIG], config, &rc));
  int index = registry_oracle_index(&rc->params, oracle->key);
  if (index < 0) return ESCROW_ERR_NOT_ORACLE;
  if (!j->started_at) return ESCROW_ERR_INVALID_JOB_STATE;

  escrow_record_usage_args_t args;
  GP_TRY(escrow_decode_record_usage_args(p->data + 8, p->data_len - 8, &args));
  const escrow_usage_report_t *r = &args.report;
  uint64_t start, end;
  GP_TRY(gp_mul_u64(r->window, (uint64_t)j->usage_window_secs, &start));
  GP_TRY(gp_add_u64(start, (uint64_t)j->usage_window_secs, &end));
  if (end > INT64_MAX) return ESCROW_ERR_ARITHMETIC_OVERFLOW;
  int64_t now;
  GP_TRY(gp_unix_now(&now));
  if ((int64_t)end > now) return ESCROW_ERR_USAGE_WINDOW_NOT_CLOSED;
  if ((int64_t)end <= j->started_at || r->window <= j->last_usage_window) return ESCROW_ERR_STALE_USAGE;
  uint64_t oracle_set = registry_oracle_set_fingerprint(&rc->params);
  if (j->pending_votes && j->pending_oracle_set != oracle_set) j->pending_votes = 0; /* see registry_view.h */
  if (j->pending_votes) {
    if (r->window < j->pending_window) return ESCROW_ERR_STALE_USAGE;
    if (r->window == j->pending_window && (j->pending_mask >> index) & 1) return ESCROW_ERR_DUPLICATE_VOTE;
  }
  GP_TRY(check_report(j, r, (int64_t)end));
  if (!j->pending_votes || r->window > j->pending_window) {
    j->pending_window = r->window;
    j->pending_oracle_set = oracle_set;
    j->pending_votes = 0;
    j->pending_mask = 0;
  }
  uint32_t *row = &j->votes[j->pending_votes * ESCROW_MAX_SLOTS];
  for (uint8_t i = 0; i < ESCROW_MAX_SLOTS; i++) row[i] = r->secs[i];
  j->pending_mask |= (uint16_t)(1u << index);
  j->pending_votes++;

  escrow_usage_voted_t voted = {.discriminator = ESCROW_USAGE_VOTED_DISCRIMINATOR, .window = r->window,
                                .votes = j->pending_votes};
  gp_pubkey_copy(&voted.job, job->key);
  gp_pubkey_copy(&voted.oracle, oracle->key);
  GP_EMIT_EVENT(&voted);
  if (j->pending_votes < rc->params.oracle_quorum) return 0;

  escrow_usage_counted_t counted = {.discriminator = ESCROW_USAGE_COUNTED_DISCRIMINATOR, .window = r->window};
  GP_TRY(count(j, &counted.verified_secs));
  gp_pubkey_copy(&counted.job, job->key);
  GP_EMIT_EVENT(&counted);
  return 0;
}
