#include "escrow.h"

/* Usage is final once a counted window reached the job's end, or the grace period after the
   end passed (oracles that never attested the last minutes cannot hold the escrow forever),
   and no usage collection is open: one that can still count is never cut off (count_usage
   counts it after its deadline; record_usage opens none after the job's end window, so this
   waits at most until that window's deadline). A job that never started has no usage. The grace
   is the job's own, fixed at its creation: shortening the config's reaches only later jobs. */
static bool usage_final(const escrow_job_t *j, int64_t now) {
  if (!j->started_at) return true;
  if (j->pending_votes) return false;
  if (j->last_usage_window && (int64_t)(j->last_usage_window + 1) * j->usage_window_secs >= j->ended_at) return true;
  return now >= j->ended_at + j->usage_grace_secs;
}

/* Leaves the job's Cluster (the remaining account), if it has one. */
static uint64_t leave_cluster(const SolParameters *p, const escrow_job_t *j) {
  if (gp_pubkey_is_zero(&j->cluster)) return 0;
  if (p->ka_num <= ESCROW_CLOSE_JOB_NUM_ACCOUNTS) return ESCROW_ERR_WRONG_CLUSTER;
  const SolAccountInfo *cluster = &p->ka[ESCROW_CLOSE_JOB_NUM_ACCOUNTS];
  if (!gp_pubkey_eq(cluster->key, &j->cluster)) return ESCROW_ERR_WRONG_CLUSTER;
  GP_TRY(gp_check_writable(cluster));
  escrow_cluster_t *c;
  GP_TRY(escrow_load_cluster(cluster, p->program_id, &c));
  if (c->open_jobs == 0) return ESCROW_ERR_ARITHMETIC_OVERFLOW;
  c->open_jobs--;
  return 0;
}

/* Anyone closes an ended job whose usage is final and fully paid: whatever the vault holds
   (the unverified time kept at the end, and anything sent to it) goes to the renter's token
   account, and the vault's and the job's rent to the renter's wallet. */
uint64_t escrow_close_job(const SolParameters *p) {
  GP_TRY(escrow_check_close_job_accounts(p));
  SolAccountInfo *job = &p->ka[ESCROW_CLOSE_JOB_JOB];
  const SolAccountInfo *vault = &p->ka[ESCROW_CLOSE_JOB_VAULT];
  const SolAccountInfo *renter = &p->ka[ESCROW_CLOSE_JOB_RENTER];
  const SolAccountInfo *renter_token = &p->ka[ESCROW_CLOSE_JOB_RENTER_TOKEN];
  escrow_config_t *config;
  GP_TRY(escrow_load_config(&p->ka[ESCROW_CLOSE_JOB_CONFIG], p->program_id, &config));
  escrow_job_t *j;
  GP_TRY(escrow_load_job(job, p->program_id, &j));
  if (!gp_pubkey_eq(renter->key, &j->renter)) return ESCROW_ERR_NOT_RENTER;
  if (!gp_pubkey_eq(vault->key, &j->vault)) return ESCROW_ERR_INVALID_PDA;
  GP_TRY(escrow_check_token_account(j, renter_token, &j->renter));
  if (j->state <= ESCROW_JOB_RUNNING) return ESCROW_ERR_INVALID_JOB_STATE;
  int64_t now;
  GP_TRY(gp_unix_now(&now));
  if (!usage_final(j, now)) return ESCROW_ERR_USAGE_NOT_FINAL;
  for (uint8_t i = 0; i < j->slot_count; i++)
    if (j->slots[i].paid_secs != j->slots[i].verified_secs) return ESCROW_ERR_UNSETTLED_USAGE;
  GP_TRY(leave_cluster(p, j));

  gp_token_account_t held;
  GP_TRY(gp_token_account_read(vault, &held));
  GP_TRY(escrow_refund(j, job, vault, renter_token, held.amount));
  escrow_job_signer_t s;
  escrow_job_signer(j, &s);
  GP_TRY(gp_token_close_account(vault, renter, job, &s.signer));

  escrow_job_closed_t ev = {.discriminator = ESCROW_JOB_CLOSED_DISCRIMINATOR, .refunded = held.amount};
  gp_pubkey_copy(&ev.job, job->key);
  GP_TRY(gp_account_close(job, renter));
  GP_EMIT_EVENT(&ev);
  return 0;
}
