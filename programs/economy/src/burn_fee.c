#include "economy.h"

/* The signer is a real escrow Job: the escrow program's account with the Job discriminator and
   size, at the address its own seeds derive (["job", renter, job_id LE, bump], as create_job
   made it), burning from its own vault. Owner alone is not enough: anyone can assign a fresh
   keypair account to the escrow program and sign with it. NotEscrowJob otherwise. */
static uint64_t check_job(const SolAccountInfo *job, const SolAccountInfo *source, const SolPubkey *escrow_program) {
  if (gp_check_program_account(job, escrow_program, ESCROW_JOB_DISCRIMINATOR, ESCROW_JOB_SIZE))
    return ECONOMY_ERR_NOT_ESCROW_JOB;
  const escrow_job_t *j = (const escrow_job_t *)(const void *)job->data;
  uint8_t id[8];
  gp_store_u64(id, j->job_id);
  SolSignerSeed seeds[4] = {{(const uint8_t *)ESCROW_SEED_JOB, ESCROW_SEED_JOB_LEN},
                            {j->renter.x, SOL_PUBKEY_SIZE},
                            {id, 8},
                            {&j->bump, 1}};
  if (gp_check_pda(job, seeds, 4, escrow_program)) return ECONOMY_ERR_NOT_ESCROW_JOB;
  return gp_pubkey_eq(source->key, &j->vault) ? 0 : ECONOMY_ERR_WRONG_TOKEN_ACCOUNT;
}

/* The escrow's settlement hook for IOSD jobs: burns the fee's burn share from the job's vault.
   The job signs (the escrow invokes this with its seeds), so only real job settlements are
   counted as fee burns. */
uint64_t economy_burn_fee(const SolParameters *p) {
  GP_TRY(economy_check_burn_fee_accounts(p));
  const SolAccountInfo *job = &p->ka[ECONOMY_BURN_FEE_JOB];
  const SolAccountInfo *source = &p->ka[ECONOMY_BURN_FEE_SOURCE];
  const SolAccountInfo *iosd_mint = &p->ka[ECONOMY_BURN_FEE_IOSD_MINT];
  economy_config_t *c;
  GP_TRY(economy_load_config(&p->ka[ECONOMY_BURN_FEE_CONFIG], p->program_id, &c));
  GP_TRY(check_job(job, source, &c->escrow_program));
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
