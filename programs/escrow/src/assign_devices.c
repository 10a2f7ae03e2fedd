#include "escrow.h"

/* The renter or the scheduler proposes devices (the remaining accounts) for free places: while
   the job waits for its devices, or to fill the place of one that left a running job. */
uint64_t escrow_assign_devices(const SolParameters *p) {
  GP_TRY(escrow_check_assign_devices_accounts(p));
  const SolAccountInfo *job = &p->ka[ESCROW_ASSIGN_DEVICES_JOB];
  escrow_config_t *config;
  GP_TRY(escrow_load_live_config(&p->ka[ESCROW_ASSIGN_DEVICES_CONFIG], p->program_id, &config));
  escrow_job_t *j;
  GP_TRY(escrow_load_job(job, p->program_id, &j));
  GP_TRY(escrow_check_renter_or_scheduler(j, config, &p->ka[ESCROW_ASSIGN_DEVICES_AUTHORITY]));
  const registry_config_t *rc;
  GP_TRY(escrow_load_registry_config(&p->ka[ESCROW_ASSIGN_DEVICES_REGISTRY_CONFIG], config, &rc));
  if (j->state > ESCROW_JOB_RUNNING) return ESCROW_ERR_INVALID_JOB_STATE;
  int64_t now;
  GP_TRY(gp_unix_now(&now));
  if (j->state == ESCROW_JOB_RUNNING && now >= j->started_at + j->duration_secs) return ESCROW_ERR_JOB_TIME_UP;
  if (p->ka_num <= ESCROW_ASSIGN_DEVICES_NUM_ACCOUNTS) return ESCROW_ERR_NOT_ENOUGH_ACCOUNTS;

  for (uint64_t i = ESCROW_ASSIGN_DEVICES_NUM_ACCOUNTS; i < p->ka_num; i++)
    GP_TRY(escrow_propose(j, job, &p->ka[i], config, rc));
  if (j->state == ESCROW_JOB_OPEN) j->state = ESCROW_JOB_ASSIGNED;
  return 0;
}
