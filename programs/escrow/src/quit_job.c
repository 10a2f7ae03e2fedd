#include "escrow.h"

/* A device leaves its job (or declines a proposal), signed by its own key; it keeps what its
   verified time earns. Works while paused. */
uint64_t escrow_quit_job(const SolParameters *p) {
  GP_TRY(escrow_check_quit_job_accounts(p));
  const SolAccountInfo *device = &p->ka[ESCROW_QUIT_JOB_DEVICE];
  escrow_config_t *config;
  GP_TRY(escrow_load_config(&p->ka[ESCROW_QUIT_JOB_CONFIG], p->program_id, &config));
  escrow_job_t *j;
  GP_TRY(escrow_load_job(&p->ka[ESCROW_QUIT_JOB_JOB], p->program_id, &j));
  escrow_registry_t r = {config, &p->ka[ESCROW_QUIT_JOB_REGISTRY_CONFIG], &p->ka[ESCROW_QUIT_JOB_ESCROW_AUTHORITY],
                         &p->ka[ESCROW_QUIT_JOB_REGISTRY_PROGRAM]};
  GP_TRY(escrow_check_registry(&r));
  const registry_device_t *d;
  GP_TRY(escrow_load_device(device, config, &d));
  if (!gp_pubkey_eq(p->ka[ESCROW_QUIT_JOB_DEVICE_KEY].key, &d->device_key)) return ESCROW_ERR_WRONG_DEVICE;
  if (j->state != ESCROW_JOB_ASSIGNED && j->state != ESCROW_JOB_RUNNING) return ESCROW_ERR_INVALID_JOB_STATE;

  escrow_quit_job_args_t args;
  GP_TRY(escrow_decode_quit_job_args(p->data + 8, p->data_len - 8, &args));
  escrow_leave_t leave = {&p->ka[ESCROW_QUIT_JOB_JOB], device, args.slot, false};
  return escrow_leave(j, &leave, &r);
}
