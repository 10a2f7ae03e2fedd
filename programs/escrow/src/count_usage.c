#include "escrow.h"

/* Anyone counts a job's open usage collection once its vote deadline passed, as it is
   (usage.c): so an oracle that is down, or votes that never agree, delay counting by at most
   the deadline. Votes cast under an oracle set that has since changed are dropped, not
   counted (registry_view.h). */
uint64_t escrow_count_usage(const SolParameters *p) {
  GP_TRY(escrow_check_count_usage_accounts(p));
  const SolAccountInfo *job = &p->ka[ESCROW_COUNT_USAGE_JOB];
  escrow_config_t *config;
  GP_TRY(escrow_load_config(&p->ka[ESCROW_COUNT_USAGE_CONFIG], p->program_id, &config));
  escrow_job_t *j;
  GP_TRY(escrow_load_job(job, p->program_id, &j));
  const registry_config_t *rc;
  GP_TRY(escrow_load_registry_config(&p->ka[ESCROW_COUNT_USAGE_REGISTRY_CONFIG], config, &rc));
  if (!j->pending_votes) return ESCROW_ERR_NO_USAGE_COLLECTION;
  int64_t now, deadline;
  GP_TRY(gp_unix_now(&now));
  GP_TRY(escrow_usage_deadline(j, j->pending_window, rc, &deadline));
  if (now < deadline) return ESCROW_ERR_USAGE_COLLECTION_OPEN;
  if (j->pending_oracle_set != registry_oracle_set_fingerprint(&rc->params)) j->pending_votes = 0;
  return escrow_usage_tally(j, job, rc, true);
}
