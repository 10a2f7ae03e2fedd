#include "escrow.h"

/* Each report is the slot's CUMULATIVE verified seconds as of the window's end, not the
   window's delta: a window that counts nothing (undecided) loses nothing, the next counted
   window carries the total. One window collects votes at a time, inside the job (no vote
   accounts, no rent); it counts as soon as every slot is decided, or when it is final: every
   live oracle voted, or its vote deadline (window end + the registry's vote_deadline_secs)
   passed (usage.c). Until then a vote for a later window is refused, so no oracle can wipe
   the votes cast; after it, the open collection is counted first. Every value is checked
   against the slot's wall time on the job up to the window's end. Votes cast under an oracle
   set that has since changed start over (registry_view.h). */

static uint64_t check_report(const escrow_job_t *j, const escrow_usage_report_t *r, int64_t window_end) {
  for (uint8_t i = 0; i < ESCROW_MAX_SLOTS; i++) {
    uint64_t cap = i < j->slot_count ? escrow_slot_cap(j, &j->slots[i], window_end) : 0;
    if (r->secs[i] > cap) return ESCROW_ERR_INVALID_USAGE;
  }
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
  /* A window that starts after the job's end adds nothing, and refusing it bounds how long an
     open collection can hold close_job: the last one ends within a window of the job's end. */
  int64_t job_end = j->ended_at ? j->ended_at : j->started_at + j->duration_secs;
  if ((int64_t)end <= j->started_at || (int64_t)start > job_end || r->window <= j->last_usage_window)
    return ESCROW_ERR_STALE_USAGE;
  GP_TRY(check_report(j, r, (int64_t)end));
  uint64_t oracle_set = registry_oracle_set_fingerprint(&rc->params);
  if (j->pending_votes && j->pending_oracle_set != oracle_set) j->pending_votes = 0; /* see registry_view.h */
  if (j->pending_votes) {
    if (r->window < j->pending_window) return ESCROW_ERR_STALE_USAGE;
    if (r->window == j->pending_window && (j->pending_mask >> index) & 1) return ESCROW_ERR_DUPLICATE_VOTE;
    if (r->window > j->pending_window) {
      int64_t deadline;
      GP_TRY(escrow_usage_deadline(j, j->pending_window, rc, &deadline));
      if (now < deadline) return ESCROW_ERR_USAGE_COLLECTION_OPEN;
      GP_TRY(escrow_usage_tally(j, job, rc, true));
    }
  }
  if (!j->pending_votes) {
    j->pending_window = r->window;
    j->pending_oracle_set = oracle_set;
    j->pending_mask = 0;
  }
  uint32_t *row = &j->votes[j->pending_votes * ESCROW_MAX_SLOTS];
  for (uint8_t i = 0; i < ESCROW_MAX_SLOTS; i++) row[i] = r->secs[i];
  j->pending_mask |= (uint16_t)(1u << index);
  j->pending_votes++;

  escrow_usage_voted_t voted = {.discriminator = ESCROW_USAGE_VOTED_DISCRIMINATOR, .window = r->window,
                                .votes = j->pending_votes};
  gp_memcpy(voted.secs, r->secs, sizeof voted.secs);
  gp_pubkey_copy(&voted.job, job->key);
  gp_pubkey_copy(&voted.oracle, oracle->key);
  GP_EMIT_EVENT(&voted);

  int64_t deadline;
  GP_TRY(escrow_usage_deadline(j, r->window, rc, &deadline));
  return escrow_usage_tally(j, job, rc, j->pending_votes >= rc->params.oracle_count || now >= deadline);
}
