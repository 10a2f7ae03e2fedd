#include "escrow.h"

/* A job is booked for up to a year in one go; top-ups extend it. */
#define MAX_DURATION_SECS (366u * 24u * 3600u)

static uint64_t check_args(const escrow_create_job_args_t *a) {
  if (a->price_per_hour == 0 || a->duration_secs == 0 || a->duration_secs > MAX_DURATION_SECS)
    return ESCROW_ERR_INVALID_JOB_PARAMS;
  if (a->device_count == 0 || a->device_count > ESCROW_MAX_DEVICES) return ESCROW_ERR_INVALID_JOB_PARAMS;
  return 0;
}

/* Joins the job to the renter's Cluster, the optional remaining account. */
static uint64_t join_cluster(const SolParameters *p, escrow_job_t *j) {
  if (p->ka_num <= ESCROW_CREATE_JOB_NUM_ACCOUNTS) return 0;
  const SolAccountInfo *cluster = &p->ka[ESCROW_CREATE_JOB_NUM_ACCOUNTS];
  GP_TRY(gp_check_writable(cluster));
  escrow_cluster_t *c;
  GP_TRY(escrow_load_cluster(cluster, p->program_id, &c));
  if (!gp_pubkey_eq(&c->renter, &j->renter)) return ESCROW_ERR_WRONG_CLUSTER;
  if (c->open_jobs == UINT32_MAX || c->total_jobs == UINT32_MAX) return ESCROW_ERR_ARITHMETIC_OVERFLOW;
  c->open_jobs++;
  c->total_jobs++;
  gp_pubkey_copy(&j->cluster, cluster->key);
  return 0;
}

/* Creates the Job PDA ["job", renter, job_id LE] and its vault ["vault", job] (a token account
   of the payment mint whose owner is the job), and moves the deposit into it. */
uint64_t escrow_create_job(const SolParameters *p) {
  GP_TRY(escrow_check_create_job_accounts(p));
  SolAccountInfo *job = &p->ka[ESCROW_CREATE_JOB_JOB];
  SolAccountInfo *vault = &p->ka[ESCROW_CREATE_JOB_VAULT];
  const SolAccountInfo *renter = &p->ka[ESCROW_CREATE_JOB_RENTER];
  const SolAccountInfo *renter_token = &p->ka[ESCROW_CREATE_JOB_RENTER_TOKEN];
  const SolAccountInfo *mint = &p->ka[ESCROW_CREATE_JOB_MINT];
  escrow_config_t *config;
  GP_TRY(escrow_load_live_config(&p->ka[ESCROW_CREATE_JOB_CONFIG], p->program_id, &config));
  if (!gp_pubkey_eq(mint->key, &config->iosd_mint) && !gp_pubkey_eq(mint->key, &config->io_mint))
    return ESCROW_ERR_INVALID_MINT;

  escrow_create_job_args_t args;
  GP_TRY(escrow_decode_create_job_args(p->data + 8, p->data_len - 8, &args));
  GP_TRY(check_args(&args));
  uint64_t deposit;
  GP_TRY(escrow_cost(args.price_per_hour, args.device_count, args.duration_secs, &deposit));
  if (deposit == 0) return ESCROW_ERR_INVALID_JOB_PARAMS;
  gp_token_account_t from;
  GP_TRY(gp_token_account_read_mint(renter_token, mint->key, &from));
  if (from.amount < deposit) return ESCROW_ERR_INSUFFICIENT_FUNDS;

  /* The job's bump comes from the client (found off-chain, for free) and costs one
     create_program_address here instead of a search of up to 1,500 CU per try: the job id is
     only the renter's own label, so a second address for the same id would harm nobody. */
  uint8_t id[8];
  gp_store_u64(id, args.job_id);
  SolSignerSeed job_seeds[4] = {{(const uint8_t *)ESCROW_SEED_JOB, ESCROW_SEED_JOB_LEN},
                                {renter->key->x, SOL_PUBKEY_SIZE},
                                {id, 8},
                                {&args.job_bump, 1}};
  GP_TRY(gp_check_pda(job, job_seeds, 4, p->program_id));
  /* The vault's address is stored in the job, so any valid bump will do (found off-chain). */
  SolSignerSeed vault_seeds[3] = {{(const uint8_t *)ESCROW_SEED_VAULT, ESCROW_SEED_VAULT_LEN},
                                  {job->key->x, SOL_PUBKEY_SIZE},
                                  {&args.vault_bump, 1}};
  GP_TRY(gp_check_pda(vault, vault_seeds, 3, p->program_id));

  SolSignerSeeds job_signer = {job_seeds, 4};
  gp_create_pda_t create_job = {renter, job, p->program_id, &job_signer, ESCROW_JOB_SIZE};
  GP_TRY(gp_account_create_pda(&create_job));
  SolSignerSeeds vault_signer = {vault_seeds, 3};
  GP_TRY(gp_token_account_create_pda(renter, vault, mint, job->key, &vault_signer));
  GP_TRY(gp_token_transfer(renter_token, vault, renter, deposit, NULL));

  int64_t now;
  GP_TRY(gp_unix_now(&now));
  escrow_job_t *j = (escrow_job_t *)(void *)job->data;
  j->discriminator = ESCROW_JOB_DISCRIMINATOR;
  gp_pubkey_copy(&j->renter, renter->key);
  gp_pubkey_copy(&j->mint, mint->key);
  gp_pubkey_copy(&j->vault, vault->key);
  gp_memcpy(j->requirements_hash, args.requirements_hash, sizeof j->requirements_hash);
  j->job_id = args.job_id;
  j->price_per_hour = args.price_per_hour;
  j->duration_secs = args.duration_secs;
  j->deposited = deposit;
  j->created_at = now;
  /* Every term the job depends on is fixed now: a later change of the config reaches only
     jobs created after it. */
  j->usage_window_secs = config->params.usage_window_secs;
  j->acceptance_window_secs = config->params.acceptance_window_secs;
  j->usage_grace_secs = config->params.usage_grace_secs;
  gp_pubkey_copy(&j->treasury, &config->params.treasury);
  j->fee_bps = config->params.fee_bps;
  j->fee_burn_bps = config->params.fee_burn_bps;
  j->device_count = args.device_count;
  j->state = ESCROW_JOB_OPEN;
  j->bump = args.job_bump;
  j->version = ESCROW_LAYOUT_VERSION;
  GP_TRY(join_cluster(p, j));

  escrow_job_created_t ev = {.discriminator = ESCROW_JOB_CREATED_DISCRIMINATOR, .job_id = args.job_id,
                             .price_per_hour = args.price_per_hour, .deposited = deposit,
                             .duration_secs = j->duration_secs, .device_count = args.device_count};
  gp_pubkey_copy(&ev.job, job->key);
  gp_pubkey_copy(&ev.renter, renter->key);
  gp_pubkey_copy(&ev.cluster, &j->cluster);
  gp_pubkey_copy(&ev.mint, mint->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
