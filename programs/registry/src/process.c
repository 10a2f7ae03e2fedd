#include "registry.h"

/* Dispatches on the instruction's 8-byte Anchor discriminator. */
uint64_t registry_process(const SolParameters *p) {
  if (p->data_len < 8) return REGISTRY_ERR_INVALID_INSTRUCTION;
  switch (gp_load_u64(p->data)) {
    case REGISTRY_IX_INITIALIZE_CONFIG: return registry_initialize_config(p);
    case REGISTRY_IX_UPDATE_CONFIG: return registry_update_config(p);
    case REGISTRY_IX_APPLY_CONFIG: return registry_apply_config(p);
    case REGISTRY_IX_TRANSFER_ADMIN: return registry_transfer_admin(p);
    case REGISTRY_IX_ACCEPT_ADMIN: return registry_accept_admin(p);
    case REGISTRY_IX_SET_PAUSE: return registry_set_pause(p);
    case REGISTRY_IX_REGISTER_PROVIDER: return registry_register_provider(p);
    case REGISTRY_IX_REGISTER_DEVICE: return registry_register_device(p);
    case REGISTRY_IX_STAKE: return registry_stake(p);
    case REGISTRY_IX_REQUEST_UNSTAKE: return registry_request_unstake(p);
    case REGISTRY_IX_WITHDRAW_UNSTAKED: return registry_withdraw_unstaked(p);
    case REGISTRY_IX_DEREGISTER_DEVICE: return registry_deregister_device(p);
    case REGISTRY_IX_SUBMIT_PROOF: return registry_submit_proof(p);
    case REGISTRY_IX_CLOSE_STALE_PROOF: return registry_close_stale_proof(p);
    case REGISTRY_IX_COUNT_PROOF: return registry_count_proof(p);
    case REGISTRY_IX_SLASH: return registry_slash(p);
    case REGISTRY_IX_RESOLVE_APPEAL: return registry_resolve_appeal(p);
    case REGISTRY_IX_FINALIZE_SLASH: return registry_finalize_slash(p);
    case REGISTRY_IX_SET_DEVICE_JOB: return registry_set_device_job(p);
    case REGISTRY_IX_SET_ASKS: return registry_set_asks(p);
  }
  return REGISTRY_ERR_INVALID_INSTRUCTION;
}
