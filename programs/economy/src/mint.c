#include "economy.h"

uint64_t economy_check_mint_authority(const economy_config_t *config, const SolAccountInfo *authority) {
  return gp_pubkey_eq(authority->key, &config->mint_authority) ? 0 : ECONOMY_ERR_INVALID_PDA;
}

uint64_t economy_mint_to(const economy_mint_t *m, uint64_t amount) {
  if (amount == 0) return 0;
  gp_token_mint_t mint;
  GP_TRY(gp_token_mint_read(m->mint, &mint));
  if (gp_pubkey_eq(m->mint->key, &m->config->io_mint)) {
    uint64_t supply;
    if (gp_add_u64(mint.supply, amount, &supply) || supply > m->config->params.supply_cap)
      return ECONOMY_ERR_SUPPLY_CAP_EXCEEDED;
  }
  SolSignerSeed seeds[2] = {{(const uint8_t *)ECONOMY_SEED_MINT_AUTHORITY, ECONOMY_SEED_MINT_AUTHORITY_LEN},
                            {&m->config->authority_bump, 1}};
  SolSignerSeeds signer = {seeds, 2};
  return gp_token_mint_to(m->mint, m->destination, m->authority, amount, &signer);
}
