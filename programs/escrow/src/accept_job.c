#include "escrow.h"

/* Starts the job once every place is hired: each hired device's paid time starts now.
   Returns whether it started. */
static bool start_if_full(escrow_job_t *j, int64_t now) {
  uint8_t hired = 0;
  for (uint8_t i = 0; i < j->slot_count; i++) hired += j->slots[i].state == ESCROW_SLOT_HIRED;
  if (j->state != ESCROW_JOB_ASSIGNED || hired < j->device_count) return false;
  j->state = ESCROW_JOB_RUNNING;
  j->started_at = now;
  for (uint8_t i = 0; i < j->slot_count; i++)
    if (j->slots[i].state == ESCROW_SLOT_HIRED) j->slots[i].joined_at = now;
  return true;
}

/* A proposed device accepts its place, signed by its own device key. The registry marks it
   hired for this job, which fails if it holds another: a device has one job at a time. */
uint64_t escrow_accept_job(const SolParameters *p) {
  GP_TRY(escrow_check_accept_job_accounts(p));
  const SolAccountInfo *job = &p->ka[ESCROW_ACCEPT_JOB_JOB];
  const SolAccountInfo *device = &p->ka[ESCROW_ACCEPT_JOB_DEVICE];
  const SolAccountInfo *payout = &p->ka[ESCROW_ACCEPT_JOB_PAYOUT];
  escrow_config_t *config;
  GP_TRY(escrow_load_live_config(&p->ka[ESCROW_ACCEPT_JOB_CONFIG], p->program_id, &config));
  escrow_job_t *j;
  GP_TRY(escrow_load_job(job, p->program_id, &j));
  escrow_registry_t r = {config, &p->ka[ESCROW_ACCEPT_JOB_REGISTRY_CONFIG], &p->ka[ESCROW_ACCEPT_JOB_ESCROW_AUTHORITY],
                         &p->ka[ESCROW_ACCEPT_JOB_REGISTRY_PROGRAM]};
  GP_TRY(escrow_check_registry(&r));
  const registry_config_t *rc;
  GP_TRY(escrow_load_registry_config(r.registry_config, config, &rc));

  escrow_accept_job_args_t args;
  GP_TRY(escrow_decode_accept_job_args(p->data + 8, p->data_len - 8, &args));
  escrow_slot_t *s;
  GP_TRY(escrow_slot(j, args.slot, ESCROW_SLOT_PROPOSED, &s));
  const registry_device_t *d;
  GP_TRY(escrow_load_device(device, config, &d));
  if (!gp_pubkey_eq(device->key, &s->device) || !gp_pubkey_eq(p->ka[ESCROW_ACCEPT_JOB_DEVICE_KEY].key, &d->device_key))
    return ESCROW_ERR_WRONG_DEVICE;
  int64_t now;
  GP_TRY(gp_unix_now(&now));
  if (j->state == ESCROW_JOB_ASSIGNED) {
    if (now >= j->created_at + j->acceptance_window_secs) return ESCROW_ERR_ACCEPTANCE_WINDOW_CLOSED;
  } else if (j->state == ESCROW_JOB_RUNNING) {
    if (now >= j->started_at + j->duration_secs) return ESCROW_ERR_JOB_TIME_UP;
  } else {
    return ESCROW_ERR_INVALID_JOB_STATE;
  }
  GP_TRY(escrow_check_token_account(j, payout, &d->owner));
  /* Checked here so the failure is this program's named error, not the registry's. */
  if (d->status != REGISTRY_STATUS_ACTIVE || rc->paused) return ESCROW_ERR_DEVICE_NOT_HIREABLE;
  /* the ask of the moment of acceptance: the device agrees to this job's price now */
  GP_TRY(escrow_check_ask(d, !gp_pubkey_eq(&j->mint, &config->iosd_mint), j->price_per_hour));
  GP_TRY(escrow_set_device_job(&r, device, job->key, true));

  s->state = ESCROW_SLOT_HIRED;
  gp_pubkey_copy(&s->payout, payout->key);
  if (j->state == ESCROW_JOB_RUNNING) s->joined_at = now; /* a replacement joins at once */
  bool started = start_if_full(j, now);

  escrow_device_accepted_t ev = {.discriminator = ESCROW_DEVICE_ACCEPTED_DISCRIMINATOR, .joined_at = s->joined_at,
                                 .slot = args.slot};
  gp_pubkey_copy(&ev.job, job->key);
  gp_pubkey_copy(&ev.device, device->key);
  GP_EMIT_EVENT(&ev);
  if (started) {
    escrow_job_started_t ev_started = {.discriminator = ESCROW_JOB_STARTED_DISCRIMINATOR, .started_at = now};
    gp_pubkey_copy(&ev_started.job, job->key);
    GP_EMIT_EVENT(&ev_started);
  }
  return 0;
}
