#include "escrow.h"

/* The owner of a slot's device names a new payout account: a token account of the job's mint
   that it owns. A payout account it closed, froze or gave away never blocks settling (its pay
   waits in its Unclaimed record: unclaimed.c); this sends later pay to the new account
   instead. Works while paused and after the job ended. */
uint64_t escrow_set_payout(const SolParameters *p) {
  GP_TRY(escrow_check_set_payout_accounts(p));
  const SolAccountInfo *job = &p->ka[ESCROW_SET_PAYOUT_JOB];
  const SolAccountInfo *device = &p->ka[ESCROW_SET_PAYOUT_DEVICE];
  const SolAccountInfo *payout = &p->ka[ESCROW_SET_PAYOUT_PAYOUT];
  escrow_config_t *config;
  GP_TRY(escrow_load_config(&p->ka[ESCROW_SET_PAYOUT_CONFIG], p->program_id, &config));
  escrow_job_t *j;
  GP_TRY(escrow_load_job(job, p->program_id, &j));
  const registry_device_t *d;
  GP_TRY(escrow_load_device(device, config, &d));
  if (!gp_pubkey_eq(p->ka[ESCROW_SET_PAYOUT_OWNER].key, &d->owner)) return ESCROW_ERR_WRONG_DEVICE;

  escrow_set_payout_args_t args;
  GP_TRY(escrow_decode_set_payout_args(p->data + 8, p->data_len - 8, &args));
  if (args.slot >= j->slot_count) return ESCROW_ERR_INVALID_SLOT;
  escrow_slot_t *s = &j->slots[args.slot];
  if (gp_pubkey_is_zero(&s->payout)) return ESCROW_ERR_INVALID_SLOT; /* it never accepted */
  if (!gp_pubkey_eq(&s->device, device->key)) return ESCROW_ERR_WRONG_DEVICE;
  GP_TRY(escrow_check_token_account(j, payout, &d->owner));
  gp_pubkey_copy(&s->payout, payout->key);

  escrow_payout_set_t ev = {.discriminator = ESCROW_PAYOUT_SET_DISCRIMINATOR, .slot = args.slot};
  gp_pubkey_copy(&ev.job, job->key);
  gp_pubkey_copy(&ev.device, device->key);
  gp_pubkey_copy(&ev.payout, payout->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
