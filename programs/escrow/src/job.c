#include "escrow.h"

/* A Job: this program's account with the Job discriminator and size. Only create_job makes
   one, at the canonical PDA of its renter and id, so its address is not re-derived here. */
uint64_t escrow_load_job(const SolAccountInfo *account, const SolPubkey *program_id, escrow_job_t **out) {
  GP_TRY(gp_check_program_account(account, program_id, ESCROW_JOB_DISCRIMINATOR, ESCROW_JOB_SIZE));
  *out = (escrow_job_t *)(void *)account->data;
  return 0;
}

uint64_t escrow_load_cluster(const SolAccountInfo *account, const SolPubkey *program_id, escrow_cluster_t **out) {
  GP_TRY(gp_check_program_account(account, program_id, ESCROW_CLUSTER_DISCRIMINATOR, ESCROW_CLUSTER_SIZE));
  *out = (escrow_cluster_t *)(void *)account->data;
  return 0;
}

uint64_t escrow_slot(escrow_job_t *j, uint8_t index, uint8_t state, escrow_slot_t **out) {
  if (index >= j->slot_count || j->slots[index].state != state) return ESCROW_ERR_INVALID_SLOT;
  *out = &j->slots[index];
  return 0;
}

uint8_t escrow_places_taken(const escrow_job_t *j) {
  uint8_t n = 0;
  for (uint8_t i = 0; i < j->slot_count; i++) {
    uint8_t s = j->slots[i].state;
    n += s == ESCROW_SLOT_PROPOSED || s == ESCROW_SLOT_HIRED;
  }
  return n;
}

uint64_t escrow_check_renter_or_scheduler(const escrow_job_t *j, const escrow_config_t *config,
                                          const SolAccountInfo *signer) {
  if (gp_pubkey_eq(signer->key, &j->renter) || gp_pubkey_eq(signer->key, &config->params.scheduler)) return 0;
  return ESCROW_ERR_NOT_RENTER_OR_SCHEDULER;
}

uint64_t escrow_load_device(const SolAccountInfo *account, const escrow_config_t *config,
                            const registry_device_t **out) {
  return registry_view_device(account, &config->registry_program, out);
}

/* An ask is u32 x 1,000 base units, so the product never overflows. */
uint64_t escrow_check_ask(const registry_device_t *d, bool io, uint64_t price) {
  uint32_t ask = io ? d->ask_io : d->ask_iosd;
  if (io && ask == 0) return ESCROW_ERR_IO_NOT_ACCEPTED;
  return price >= (uint64_t)ask * REGISTRY_ASK_UNIT ? 0 : ESCROW_ERR_PRICE_BELOW_ASK;
}

/* A proposal is only an offer: the device is not locked until it accepts (accept_job hires it
   in the registry), so a renter cannot tie up devices that never agreed. Checking hireability
   here still turns away devices that could not accept. */
uint64_t escrow_propose(escrow_job_t *j, const SolAccountInfo *job, const SolAccountInfo *device,
                        const escrow_config_t *config, const registry_config_t *rc) {
  const registry_device_t *d;
  GP_TRY(escrow_load_device(device, config, &d));
  if (d->status != REGISTRY_STATUS_ACTIVE || rc->paused) return ESCROW_ERR_DEVICE_NOT_HIREABLE;
  for (uint8_t i = 0; i < j->slot_count; i++) {
    const escrow_slot_t *s = &j->slots[i];
    if ((s->state == ESCROW_SLOT_PROPOSED || s->state == ESCROW_SLOT_HIRED) && gp_pubkey_eq(&s->device, device->key))
      return ESCROW_ERR_DEVICE_ALREADY_ON_JOB;
  }
  if (escrow_places_taken(j) >= j->device_count) return ESCROW_ERR_TOO_MANY_DEVICES;
  if (j->slot_count >= ESCROW_MAX_SLOTS) return ESCROW_ERR_NO_FREE_SLOT;
  uint8_t index = j->slot_count++;
  escrow_slot_t *s = &j->slots[index];
  gp_memset(s, 0, sizeof *s);
  gp_pubkey_copy(&s->device, device->key);
  s->state = ESCROW_SLOT_PROPOSED;

  escrow_device_assigned_t ev = {.discriminator = ESCROW_DEVICE_ASSIGNED_DISCRIMINATOR, .slot = index};
  gp_pubkey_copy(&ev.job, job->key);
  gp_pubkey_copy(&ev.device, device->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}

void escrow_job_signer(const escrow_job_t *j, escrow_job_signer_t *s) {
  gp_store_u64(s->id, j->job_id);
  s->seeds[0] = (SolSignerSeed){(const uint8_t *)ESCROW_SEED_JOB, ESCROW_SEED_JOB_LEN};
  s->seeds[1] = (SolSignerSeed){j->renter.x, SOL_PUBKEY_SIZE};
  s->seeds[2] = (SolSignerSeed){s->id, 8};
  s->seeds[3] = (SolSignerSeed){&j->bump, 1};
  s->signer = (SolSignerSeeds){s->seeds, 4};
}

uint64_t escrow_check_registry(const escrow_registry_t *r) {
  if (!gp_pubkey_eq(r->registry_program->key, &r->config->registry_program)) return ESCROW_ERR_INVALID_PROGRAM_ID;
  if (!gp_pubkey_eq(r->registry_config->key, &r->config->registry_config)) return ESCROW_ERR_INVALID_PDA;
  if (!gp_pubkey_eq(r->authority->key, &r->config->authority)) return ESCROW_ERR_INVALID_PDA;
  return 0;
}

uint64_t escrow_set_device_job(const escrow_registry_t *r, const SolAccountInfo *device, const SolPubkey *job, bool hire) {
  registry_set_device_job_cpi_t c = {r->registry_program->key, r->registry_config, device, r->authority};
  registry_set_device_job_args_t args = {.hire = hire};
  gp_pubkey_copy(&args.job, job);
  SolSignerSeed seeds[2] = {{(const uint8_t *)ESCROW_SEED_ESCROW_AUTHORITY, ESCROW_SEED_ESCROW_AUTHORITY_LEN},
                            {&r->config->authority_bump, 1}};
  SolSignerSeeds signer = {seeds, 2};
  return registry_cpi_set_device_job(&c, &args, &signer);
}

uint64_t escrow_leave(escrow_job_t *j, const escrow_leave_t *l, const escrow_registry_t *r) {
  if (l->slot >= j->slot_count) return ESCROW_ERR_INVALID_SLOT;
  escrow_slot_t *s = &j->slots[l->slot];
  if (s->state != ESCROW_SLOT_PROPOSED && s->state != ESCROW_SLOT_HIRED) return ESCROW_ERR_INVALID_SLOT;
  if (!gp_pubkey_eq(l->device->key, &s->device)) return ESCROW_ERR_WRONG_DEVICE;
  int64_t now;
  GP_TRY(gp_unix_now(&now));
  if (s->state == ESCROW_SLOT_HIRED) GP_TRY(escrow_set_device_job(r, l->device, l->job->key, false));
  if (s->joined_at) {
    int64_t end = escrow_slot_end(j, s);
    s->left_at = now < end ? now : end;
  }
  s->state = ESCROW_SLOT_LEFT;

  escrow_device_left_t ev = {.discriminator = ESCROW_DEVICE_LEFT_DISCRIMINATOR, .left_at = s->left_at,
                             .slot = l->slot, .replaced = l->replaced};
  gp_pubkey_copy(&ev.job, l->job->key);
  gp_pubkey_copy(&ev.device, l->device->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
