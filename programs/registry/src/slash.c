#include "registry.h"

#include "escrow/gen/escrow_idl.h"

/* The evidence needs the signatures of a quorum of distinct live oracles: the authority when it
   is one, and the oracles among the remaining accounts that signed. Whoever the authority is
   (the keeper, say) it only submits and pays; signers that are not oracles do not count, the
   runtime passes a repeated key as the same account, and the mask counts each oracle once.
   mask: bit i for oracle i of the live set. */
static void add_signer(const SolAccountInfo *a, const registry_config_params_t *params, uint32_t *mask) {
  int idx = a->is_signer ? registry_oracle_index(params, a->key) : -1;
  if (idx >= 0) *mask |= 1u << idx;
}

static uint64_t check_signers(const SolParameters *p, const registry_config_params_t *params, uint16_t *mask) {
  uint32_t m = 0, votes = 0;
  add_signer(&p->ka[REGISTRY_SLASH_AUTHORITY], params, &m);
  for (uint64_t i = REGISTRY_SLASH_NUM_ACCOUNTS; i < p->ka_num; i++) add_signer(&p->ka[i], params, &m);
  for (uint32_t rest = m; rest; rest &= rest - 1) votes++;
  *mask = (uint16_t)m;
  return votes >= params->oracle_quorum ? 0 : REGISTRY_ERR_UNAUTHORIZED_SLASHER;
}

/* The device's unstake ticket, or NULL when it has none:
   - a registry-owned account must be this device's UnstakeTicket (registry_load_ticket);
   - a system-owned account without data is accepted only when the device has nothing pending
     (pending_unstake == 0; InvalidPda otherwise): then no ticket holds any of its stake, the
     slash is taken from the stake alone and the account is never touched, so its address does
     not matter.
   - anything else cannot be the ticket PDA: InvalidPda. */
static uint64_t load_ticket(const SolAccountInfo *ticket, const SolAccountInfo *device,
                            const registry_device_t *d, const SolPubkey *program_id,
                            registry_unstake_ticket_t **out) {
  if (gp_pubkey_eq(ticket->owner, program_id)) return registry_load_ticket(ticket, device->key, program_id, out);
  if (gp_pubkey_is_zero(ticket->owner) && ticket->data_len == 0 && d->pending_unstake == 0) {
    *out = NULL;
    return 0;
  }
  return REGISTRY_ERR_INVALID_PDA;
}

/* The escrow Job the device abandoned (the `job` account), or none. The system program means
   none: the record's beneficiary stays zero and finalize_slash pays the compensation pool. Any
   other account must be a Job of the config's escrow, proven without trusting the caller or
   knowing the escrow's program id: ["escrow_authority", authority_bump] under the account's
   owner program must be params->escrow_authority (the escrow's authority PDA). Only the program
   that owns an account writes it, and a PDA fixes its program, so the owner is the escrow program
   and the bytes are a real Job (exact size and discriminator). The bump comes from the client,
   so this is one create_program_address (1,500 CU) instead of a canonical search; any bump is
   as good as the canonical one, since the derived address must equal the configured one. A
   mistaken account is refused (NotEscrowJob), not taken for "no job", so a renter is never
   silently left out. The Job must list the device in a slot it was hired in or left
   (abandonment usually follows a replacement, which already freed the device; DeviceNotOnJob).
   *renter: the job's renter, or NULL for none. */
static uint64_t load_job(const SolAccountInfo *job, const SolPubkey *device, const SolPubkey *escrow_authority,
                         uint8_t authority_bump, const SolPubkey **renter) {
  *renter = NULL;
  if (gp_pubkey_is_zero(job->key)) return 0; /* the system program */
  SolSignerSeed seeds[2] = {{(const uint8_t *)ESCROW_SEED_ESCROW_AUTHORITY, ESCROW_SEED_ESCROW_AUTHORITY_LEN},
                            {&authority_bump, 1}};
  SolPubkey authority __attribute__((aligned(8)));
  if (sol_create_program_address(seeds, 2, job->owner, &authority) || !gp_pubkey_eq(&authority, escrow_authority))
    return REGISTRY_ERR_NOT_ESCROW_JOB;
  if (gp_check_data(job, ESCROW_JOB_DISCRIMINATOR, ESCROW_JOB_SIZE)) return REGISTRY_ERR_NOT_ESCROW_JOB;
  const escrow_job_t *j = (const escrow_job_t *)(const void *)job->data;
  for (uint32_t i = 0; i < j->slot_count && i < ESCROW_MAX_SLOTS; i++) {
    const escrow_slot_t *s = &j->slots[i];
    if ((s->state == ESCROW_SLOT_HIRED || s->state == ESCROW_SLOT_LEFT) && gp_pubkey_eq(&s->device, device)) {
      *renter = &j->renter;
      return 0;
    }
  }
  return REGISTRY_ERR_DEVICE_NOT_ON_JOB;
}

