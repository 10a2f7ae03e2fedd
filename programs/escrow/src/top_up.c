#include "escrow.h"

/* The renter extends the job by extra_secs per place; the escrow grows so that it always holds
   the cost of the whole duration (escrow_cost of the new duration less that of the old, so
   rounding never accumulates). Refused once the job's paid time has run out or it has ended. */
uint64_t escrow_top_up(const SolParameters *p) {
  GP_TRY(escrow_check_top_up_accounts(p));
  const SolAccountInfo *vault = &p->ka[ESCROW_TOP_UP_VAULT];
  const SolAccountInfo *renter = &p->ka[ESCROW_TOP_UP_RENTER];
  const SolAccountInfo *renter_token = &p->ka[ESCROW_TOP_UP_RENTER_TOKEN];
  escrow_config_t *config;
  GP_TRY(escrow_load_live_config(&p->ka[ESCROW_TOP_UP_CONFIG], p->program_id, &config));
  escrow_job_t *j;
  GP_TRY(escrow_load_job(&p->ka[ESCROW_TOP_UP_JOB], p->program_id, &j));
  if (!gp_pubkey_eq(renter->key, &j->renter)) return ESCROW_ERR_NOT_RENTER;
  if (j->state > ESCROW_JOB_RUNNING) return ESCROW_ERR_INVALID_JOB_STATE;
  int64_t now;
  GP_TRY(gp_unix_now(&now));
  if (j->state == ESCROW_JOB_RUNNING && now >= j->started_at + j->duration_secs) return ESCROW_ERR_JOB_TIME_UP;
  if (!gp_pubkey_eq(vault->key, &j->vault)) return ESCROW_ERR_INVALID_PDA;

  escrow_top_up_args_t args;
  GP_TRY(escrow_decode_top_up_args(p->data + 8, p->data_len - 8, &args));
  if (args.extra_secs == 0) return ESCROW_ERR_INVALID_JOB_PARAMS;
  uint64_t before, after, amount, duration;
  GP_TRY(gp_add_u64((uint64_t)j->duration_secs, args.extra_secs, &duration));
  if (duration > INT64_MAX) return ESCROW_ERR_ARITHMETIC_OVERFLOW;
  GP_TRY(escrow_cost(j->price_per_hour, j->device_count, (uint64_t)j->duration_secs, &before));
  GP_TRY(escrow_cost(j->price_per_hour, j->device_count, duration, &after));
  amount = after - before;
  gp_token_account_t from;
  GP_TRY(gp_token_account_read_mint(renter_token, &j->mint, &from));
  if (from.amount < amount) return ESCROW_ERR_INSUFFICIENT_FUNDS;
  GP_TRY(gp_add_u64(j->deposited, amount, &j->deposited));
  j->duration_secs = (int64_t)duration;
  GP_TRY(gp_token_transfer(renter_token, vault, renter, amount, NULL));

  escrow_job_topped_up_t ev = {.discriminator = ESCROW_JOB_TOPPED_UP_DISCRIMINATOR, .amount = amount,
                               .duration_secs = j->duration_secs};
  gp_pubkey_copy(&ev.job, p->ka[ESCROW_TOP_UP_JOB].key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
