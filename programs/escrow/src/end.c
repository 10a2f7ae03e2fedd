#include "escrow.h"

uint64_t escrow_check_token_account(const escrow_job_t *j, const SolAccountInfo *account, const SolPubkey *owner) {
  gp_token_account_t t;
  GP_TRY(gp_token_account_read_mint(account, &j->mint, &t));
  return gp_pubkey_eq(t.owner, owner) ? 0 : ESCROW_ERR_WRONG_TOKEN_ACCOUNT;
}

uint64_t escrow_refund(escrow_job_t *j, const SolAccountInfo *job, const SolAccountInfo *vault,
                       const SolAccountInfo *renter_token, uint64_t amount) {
  if (amount == 0) return 0;
  GP_TRY(gp_add_u64(j->refunded, amount, &j->refunded));
  escrow_job_signer_t s;
  escrow_job_signer(j, &s);
  return gp_token_transfer(vault, renter_token, job, amount, &s.signer);
}

/* Releases every hired slot, whose Devices are the remaining accounts in slot order (exactly
   those: a missing, extra or misordered one is WrongDeviceAccounts). */
static uint64_t release_all(const escrow_end_t *e, escrow_job_t *j, int64_t at) {
  uint64_t next = e->first_device;
  for (uint8_t i = 0; i < j->slot_count; i++) {
    escrow_slot_t *s = &j->slots[i];
    if (s->state == ESCROW_SLOT_HIRED) {
      if (next >= e->p->ka_num || !gp_pubkey_eq(e->p->ka[next].key, &s->device))
        return ESCROW_ERR_WRONG_DEVICE_ACCOUNTS;
      GP_TRY(gp_check_writable(&e->p->ka[next]));
      GP_TRY(escrow_set_device_job(&e->registry, &e->p->ka[next], e->job->key, false));
      next++;
    }
    if (s->state == ESCROW_SLOT_HIRED || s->state == ESCROW_SLOT_PROPOSED) {
      if (s->joined_at) s->left_at = at;
      s->state = ESCROW_SLOT_LEFT;
    }
  }
  return next == e->p->ka_num ? 0 : ESCROW_ERR_WRONG_DEVICE_ACCOUNTS;
}

uint64_t escrow_end_job(const escrow_end_t *e, escrow_job_t *j, uint8_t state, int64_t at) {
  GP_TRY(escrow_check_registry(&e->registry));
  if (!gp_pubkey_eq(e->vault->key, &j->vault)) return ESCROW_ERR_INVALID_PDA;
  GP_TRY(escrow_check_token_account(j, e->renter_token, &j->renter));
  j->ended_at = at;
  j->state = state;
  GP_TRY(release_all(e, j, at));

  /* Keep what the slots may still be paid for their time so far; refund the rest now. */
  uint64_t held, reserve, refund;
  GP_TRY(escrow_held(j, &held));
  GP_TRY(escrow_reserve(j, &reserve));
  GP_TRY(gp_sub_u64(held, reserve, &refund));
  GP_TRY(escrow_refund(j, e->job, e->vault, e->renter_token, refund));

  escrow_job_ended_t ev = {.discriminator = ESCROW_JOB_ENDED_DISCRIMINATOR, .ended_at = at, .refunded = refund,
                           .state = state};
  gp_pubkey_copy(&ev.job, e->job->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
