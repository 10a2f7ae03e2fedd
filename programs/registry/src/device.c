#include "registry.h"

/* Identity without re-deriving addresses: an account owned by this program with a given
   discriminator was created by this program, and every creation path checks the canonical PDA.
   So owner + discriminator + the fields that link accounts (provider.owner, device.owner,
   device.vault, ticket.device, record.device) prove what an account is, and the 1,500-CU
   create_program_address syscall would add nothing. Token accounts, which the token program
   owns, are compared with the addresses stored at their creation. */

uint64_t registry_load_provider(const SolAccountInfo *account, const SolPubkey *program_id,
                                const SolPubkey *owner, registry_provider_t **out) {
  GP_TRY(gp_check_program_account(account, program_id, REGISTRY_PROVIDER_DISCRIMINATOR,
                                  REGISTRY_PROVIDER_SIZE));
  registry_provider_t *provider = (registry_provider_t *)(void *)account->data;
  if (!gp_pubkey_eq(&provider->owner, owner)) return REGISTRY_ERR_WRONG_OWNER;
  *out = provider;
  return 0;
}

uint64_t registry_load_device(const SolAccountInfo *account, const SolPubkey *program_id,
                              registry_device_t **out) {
  GP_TRY(gp_check_program_account(account, program_id, REGISTRY_DEVICE_DISCRIMINATOR,
                                  REGISTRY_DEVICE_SIZE));
  *out = (registry_device_t *)(void *)account->data;
  return 0;
}

uint64_t registry_load_owned_device(const SolAccountInfo *account, const SolPubkey *program_id,
                                    const SolPubkey *owner, registry_device_t **out) {
  GP_TRY(registry_load_device(account, program_id, out));
  return gp_pubkey_eq(&(*out)->owner, owner) ? 0 : REGISTRY_ERR_WRONG_OWNER;
}

uint64_t registry_load_provider_device(const SolAccountInfo *provider, const SolAccountInfo *device,
                                       const SolPubkey *program_id, const SolPubkey *owner,
                                       registry_owned_t *out) {
  GP_TRY(registry_load_provider(provider, program_id, owner, &out->provider));
  GP_TRY(registry_load_owned_device(device, program_id, owner, &out->device));
  return gp_pubkey_eq(&out->device->provider, provider->key) ? 0 : REGISTRY_ERR_WRONG_OWNER;
}

uint64_t registry_load_ticket(const SolAccountInfo *ticket, const SolPubkey *device,
                              const SolPubkey *program_id, registry_unstake_ticket_t **out) {
  GP_TRY(gp_check_program_account(ticket, program_id, REGISTRY_UNSTAKE_TICKET_DISCRIMINATOR,
                                  REGISTRY_UNSTAKE_TICKET_SIZE));
  registry_unstake_ticket_t *t = (registry_unstake_ticket_t *)(void *)ticket->data;
  if (!gp_pubkey_eq(&t->device, device)) return REGISTRY_ERR_INVALID_PDA;
  *out = t;
  return 0;
}

void registry_vault_signer(const SolPubkey *device, const uint8_t *bump, SolSignerSeed seeds[3],
                           SolSignerSeeds *signer) {
  seeds[0] = (SolSignerSeed){(const uint8_t *)REGISTRY_SEED_VAULT, REGISTRY_SEED_VAULT_LEN};
  seeds[1] = (SolSignerSeed){device->x, SOL_PUBKEY_SIZE};
  seeds[2] = (SolSignerSeed){bump, 1};
  *signer = (SolSignerSeeds){seeds, 3};
}

uint64_t registry_check_vault(const SolAccountInfo *vault, const registry_device_t *d,
                              const registry_config_t *config) {
  if (!gp_pubkey_eq(vault->key, &d->vault)) return REGISTRY_ERR_INVALID_PDA;
  gp_token_account_t token;
  return gp_token_account_read_mint(vault, &config->io_mint, &token);
}

uint64_t registry_refresh_status(registry_device_t *d, const SolPubkey *device,
                                 const registry_config_params_t *params) {
  uint8_t next = d->status;
  if (d->status != REGISTRY_STATUS_DEREGISTERED) {
    /* a class in use is never removed (registry_check_proposal); were it missing, the device
       could not be Active, but no exit path that refreshes the status would fail */
    uint64_t min;
    if (registry_view_min_stake(params, d->spec.hardware_model, &min)) min = UINT64_MAX;
    if (d->pending_slashes > 0)
      next = REGISTRY_STATUS_SUSPENDED;
    else if (!gp_pubkey_is_zero(&d->current_job))
      next = REGISTRY_STATUS_HIRED;
    else if (d->proven_uptime_secs >= (uint64_t)params->probation_secs && d->stake >= min)
      next = REGISTRY_STATUS_ACTIVE;
    else
      next = REGISTRY_STATUS_PROBATION;
  }
  if (next != d->status) {
    registry_device_status_changed_t ev = {.discriminator = REGISTRY_DEVICE_STATUS_CHANGED_DISCRIMINATOR,
                                           .from = d->status,
                                           .to = next};
    gp_pubkey_copy(&ev.device, device);
    GP_EMIT_EVENT(&ev);
    d->status = next;
  }
  return 0;
}

/* Reputation, 0-10000:
     50% uptime: the EMA of proven uptime per window (uptime_ema_bps);
     30% challenges: (passed + 1) / (passed + failed + 2), so an untested device starts at 1/2;
     20% tenure: proven uptime since registration or the last slash, full at 30 days;
   minus 2,000 per slash ever recorded (reversed slashes are not counted), floored at 0.
   Integer arithmetic only; every term is bounded, so nothing overflows. */
#define REPUTATION_TENURE_SECS (30ull * 24 * 3600)
#define REPUTATION_SLASH_PENALTY 2000u

uint16_t registry_reputation(const registry_device_t *d) {
  uint64_t uptime = d->uptime_ema_bps > REGISTRY_BPS ? REGISTRY_BPS : d->uptime_ema_bps;
  uint64_t tests = (uint64_t)d->challenges_passed + d->challenges_failed + 2;
  uint64_t challenges = ((uint64_t)d->challenges_passed + 1) * REGISTRY_BPS / tests;
  uint64_t tenure_secs =
      d->proven_uptime_secs > REPUTATION_TENURE_SECS ? REPUTATION_TENURE_SECS : d->proven_uptime_secs;
  uint64_t tenure = tenure_secs * REGISTRY_BPS / REPUTATION_TENURE_SECS;
  uint64_t score = (uptime * 50 + challenges * 30 + tenure * 20) / 100;
  uint64_t penalty = (uint64_t)d->slash_count * REPUTATION_SLASH_PENALTY;
  return (uint16_t)(score > penalty ? score - penalty : 0);
}
