#include "economy.h"

/* Advances every ended epoch not yet advanced, up to max_epochs: each emits its scheduled IO
   (schedule.c) plus the net burn not yet added back, up to net_emission_limit (net emissions:
   burns flow back to providers, and what exceeds the limit waits for later epochs). The net
   burn is IO burned for IOSD less IO minted by redemptions, so a burn-and-redeem round trip,
   in either order, adds nothing back: an advance adds only what the net burn exceeds
   total_added_back by. (A later redemption cannot take back what was added; later add-backs
   wait for burns to make up for it.) Each epoch's IO is split community_bps to the community
   pool, the rest to providers. Nothing is minted here: providers claim lazily, the community
   pool is funded by fund_community_pool. Epochs advance in order and only once, so re-running
   a crank does nothing twice. */
uint64_t economy_advance_epoch(const SolParameters *p) {
  GP_TRY(economy_check_advance_epoch_accounts(p));
  economy_config_t *c;
  GP_TRY(economy_load_config(&p->ka[ECONOMY_ADVANCE_EPOCH_CONFIG], p->program_id, &c));
  economy_advance_epoch_args_t args;
  GP_TRY(economy_decode_advance_epoch_args(p->data + 8, p->data_len - 8, &args));
  if (args.max_epochs == 0 || args.max_epochs > ECONOMY_MAX_EPOCHS_PER_CALL) return ECONOMY_ERR_INVALID_EPOCH_COUNT;
  int64_t now;
  GP_TRY(gp_unix_now(&now));

  uint8_t advanced = 0;
  for (; advanced < args.max_epochs; advanced++) {
    uint64_t end;
    GP_TRY(economy_epoch_end(&c->params, c->next_epoch, &end));
    if (end > (uint64_t)now) break;
    economy_epoch_advanced_t ev = {.discriminator = ECONOMY_EPOCH_ADVANCED_DISCRIMINATOR, .epoch = c->next_epoch};
    GP_TRY(economy_next_emission(c, &ev.scheduled));
    uint64_t backlog = gp_sat_sub_u64(gp_sat_sub_u64(c->io_burned, c->io_redeemed), c->total_added_back);
    ev.added_back = backlog < c->params.net_emission_limit ? backlog : c->params.net_emission_limit;
    uint64_t pool;
    GP_TRY(gp_add_u64(ev.scheduled, ev.added_back, &pool));
    GP_TRY(gp_mul_div_u64(pool, c->params.community_bps, ECONOMY_BPS, &ev.community));
    ev.provider = pool - ev.community;
    GP_TRY(gp_add_u64(c->total_scheduled, ev.scheduled, &c->total_scheduled));
    GP_TRY(gp_add_u64(c->total_added_back, ev.added_back, &c->total_added_back));
    GP_TRY(gp_add_u64(c->provider_pool_total, ev.provider, &c->provider_pool_total));
    GP_TRY(gp_add_u64(c->community_accrued, ev.community, &c->community_accrued));
    c->next_epoch++;
    GP_EMIT_EVENT(&ev);
  }
  return advanced ? 0 : ECONOMY_ERR_EPOCH_NOT_DUE;
}
