#include "escrow.h"

/* Anyone ends a job whose time is up (see escrow_end_job): one still waiting for its devices
   after the acceptance window expires (nobody ran, so everything is refunded); a running one
   completes at the end of its paid time. Works while paused. */
uint64_t escrow_expire_job(const SolParameters *p) {
  GP_TRY(escrow_check_expire_job_accounts(p));
  escrow_config_t *config;
  GP_TRY(escrow_load_config(&p->ka[ESCROW_EXPIRE_JOB_CONFIG], p->program_id, &config));
  escrow_end_t e = {p, &p->ka[ESCROW_EXPIRE_JOB_JOB], &p->ka[ESCROW_EXPIRE_JOB_VAULT], &p->ka[ESCROW_EXPIRE_JOB_RENTER_TOKEN],
                    {config, &p->ka[ESCROW_EXPIRE_JOB_REGISTRY_CONFIG], &p->ka[ESCROW_EXPIRE_JOB_ESCROW_AUTHORITY],
                     &p->ka[ESCROW_EXPIRE_JOB_REGISTRY_PROGRAM]},
                    ESCROW_EXPIRE_JOB_NUM_ACCOUNTS};
  escrow_job_t *j;
  GP_TRY(escrow_load_job(e.job, p->program_id, &j));
  int64_t now;
  GP_TRY(gp_unix_now(&now));
  if (j->state == ESCROW_JOB_OPEN || j->state == ESCROW_JOB_ASSIGNED) {
    if (now < j->created_at + j->acceptance_window_secs) return ESCROW_ERR_JOB_NOT_EXPIRED;
    return escrow_end_job(&e, j, ESCROW_JOB_EXPIRED, now);
  }
  if (j->state != ESCROW_JOB_RUNNING) return ESCROW_ERR_INVALID_JOB_STATE;
  int64_t end = j->started_at + j->duration_secs;
  if (now < end) return ESCROW_ERR_JOB_NOT_EXPIRED;
  return escrow_end_job(&e, j, ESCROW_JOB_COMPLETED, end);
}
