#include "economy.h"

/* The device's attested cumulative reward: its live oracles' latest values, submitted under
   the current oracle set (registry_view.h), counted by gpunet/votes.h with the registry's
   quorum and vote_band_bps as a final collection: the low end of a quorum that agrees. One
   faulty oracle moves it by at most the band below an honest value, never above one. Fewer
   than a quorum of values is RewardQuorumNotMet, no agreeing quorum RewardDisagreement: both
   only delay the claim, as the values are cumulative and the next agreeing quorum pays what
   this one did not. */
static uint64_t attested(const economy_reward_record_t *r, const registry_config_t *rc, uint64_t *out) {
  if (r->oracle_set != registry_oracle_set_fingerprint(&rc->params)) return ECONOMY_ERR_REWARD_QUORUM_NOT_MET;
  uint64_t v[ECONOMY_MAX_ORACLES], n = 0;
  for (uint64_t i = 0; i < rc->params.oracle_count && i < ECONOMY_MAX_ORACLES; i++)
    if (r->values[i]) v[n++] = r->values[i];
  if (n == 0 || n < rc->params.oracle_quorum) return ECONOMY_ERR_REWARD_QUORUM_NOT_MET;
  gp_vote_rule_t rule = registry_vote_rule(&rc->params);
  gp_votes_t votes;
  if (gp_votes_decide(&rule, v, n, true, &votes) != GP_VOTES_DECIDED) return ECONOMY_ERR_REWARD_DISAGREEMENT;
  *out = votes.lo;
  return 0;
}

/* Anyone pays a device its attested rewards less what it was paid, as IO minted to its
   owner's IO account, out of the provider pool the advanced epochs emitted. The event carries
   the attested (decided) cumulative value. */
uint64_t economy_claim_rewards(const SolParameters *p) {
  GP_TRY(economy_check_claim_rewards_accounts(p));
  const SolAccountInfo *device = &p->ka[ECONOMY_CLAIM_REWARDS_DEVICE];
  const SolAccountInfo *record = &p->ka[ECONOMY_CLAIM_REWARDS_REWARDS];
  const SolAccountInfo *owner_io = &p->ka[ECONOMY_CLAIM_REWARDS_OWNER_IO];
  economy_config_t *c;
  GP_TRY(economy_load_config(&p->ka[ECONOMY_CLAIM_REWARDS_CONFIG], p->program_id, &c));
  const SolAccountInfo *io_mint = &p->ka[ECONOMY_CLAIM_REWARDS_IO_MINT];
  if (!gp_pubkey_eq(io_mint->key, &c->io_mint)) return ECONOMY_ERR_INVALID_MINT;
  const registry_config_t *rc;
  GP_TRY(economy_load_registry_config(&p->ka[ECONOMY_CLAIM_REWARDS_REGISTRY_CONFIG], c, &rc));
  GP_TRY(economy_check_mint_authority(c, &p->ka[ECONOMY_CLAIM_REWARDS_MINT_AUTHORITY]));
  const registry_device_t *d;
  GP_TRY(registry_view_device(device, &c->registry_program, &d));
  GP_TRY(gp_check_program_account(record, p->program_id, ECONOMY_REWARD_RECORD_DISCRIMINATOR, ECONOMY_REWARD_RECORD_SIZE));
  economy_reward_record_t *r = (economy_reward_record_t *)(void *)record->data;
  if (!gp_pubkey_eq(&r->device, device->key)) return ECONOMY_ERR_INVALID_PDA;
  gp_token_account_t to;
  GP_TRY(gp_token_account_read_mint(owner_io, &c->io_mint, &to));
  if (!gp_pubkey_eq(to.owner, &d->owner)) return ECONOMY_ERR_WRONG_TOKEN_ACCOUNT;

  uint64_t total, amount, claimed;
  GP_TRY(attested(r, rc, &total));
  if (total <= r->claimed) return ECONOMY_ERR_NOTHING_TO_CLAIM;
  amount = total - r->claimed;
  if (gp_add_u64(c->rewards_claimed, amount, &claimed) || claimed > c->provider_pool_total)
    return ECONOMY_ERR_REWARD_POOL_EXHAUSTED;
  economy_mint_t mint = {c, io_mint, owner_io, &p->ka[ECONOMY_CLAIM_REWARDS_MINT_AUTHORITY]};
  GP_TRY(economy_mint_to(&mint, amount));
  c->rewards_claimed = claimed;
  r->claimed = total;
  GP_TRY(gp_add_u64(c->io_minted, amount, &c->io_minted));

  economy_rewards_claimed_t ev = {.discriminator = ECONOMY_REWARDS_CLAIMED_DISCRIMINATOR, .amount = amount, .cumulative = total};
  gp_pubkey_copy(&ev.device, device->key);
  gp_pubkey_copy(&ev.owner_io, owner_io->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
