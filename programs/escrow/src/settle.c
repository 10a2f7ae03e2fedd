#include "escrow.h"

/* Burns the fee's burn share from the vault, the job signing: IOSD through the economy
   program's hook, which counts every IOSD burned; IO directly. */
static uint64_t burn(const SolParameters *p, const escrow_config_t *config, const escrow_job_t *j, uint64_t amount,
                     const SolSignerSeeds *signer) {
  const SolAccountInfo *job = &p->ka[ESCROW_SETTLE_JOB];
  const SolAccountInfo *vault = &p->ka[ESCROW_SETTLE_VAULT];
  const SolAccountInfo *mint = &p->ka[ESCROW_SETTLE_MINT];
  if (!gp_pubkey_eq(&j->mint, &config->iosd_mint)) return gp_token_burn(vault, mint, job, amount, signer);

  const SolAccountInfo *economy = &p->ka[ESCROW_SETTLE_ECONOMY_PROGRAM];
  const SolAccountInfo *economy_config = &p->ka[ESCROW_SETTLE_ECONOMY_CONFIG];
  if (!gp_pubkey_eq(economy->key, &config->economy_program)) return ESCROW_ERR_INVALID_PROGRAM_ID;
  economy_burn_fee_cpi_t c = {economy->key, economy_config, job, vault, mint, &p->ka[ESCROW_SETTLE_TOKEN_PROGRAM]};
  economy_burn_fee_args_t args = {.amount = amount};
  return economy_cpi_burn_fee(&c, &args, signer);
}

/* The slot's payout account can take the pay: a token account of the job's mint, not frozen,
   owned by the device's owner now. Anything else (closed, frozen, handed to someone else) is
   the payee's doing, and must not stop the job from settling and closing. */
static bool payable(const SolAccountInfo *payout, const escrow_job_t *j, const SolPubkey *owner) {
  gp_token_account_t t;
  return !gp_token_account_read_mint(payout, &j->mint, &t) && t.state == GP_TOKEN_STATE_INITIALIZED &&
         gp_pubkey_eq(t.owner, owner);
}

/* Pays a slot's verified but unpaid seconds (see pay.c): anyone may call it, it pays only to
   the addresses fixed in the job (or, when the slot's payout account cannot
   take it, to the device owner's Unclaimed record: unclaimed.c), and a repeat finds nothing
   to pay. */
uint64_t escrow_settle(const SolParameters *p) {
  GP_TRY(escrow_check_settle_accounts(p));
  const SolAccountInfo *job = &p->ka[ESCROW_SETTLE_JOB];
  const SolAccountInfo *vault = &p->ka[ESCROW_SETTLE_VAULT];
  const SolAccountInfo *payout = &p->ka[ESCROW_SETTLE_PAYOUT];
  const SolAccountInfo *treasury = &p->ka[ESCROW_SETTLE_TREASURY_TOKEN];
  const SolAccountInfo *mint = &p->ka[ESCROW_SETTLE_MINT];
  escrow_config_t *config;
  GP_TRY(escrow_load_config(&p->ka[ESCROW_SETTLE_CONFIG], p->program_id, &config));
  escrow_job_t *j;
  GP_TRY(escrow_load_job(job, p->program_id, &j));
  if (!gp_pubkey_eq(vault->key, &j->vault)) return ESCROW_ERR_INVALID_PDA;
  if (!gp_pubkey_eq(mint->key, &j->mint)) return ESCROW_ERR_INVALID_MINT;

  escrow_settle_args_t args;
  GP_TRY(escrow_decode_settle_args(p->data + 8, p->data_len - 8, &args));
  if (args.slot >= j->slot_count) return ESCROW_ERR_INVALID_SLOT;
  escrow_slot_t *s = &j->slots[args.slot];
  if (!gp_pubkey_eq(payout->key, &s->payout)) return ESCROW_ERR_WRONG_TOKEN_ACCOUNT;
  const SolAccountInfo *device = &p->ka[ESCROW_SETTLE_DEVICE];
  const registry_device_t *d;
  GP_TRY(escrow_load_device(device, config, &d));
  if (!gp_pubkey_eq(device->key, &s->device)) return ESCROW_ERR_WRONG_DEVICE;
  GP_TRY(escrow_check_token_account(j, treasury, &j->treasury));
  if (s->verified_secs <= s->paid_secs) return ESCROW_ERR_NOTHING_TO_SETTLE;

  escrow_pay_t pay;
  GP_TRY(escrow_pay(j, s->paid_secs, s->verified_secs, &pay));
  escrow_settled_t ev = {.discriminator = ESCROW_SETTLED_DISCRIMINATOR, .secs = s->verified_secs - s->paid_secs,
                         .payout = pay.payout, .fee_treasury = pay.fee_treasury, .fee_burned = pay.fee_burned,
                         .slot = args.slot};
  s->paid_secs = s->verified_secs;
  GP_TRY(gp_add_u64(j->paid_out, pay.payout, &j->paid_out));
  GP_TRY(gp_add_u64(j->fees_treasury, pay.fee_treasury, &j->fees_treasury));
  GP_TRY(gp_add_u64(j->fees_burned, pay.fee_burned, &j->fees_burned));

  escrow_job_signer_t signer;
  escrow_job_signer(j, &signer);
  if (pay.payout && payable(payout, j, &d->owner)) {
    GP_TRY(gp_token_transfer(vault, payout, job, pay.payout, &signer.signer));
  } else if (pay.payout) {
    escrow_unclaimed_to_t to = {p->program_id, &p->ka[ESCROW_SETTLE_UNCLAIMED], &p->ka[ESCROW_SETTLE_UNCLAIMED_VAULT],
                                mint, &p->ka[ESCROW_SETTLE_PAYER], vault, job, &signer.signer};
    GP_TRY(escrow_unclaimed_credit(&to, &d->owner, pay.payout));
    escrow_payout_unclaimed_t un = {.discriminator = ESCROW_PAYOUT_UNCLAIMED_DISCRIMINATOR, .amount = pay.payout,
                                    .slot = args.slot};
    gp_pubkey_copy(&un.job, job->key);
    gp_pubkey_copy(&un.device, device->key);
    gp_pubkey_copy(&un.owner, &d->owner);
    gp_pubkey_copy(&un.payout, payout->key);
    GP_EMIT_EVENT(&un);
  }
  if (pay.fee_treasury) GP_TRY(gp_token_transfer(vault, treasury, job, pay.fee_treasury, &signer.signer));
  if (pay.fee_burned) GP_TRY(burn(p, config, j, pay.fee_burned, &signer.signer));

  gp_pubkey_copy(&ev.job, job->key);
  gp_pubkey_copy(&ev.device, &s->device);
  GP_EMIT_EVENT(&ev);
  return 0;
}
