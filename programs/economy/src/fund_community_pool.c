#include "economy.h"

uint64_t economy_fund_community(economy_config_t *c, const economy_mint_t *m) {
  uint64_t amount = c->community_accrued - c->community_funded;
  GP_TRY(economy_mint_to(m, amount));
  c->community_funded = c->community_accrued;
  GP_TRY(gp_add_u64(c->io_minted, amount, &c->io_minted));

  economy_community_funded_t ev = {.discriminator = ECONOMY_COMMUNITY_FUNDED_DISCRIMINATOR, .amount = amount,
                                   .total = c->community_funded};
  GP_EMIT_EVENT(&ev);
  return 0;
}

/* Anyone mints the community share accrued by advanced epochs, not yet minted, to the
   community pool's IO account. */
uint64_t economy_fund_community_pool(const SolParameters *p) {
  GP_TRY(economy_check_fund_community_pool_accounts(p));
  const SolAccountInfo *pool = &p->ka[ECONOMY_FUND_COMMUNITY_POOL_COMMUNITY_POOL];
  economy_config_t *c;
  GP_TRY(economy_load_config(&p->ka[ECONOMY_FUND_COMMUNITY_POOL_CONFIG], p->program_id, &c));
  GP_TRY(economy_check_mint_authority(c, &p->ka[ECONOMY_FUND_COMMUNITY_POOL_MINT_AUTHORITY]));
  if (!gp_pubkey_eq(pool->key, &c->params.community_pool)) return ECONOMY_ERR_WRONG_TOKEN_ACCOUNT;
  const SolAccountInfo *io_mint = &p->ka[ECONOMY_FUND_COMMUNITY_POOL_IO_MINT];
  if (!gp_pubkey_eq(io_mint->key, &c->io_mint)) return ECONOMY_ERR_INVALID_MINT;
  if (c->community_accrued == c->community_funded) return ECONOMY_ERR_INVALID_AMOUNT;
  economy_mint_t mint = {c, io_mint, pool, &p->ka[ECONOMY_FUND_COMMUNITY_POOL_MINT_AUTHORITY]};
  return economy_fund_community(c, &mint);
}
