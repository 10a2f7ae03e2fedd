#include "economy.h"

/* The escrow's settlement hook for IOSD jobs: burns the fee's burn share from the job's vault.
   The job signs (the escrow invokes this with its seeds) and must be the escrow program's
   account, so only real job settlements are counted as fee burns. */
uint64_t economy_burn_fee(const SolParameters *p) {
  GP_TRY(economy_check_burn_fee_accounts(p));
  const SolAccountInfo *job = &p->ka[ECONOMY_BURN_FEE_JOB];
  const SolAccountInfo *source = &p->ka[ECONOMY_BURN_FEE_SOURCE];
  const SolAccountInfo *iosd_mint = &p->ka[ECONOMY_BURN_FEE_IOSD_MINT];
  economy_config_t *c;
  GP_TRY(economy_load_config(&p->ka[ECONOMY_BURN_FEE_CONFIG], p->program_id, &c));
  if (!gp_pubkey_eq(job->owner, &c->escrow_program)) return ECONOMY_ERR_NOT_ESCROW_JOB;
  if (!gp_pubkey_eq(iosd_mint->key, &c->iosd_mint)) return ECONOMY_ERR_INVALID_MINT;
  gp_token_account_t from;
  GP_TRY(gp_token_account_read_mint(source, &c->iosd_mint, &from));

  economy_burn_fee_args_t args;
  GP_TRY(economy_decode_burn_fee_args(p->data + 8, p->data_len - 8, &args));
  if (args.amount == 0) return ECONOMY_ERR_INVALID_AMOUNT;
  if (from.amount < args.amount) return ECONOMY_ERR_INSUFFICIENT_FUNDS;
  GP_TRY(gp_token_burn(source, iosd_mint, job, args.amount, NULL));
  GP_TRY(gp_add_u64(c->iosd_burned, args.amount, &c->iosd_burned));

  economy_fee_burned_t ev = {.discriminator = ECONOMY_FEE_BURNED_DISCRIMINATOR, .amount = args.amount};
  gp_pubkey_copy(&ev.job, job->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
