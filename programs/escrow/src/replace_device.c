#include "escrow.h"

/* The renter or the scheduler swaps a slot's device (hired or only proposed) for another:
   the old one leaves, paid for its verified time, and the new one is proposed in a fresh slot,
   so the renter's escrow carries over. Works while paused: leaving is a way out, and the
   proposal locks nothing (accept_job, which hires, is paused). */
uint64_t escrow_replace_device(const SolParameters *p) {
  GP_TRY(escrow_check_replace_device_accounts(p));
  const SolAccountInfo *job = &p->ka[ESCROW_REPLACE_DEVICE_JOB];
  escrow_config_t *config;
  GP_TRY(escrow_load_config(&p->ka[ESCROW_REPLACE_DEVICE_CONFIG], p->program_id, &config));
  escrow_job_t *j;
  GP_TRY(escrow_load_job(job, p->program_id, &j));
  GP_TRY(escrow_check_renter_or_scheduler(j, config, &p->ka[ESCROW_REPLACE_DEVICE_AUTHORITY]));
  escrow_registry_t r = {config, &p->ka[ESCROW_REPLACE_DEVICE_REGISTRY_CONFIG],
                         &p->ka[ESCROW_REPLACE_DEVICE_ESCROW_AUTHORITY], &p->ka[ESCROW_REPLACE_DEVICE_REGISTRY_PROGRAM]};
  GP_TRY(escrow_check_registry(&r));
  const registry_config_t *rc;
  GP_TRY(escrow_load_registry_config(r.registry_config, config, &rc));
  if (j->state != ESCROW_JOB_ASSIGNED && j->state != ESCROW_JOB_RUNNING) return ESCROW_ERR_INVALID_JOB_STATE;
  int64_t now;
  GP_TRY(gp_unix_now(&now));
  if (j->state == ESCROW_JOB_RUNNING && now >= j->started_at + j->duration_secs) return ESCROW_ERR_JOB_TIME_UP;

  escrow_replace_device_args_t args;
  GP_TRY(escrow_decode_replace_device_args(p->data + 8, p->data_len - 8, &args));
  escrow_leave_t leave = {job, &p->ka[ESCROW_REPLACE_DEVICE_OLD_DEVICE], args.slot, true};
  GP_TRY(escrow_leave(j, &leave, &r));
  return escrow_propose(j, job, &p->ka[ESCROW_REPLACE_DEVICE_NEW_DEVICE], config, rc);
}