/* Moves the offence's share of the device's stake + pending unstake into a new escrow token
   account owned by the new slash record, and suspends the device until the slash is reversed
   (resolve_appeal) or finalized (finalize_slash, which also resets its proven uptime). Only on
   evidence a quorum of oracles signed (check_signers); the record's address includes the
   evidence hash, so the same evidence can be used once; at most one slash per device and
   offence is pending (SlashAlreadyPending); the rates taken from one device in any span of
   limits.slash_period_secs add up to at most limits.max_slash_period_bps (SlashCapReached,
   gpunet/limit.h). The record keeps the signers and the burn / treasury split of the moment, so
   finalize_slash does not depend on later parameters. With the escrow Job the device abandoned
   (load_job), the record names the job's renter as its beneficiary, who gets the compensation
   share at finalization; the quorum's signatures cover the whole transaction, job included. */
uint64_t registry_slash(const SolParameters *p) {
  GP_TRY(registry_check_slash_accounts(p));
  SolAccountInfo *device = &p->ka[REGISTRY_SLASH_DEVICE];
  const SolAccountInfo *ticket_acc = &p->ka[REGISTRY_SLASH_TICKET];
  const SolAccountInfo *vault = &p->ka[REGISTRY_SLASH_VAULT];
  SolAccountInfo *record_acc = &p->ka[REGISTRY_SLASH_SLASH_RECORD];
  SolAccountInfo *escrow = &p->ka[REGISTRY_SLASH_SLASH_ESCROW];
  const SolAccountInfo *authority = &p->ka[REGISTRY_SLASH_AUTHORITY];
  const SolAccountInfo *io_mint = &p->ka[REGISTRY_SLASH_IO_MINT];
  registry_config_t *config;
  GP_TRY(registry_load_live_config(&p->ka[REGISTRY_SLASH_CONFIG], p->program_id, &config));
  const registry_config_params_t *params = &config->params;
  uint16_t signers;
  GP_TRY(check_signers(p, params, &signers));
  registry_device_t *d;
  GP_TRY(registry_load_device(device, p->program_id, &d));
  if (d->status == REGISTRY_STATUS_DEREGISTERED) return REGISTRY_ERR_DEVICE_DEREGISTERED;
  registry_provider_t *provider;
  GP_TRY(registry_load_provider(&p->ka[REGISTRY_SLASH_PROVIDER], p->program_id, &d->owner, &provider));
  registry_unstake_ticket_t *ticket;
  GP_TRY(load_ticket(ticket_acc, device, d, p->program_id, &ticket));
  GP_TRY(registry_check_vault(vault, d, config));
  if (!gp_pubkey_eq(io_mint->key, &config->io_mint)) return REGISTRY_ERR_INVALID_MINT;
  GP_TRY(gp_check_uninitialized(record_acc)); /* this evidence was already used */

  registry_slash_args_t args;
  GP_TRY(registry_decode_slash_args(p->data + 8, p->data_len - 8, &args));
  if (args.offence >= REGISTRY_OFFENCES) return REGISTRY_ERR_INVALID_OFFENCE;
  const uint8_t offence_bit = (uint8_t)(1u << args.offence);
  if (d->pending_offences & offence_bit) return REGISTRY_ERR_SLASH_ALREADY_PENDING;
  const SolAccountInfo *job = &p->ka[REGISTRY_SLASH_JOB];
  const SolPubkey *renter;
  GP_TRY(load_job(job, device->key, &params->escrow_authority, args.escrow_authority_bump, &renter));

  /* The record at its canonical address: the bump is searched once and stored. */
  uint8_t bump;
  SolSignerSeed record_seeds[4] = {{(const uint8_t *)REGISTRY_SEED_SLASH, REGISTRY_SEED_SLASH_LEN},
                                   {device->key->x, SOL_PUBKEY_SIZE},
                                   {args.evidence_hash, 32},
                                   {&bump, 1}};
  GP_TRY(gp_check_canonical_pda(record_acc, record_seeds, 3, p->program_id, &bump));
  /* The escrow's address is stored in the record, so any valid bump will do (the client finds
     one off-chain); the record's must be canonical: one slash per evidence. */
  uint8_t escrow_bump = args.escrow_bump;
  SolSignerSeed escrow_seeds[3] = {{(const uint8_t *)REGISTRY_SEED_SLASH_ESCROW, REGISTRY_SEED_SLASH_ESCROW_LEN},
                                   {record_acc->key->x, SOL_PUBKEY_SIZE},
                                   {&escrow_bump, 1}};
  GP_TRY(gp_check_pda(escrow, escrow_seeds, 3, p->program_id));

  /* amount = (stake + pending_unstake) x bps, rounded down; from the stake first, then the ticket. */
  uint64_t total, amount, from_ticket;
  GP_TRY(gp_add_u64(d->stake, d->pending_unstake, &total));
  GP_TRY(gp_mul_div_u64(total, params->slash_bps[args.offence], REGISTRY_BPS, &amount));
  uint64_t from_stake = amount < d->stake ? amount : d->stake;
  GP_TRY(gp_sub_u64(amount, from_stake, &from_ticket));
  int64_t now, deadline;
  GP_TRY(gp_unix_now(&now));
  const registry_registry_limits_t *limits = &config->limits;
  GP_TRY(gp_limit_take(&(gp_limit_t){&d->slash_window, &d->slash_previous_bps, &d->slash_current_bps}, now,
                       (int64_t)limits->slash_period_secs, limits->max_slash_period_bps, params->slash_bps[args.offence],
                       REGISTRY_ERR_SLASH_CAP_REACHED));
  if (__builtin_add_overflow(now, params->appeal_window_secs, &deadline)) return REGISTRY_ERR_ARITHMETIC_OVERFLOW;
  if (d->slash_count == UINT16_MAX || d->pending_slashes == UINT16_MAX) return REGISTRY_ERR_ARITHMETIC_OVERFLOW;
  GP_TRY(gp_sub_u64(d->stake, from_stake, &d->stake));
  GP_TRY(gp_sub_u64(provider->total_stake, from_stake, &provider->total_stake));
  if (from_ticket) {
    /* amount <= stake + pending_unstake, so pending_unstake > 0 here and load_ticket found the
       ticket; the test keeps a NULL ticket from ever being dereferenced */
    if (!ticket) return REGISTRY_ERR_INVALID_PDA;
    GP_TRY(gp_sub_u64(ticket->amount, from_ticket, &ticket->amount));
    GP_TRY(gp_sub_u64(d->pending_unstake, from_ticket, &d->pending_unstake));
  }

  SolSignerSeeds record_signer = {record_seeds, 4};
  gp_create_pda_t create_record = {authority, record_acc, p->program_id, &record_signer, REGISTRY_SLASH_RECORD_SIZE};
  GP_TRY(gp_account_create_pda(&create_record));
  SolSignerSeeds escrow_signer = {escrow_seeds, 3};
  GP_TRY(gp_token_account_create_pda(authority, escrow, io_mint, escrow->key, &escrow_signer));
  if (amount) {
    SolSignerSeed vault_seeds[3];
    SolSignerSeeds vault_signer;
    registry_vault_signer(device->key, &d->vault_bump, vault_seeds, &vault_signer);
    GP_TRY(gp_token_transfer(vault, escrow, vault, amount, &vault_signer));
  }

  registry_slash_record_t *r = (registry_slash_record_t *)(void *)record_acc->data;
  r->discriminator = REGISTRY_SLASH_RECORD_DISCRIMINATOR;
  gp_pubkey_copy(&r->device, device->key);
  gp_pubkey_copy(&r->payer, authority->key);
  gp_pubkey_copy(&r->escrow, escrow->key);
  gp_memcpy(r->evidence_hash, args.evidence_hash, 32);
  r->amount = amount;
  r->signer_mask = signers;
  r->burn_bps = params->slash_burn_bps;
  r->treasury_bps = params->slash_treasury_bps;
  r->created_at = now;
  r->appeal_deadline = deadline;
  r->offence = args.offence;
  r->status = REGISTRY_SLASH_STATUS_PENDING;
  r->version = REGISTRY_LAYOUT_VERSION;
  r->bump = bump;
  r->escrow_bump = escrow_bump;
  if (renter) {
    gp_pubkey_copy(&r->beneficiary, renter);
    gp_pubkey_copy(&r->job, job->key);
  }

  d->slash_count++;
  d->pending_slashes++;
  d->pending_offences |= offence_bit;
  d->reputation = registry_reputation(d);
  GP_TRY(registry_refresh_status(d, device->key, params));

  registry_device_slashed_t ev = {.discriminator = REGISTRY_DEVICE_SLASHED_DISCRIMINATOR,
                                  .amount = amount,
                                  .appeal_deadline = deadline,
                                  .offence = args.offence};
  gp_pubkey_copy(&ev.device, device->key);
  gp_pubkey_copy(&ev.slash_record, record_acc->key);
  gp_memcpy(ev.evidence_hash, args.evidence_hash, 32);
  gp_pubkey_copy(&ev.beneficiary, &r->beneficiary);
  gp_pubkey_copy(&ev.job, &r->job);
  for (int i = 0; i < params->oracle_count && i < REGISTRY_MAX_ORACLES; i++)
    if (signers & (1u << i)) gp_pubkey_copy(&ev.signers[ev.signer_count++], &params->oracles[i]);
  GP_EMIT_EVENT(&ev);
  return 0;
}
