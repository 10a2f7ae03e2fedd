#include "escrow.h"

/* Dispatches on the instruction's 8-byte Anchor discriminator. */
uint64_t escrow_process(const SolParameters *p) {
  if (p->data_len < 8) return ESCROW_ERR_INVALID_INSTRUCTION;
  switch (gp_load_u64(p->data)) {
    case ESCROW_IX_INITIALIZE_CONFIG: return escrow_initialize_config(p);
    case ESCROW_IX_UPDATE_CONFIG: return escrow_update_config(p);
    case ESCROW_IX_APPLY_CONFIG: return escrow_apply_config(p);
    case ESCROW_IX_SET_PAUSE: return escrow_set_pause(p);
    case ESCROW_IX_CREATE_CLUSTER: return escrow_create_cluster(p);
    case ESCROW_IX_CLOSE_CLUSTER: return escrow_close_cluster(p);
    case ESCROW_IX_CREATE_JOB: return escrow_create_job(p);
    case ESCROW_IX_TOP_UP: return escrow_top_up(p);
    case ESCROW_IX_ASSIGN_DEVICES: return escrow_assign_devices(p);
    case ESCROW_IX_ACCEPT_JOB: return escrow_accept_job(p);
    case ESCROW_IX_RECORD_USAGE: return escrow_record_usage(p);
    case ESCROW_IX_COUNT_USAGE: return escrow_count_usage(p);
    case ESCROW_IX_SETTLE: return escrow_settle(p);
    case ESCROW_IX_SET_PAYOUT: return escrow_set_payout(p);
    case ESCROW_IX_COLLECT_UNCLAIMED: return escrow_collect_unclaimed(p);
    case ESCROW_IX_CANCEL_JOB: return escrow_cancel_job(p);
    case ESCROW_IX_QUIT_JOB: return escrow_quit_job(p);
    case ESCROW_IX_REPLACE_DEVICE: return escrow_replace_device(p);
    case ESCROW_IX_EXPIRE_JOB: return escrow_expire_job(p);
    case ESCROW_IX_CLOSE_JOB: return escrow_close_job(p);
  }
  return ESCROW_ERR_INVALID_INSTRUCTION;
}
