#include "economy.h"

/* Creates the device's RewardRecord PDA ["rewards", device], the oracle paying its rent. */
static uint64_t create_record(const SolParameters *p, SolAccountInfo *record, const SolAccountInfo *device) {
  uint8_t bump;
  SolSignerSeed seeds[3] = {{(const uint8_t *)ECONOMY_SEED_REWARDS, ECONOMY_SEED_REWARDS_LEN},
                            {device->key->x, SOL_PUBKEY_SIZE},
                            {&bump, 1}};
  GP_TRY(gp_check_canonical_pda(record, seeds, 2, p->program_id, &bump));
  SolSignerSeeds signer = {seeds, 3};
  gp_create_pda_t create = {&p->ka[ECONOMY_SUBMIT_REWARDS_ORACLE], record, p->program_id, &signer,
                            ECONOMY_REWARD_RECORD_SIZE};
  GP_TRY(gp_account_create_pda(&create));
  economy_reward_record_t *r = (economy_reward_record_t *)(void *)record->data;
  r->discriminator = ECONOMY_REWARD_RECORD_DISCRIMINATOR;
  gp_pubkey_copy(&r->device, device->key);
  r->bump = bump;
  r->version = ECONOMY_LAYOUT_VERSION;
  return 0;
}

/* An oracle's attestation of a device's cumulative reward. Rewards are lazy (Helium's
   distributor): oracles score devices off-chain from the registry (proven uptime, hardware
   multiplier, hired time, reputation) and attest the running total; each oracle's value is
   kept and may only grow, so a replayed or older attestation cannot lower it. Each oracle
   signs its own instruction, so the runtime has verified every signature before this runs. */
uint64_t economy_submit_rewards(const SolParameters *p) {
  GP_TRY(economy_check_submit_rewards_accounts(p));
  const SolAccountInfo *device = &p->ka[ECONOMY_SUBMIT_REWARDS_DEVICE];
  SolAccountInfo *record = &p->ka[ECONOMY_SUBMIT_REWARDS_REWARDS];
  const SolAccountInfo *oracle = &p->ka[ECONOMY_SUBMIT_REWARDS_ORACLE];
  economy_config_t *c;
  GP_TRY(economy_load_config(&p->ka[ECONOMY_SUBMIT_REWARDS_CONFIG], p->program_id, &c));
  const registry_config_t *rc;
  GP_TRY(economy_load_registry_config(&p->ka[ECONOMY_SUBMIT_REWARDS_REGISTRY_CONFIG], c, &rc));
  int index = registry_oracle_index(&rc->params, oracle->key);
  if (index < 0) return ECONOMY_ERR_NOT_ORACLE;
  const registry_device_t *d;
  GP_TRY(registry_view_device(device, &c->registry_program, &d));

  economy_submit_rewards_args_t args;
  GP_TRY(economy_decode_submit_rewards_args(p->data + 8, p->data_len - 8, &args));
  if (record->data_len == 0) GP_TRY(create_record(p, record, device));
  GP_TRY(gp_check_program_account(record, p->program_id, ECONOMY_REWARD_RECORD_DISCRIMINATOR, ECONOMY_REWARD_RECORD_SIZE));
  economy_reward_record_t *r = (economy_reward_record_t *)(void *)record->data;
  if (!gp_pubkey_eq(&r->device, device->key)) return ECONOMY_ERR_INVALID_PDA;
  uint64_t oracle_set = registry_oracle_set_fingerprint(&rc->params);
  if (r->oracle_set != oracle_set) { /* first value, or the set changed: values start over */
    gp_memset(r->values, 0, sizeof r->values);
    r->oracle_set = oracle_set;
  }
  if (args.cumulative == 0 || args.cumulative < r->values[index]) return ECONOMY_ERR_STALE_REWARD;
  r->values[index] = args.cumulative;

  economy_rewards_submitted_t ev = {.discriminator = ECONOMY_REWARDS_SUBMITTED_DISCRIMINATOR, .cumulative = args.cumulative};
  gp_pubkey_copy(&ev.device, device->key);
  gp_pubkey_copy(&ev.oracle, oracle->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
