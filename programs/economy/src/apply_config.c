#include "economy.h"

/* Anyone applies the proposal once its time has come. Checked again against the state now:
   valid and within the limits, the frozen parameters unchanged, and every epoch that ended by
   the proposal's time advanced under the parameters it was announced against
   (EpochsNotAdvanced: advance_epoch first), so no epoch before the change is split by it. A new
   community pool takes effect only after the old one is paid what it accrued: that share is
   minted to it here, unless its account is gone (no longer an IO token account), in which case
   the new pool receives it. */
uint64_t economy_apply_config(const SolParameters *p) {
  GP_TRY(economy_check_apply_config_accounts(p));
  const SolAccountInfo *pool = &p->ka[ECONOMY_APPLY_CONFIG_COMMUNITY_POOL];
  const SolAccountInfo *io_mint = &p->ka[ECONOMY_APPLY_CONFIG_IO_MINT];
  const SolAccountInfo *authority = &p->ka[ECONOMY_APPLY_CONFIG_MINT_AUTHORITY];
  economy_config_t *c;
  GP_TRY(economy_load_config(&p->ka[ECONOMY_APPLY_CONFIG_CONFIG], p->program_id, &c));
  if (!gp_pubkey_eq(pool->key, &c->params.community_pool)) return ECONOMY_ERR_WRONG_TOKEN_ACCOUNT;
  if (!gp_pubkey_eq(io_mint->key, &c->io_mint)) return ECONOMY_ERR_INVALID_MINT;
  GP_TRY(economy_check_mint_authority(c, authority));
  int64_t now;
  GP_TRY(gp_unix_now(&now));
  gp_delayed_t delayed = economy_delayed(c);
  GP_TRY(gp_delayed_due(&delayed, now, ECONOMY_ERR_NO_CONFIG_PROPOSAL, ECONOMY_ERR_CONFIG_DELAY_NOT_OVER));
  GP_TRY(economy_validate_params(&c->pending, &c->limits));
  if (!economy_same_frozen(&c->params, &c->pending)) return ECONOMY_ERR_INVALID_CONFIG_PARAMS;
  GP_TRY(economy_check_epochs_before(c, &c->pending, c->pending_applies_at));

  gp_token_account_t old_pool;
  if (!gp_pubkey_eq(&c->pending.community_pool, pool->key) && c->community_accrued > c->community_funded &&
      gp_token_account_read_mint(pool, &c->io_mint, &old_pool) == 0) {
    economy_mint_t mint = {c, io_mint, pool, authority};
    GP_TRY(economy_fund_community(c, &mint));
  }
  gp_delayed_apply(&delayed);

  economy_config_updated_t ev = {.discriminator = ECONOMY_CONFIG_UPDATED_DISCRIMINATOR};
  gp_pubkey_copy(&ev.admin, &c->admin);
  gp_memcpy(&ev.params, &c->params, sizeof ev.params);
  GP_EMIT_EVENT(&ev);
  return 0;
}
