#include "economy.h"

/* Dispatches on the instruction's 8-byte Anchor discriminator. */
uint64_t economy_process(const SolParameters *p) {
  if (p->data_len < 8) return ECONOMY_ERR_INVALID_INSTRUCTION;
  switch (gp_load_u64(p->data)) {
    case ECONOMY_IX_INITIALIZE: return economy_initialize(p);
    case ECONOMY_IX_UPDATE_CONFIG: return economy_update_config(p);
    case ECONOMY_IX_APPLY_CONFIG: return economy_apply_config(p);
    case ECONOMY_IX_SUBMIT_PRICE: return economy_submit_price(p);
    case ECONOMY_IX_BURN_IO_FOR_IOSD: return economy_burn_io_for_iosd(p);
    case ECONOMY_IX_REDEEM_IOSD_FOR_IO: return economy_redeem_iosd_for_io(p);
    case ECONOMY_IX_ADVANCE_EPOCH: return economy_advance_epoch(p);
    case ECONOMY_IX_SUBMIT_REWARDS: return economy_submit_rewards(p);
    case ECONOMY_IX_CLAIM_REWARDS: return economy_claim_rewards(p);
    case ECONOMY_IX_FUND_COMMUNITY_POOL: return economy_fund_community_pool(p);
    case ECONOMY_IX_BURN_FEE: return economy_burn_fee(p);
  }
  return ECONOMY_ERR_INVALID_INSTRUCTION;
}
