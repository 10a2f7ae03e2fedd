#include "registry.h"

/* set_device_job: the escrow program's authority hires a device for a job (hire) or releases
   it from that job.
   Hiring needs the config's escrow authority and an Active device (probation served, no
   pending slash and no job) whose stake meets the minimum under the current parameters
   (registry_view_hireable: an Active status set before the admin raised base_stake does not
   make it hireable); the device remembers which authority hired it.
   Releasing needs the job that holds the device and the authority that hired it (NotDeviceJob
   otherwise), not the config's current escrow authority: a later change of escrow_authority
   must neither strand a device nor let one job's end free a device from another job. A
   replayed release fails. A suspended device can be released (its job ended while a slash is
   pending); it stays Suspended. Releasing also works while the registry is paused, so ending
   jobs never strands a device; hiring does not. The status follows from the fields via
   registry_refresh_status. */
uint64_t registry_set_device_job(const SolParameters *p) {
  GP_TRY(registry_check_set_device_job_accounts(p));
  SolAccountInfo *device = &p->ka[REGISTRY_SET_DEVICE_JOB_DEVICE];
  const SolPubkey *authority = p->ka[REGISTRY_SET_DEVICE_JOB_ESCROW_AUTHORITY].key;
  registry_config_t *config;
  GP_TRY(registry_load_config(&p->ka[REGISTRY_SET_DEVICE_JOB_CONFIG], p->program_id, &config));
  registry_device_t *d;
  GP_TRY(registry_load_device(device, p->program_id, &d));

  registry_set_device_job_args_t args;
  GP_TRY(registry_decode_set_device_job_args(p->data + 8, p->data_len - 8, &args));
  if (args.hire > 1 || gp_pubkey_is_zero(&args.job)) return REGISTRY_ERR_INVALID_INSTRUCTION_DATA;
  if (args.hire) {
    if (!gp_pubkey_eq(authority, &config->params.escrow_authority)) return REGISTRY_ERR_UNAUTHORIZED;
    GP_TRY(registry_view_hireable(config, d));
    gp_pubkey_copy(&d->current_job, &args.job);
    gp_pubkey_copy(&d->hired_by, authority);
  } else {
    if (!gp_pubkey_eq(&d->current_job, &args.job) || !gp_pubkey_eq(&d->hired_by, authority))
      return REGISTRY_ERR_NOT_DEVICE_JOB;
    gp_memset(&d->current_job, 0, sizeof d->current_job);
    gp_memset(&d->hired_by, 0, sizeof d->hired_by);
  }
  GP_TRY(registry_refresh_status(d, device->key, &config->params));

  registry_device_job_set_t ev = {.discriminator = REGISTRY_DEVICE_JOB_SET_DISCRIMINATOR};
  gp_pubkey_copy(&ev.device, device->key);
  if (args.hire) gp_pubkey_copy(&ev.job, &args.job);
  GP_EMIT_EVENT(&ev);
  return 0;
}
