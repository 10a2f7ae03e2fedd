#include "registry.h"

/* set_device_job: the escrow program's authority marks a device hired for a job (job != 0) or
   free again (job = 0).
   Hiring needs an Active device (probation served, no pending slash and no job) whose stake
   meets the minimum under the current parameters (registry_view_hireable: an Active status
   set before the admin raised base_stake does not make it hireable). Releasing needs a job to release; releasing a device that has
   none is refused with DeviceNotHireable, the error of this instruction's state precondition
   (the IDL has no "not hired" error), so a replayed release fails instead of passing silently.
   A suspended device can be released (its job ended while a slash is pending); it stays
   Suspended. Releasing also works while the registry is paused, so ending jobs never strands
   a device; hiring does not. The status follows from the fields via registry_refresh_status. */
uint64_t registry_set_device_job(const SolParameters *p) {
  GP_TRY(registry_check_set_device_job_accounts(p));
  SolAccountInfo *device = &p->ka[REGISTRY_SET_DEVICE_JOB_DEVICE];
  registry_config_t *config;
  GP_TRY(registry_load_config(&p->ka[REGISTRY_SET_DEVICE_JOB_CONFIG], p->program_id, &config));
  if (!gp_pubkey_eq(p->ka[REGISTRY_SET_DEVICE_JOB_ESCROW_AUTHORITY].key, &config->params.escrow_authority))
    return REGISTRY_ERR_UNAUTHORIZED;
  registry_device_t *d;
  GP_TRY(registry_load_device(device, p->program_id, &d));

  registry_set_device_job_args_t args;
  GP_TRY(registry_decode_set_device_job_args(p->data + 8, p->data_len - 8, &args));
  if (!gp_pubkey_is_zero(&args.job))
    GP_TRY(registry_view_hireable(config, d));
  else if (gp_pubkey_is_zero(&d->current_job))
    return REGISTRY_ERR_DEVICE_NOT_HIREABLE;
  gp_pubkey_copy(&d->current_job, &args.job);
  GP_TRY(registry_refresh_status(d, device->key, &config->params));

  registry_device_job_set_t ev = {.discriminator = REGISTRY_DEVICE_JOB_SET_DISCRIMINATOR};
  gp_pubkey_copy(&ev.device, device->key);
  gp_pubkey_copy(&ev.job, &args.job);
  GP_EMIT_EVENT(&ev);
  return 0;
}
