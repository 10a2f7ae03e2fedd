#include "escrow.h"

/* The renter stops the job now (or at the end of its paid time, if that passed): see
   escrow_end_job. Works while paused. */
uint64_t escrow_cancel_job(const SolParameters *p) {
  GP_TRY(escrow_check_cancel_job_accounts(p));
  escrow_config_t *config;
  GP_TRY(escrow_load_config(&p->ka[ESCROW_CANCEL_JOB_CONFIG], p->program_id, &config));
  escrow_end_t e = {p, &p->ka[ESCROW_CANCEL_JOB_JOB], &p->ka[ESCROW_CANCEL_JOB_VAULT], &p->ka[ESCROW_CANCEL_JOB_RENTER_TOKEN],
                    {config, &p->ka[ESCROW_CANCEL_JOB_REGISTRY_CONFIG], &p->ka[ESCROW_CANCEL_JOB_ESCROW_AUTHORITY],
                     &p->ka[ESCROW_CANCEL_JOB_REGISTRY_PROGRAM]},
                    ESCROW_CANCEL_JOB_NUM_ACCOUNTS};
  escrow_job_t *j;
  GP_TRY(escrow_load_job(e.job, p->program_id, &j));
  if (!gp_pubkey_eq(p->ka[ESCROW_CANCEL_JOB_RENTER].key, &j->renter)) return ESCROW_ERR_NOT_RENTER;
  if (j->state > ESCROW_JOB_RUNNING) return ESCROW_ERR_INVALID_JOB_STATE;
  int64_t at;
  GP_TRY(gp_unix_now(&at));
  if (j->state == ESCROW_JOB_RUNNING && at > j->started_at + j->duration_secs) at = j->started_at + j->duration_secs;
  return escrow_end_job(&e, j, ESCROW_JOB_CANCELLED, at);
}
