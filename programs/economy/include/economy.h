/* The economy program: IO / IOSD burn-and-mint at the oracle price, the emission schedule,
   provider and community rewards, and the escrow's fee-burn hook.
   One file per instruction under src/; layouts and codes come from the generated
   gen/economy_idl.h (idl/economy.json). Shared rules live in src/config.c (the Config and
   the registry's oracle set, the limits and which changes apply at once), src/price.c (the
   usable price), src/schedule.c (the emission curve and epoch ends), src/mint.c (minting under
   the cap) and src/fund_community_pool.c (paying the community share). The circuit breakers are
   gpunet/limit.h over the Config's Breaker states. */
#ifndef ECONOMY_H
#define ECONOMY_H

#include <gpunet/delayed.h>
#include <gpunet/limit.h>
#include <gpunet/sdk.h>

#include "economy_idl.h"
#include "escrow/gen/escrow_idl.h"
#include "registry/gen/registry_idl.h"
#include "registry/include/registry_view.h"

uint64_t economy_process(const SolParameters *p);

/* Instructions, one per file. */
uint64_t economy_initialize(const SolParameters *p);
uint64_t economy_update_config(const SolParameters *p);
uint64_t economy_apply_config(const SolParameters *p);
uint64_t economy_submit_price(const SolParameters *p);
uint64_t economy_burn_io_for_iosd(const SolParameters *p);
uint64_t economy_redeem_iosd_for_io(const SolParameters *p);
uint64_t economy_advance_epoch(const SolParameters *p);
uint64_t economy_submit_rewards(const SolParameters *p);
uint64_t economy_claim_rewards(const SolParameters *p);
uint64_t economy_fund_community_pool(const SolParameters *p);
uint64_t economy_burn_fee(const SolParameters *p);

/* config.c */
/* The limits initialize takes: a positive least delay and nonzero breaker ceilings
   (InvalidConfigParams). */
uint64_t economy_validate_limits(const economy_economy_limits_t *limits);
/* The rules a parameter set must follow, whoever sets it, within the limits (InvalidConfigParams). */
uint64_t economy_validate_params(const economy_config_params_t *params, const economy_economy_limits_t *limits);
/* next keeps what never changes: the schedule, the cap and the breaker window. */
bool economy_same_frozen(const economy_config_params_t *live, const economy_config_params_t *next);
/* Whether next only reduces the admin's power over live (applies at once): the same community
   pool; community share, breaker limits, price band and price age not raised; all else equal. */
bool economy_change_at_once(const economy_config_params_t *live, const economy_config_params_t *next);
/* When next changes how epochs are split (community pool or share, net emission limit), every
   epoch that ended by t must have been advanced under the live parameters (EpochsNotAdvanced),
   so that a change never reaches back into epochs before it. */
uint64_t economy_check_epochs_before(const economy_config_t *config, const economy_config_params_t *next, int64_t t);
/* The Config's live parameters, its proposal and the proposal's time (gpunet/delayed.h). */
static inline gp_delayed_t economy_delayed(economy_config_t *config) {
  return (gp_delayed_t){&config->params, &config->pending, &config->pending_applies_at, sizeof config->params};
}
/* The Config, checked (owner, size, discriminator). */
uint64_t economy_load_config(const SolAccountInfo *account, const SolPubkey *program_id, economy_config_t **out);
/* The registry's Config: the address stored in ours, owned by the registry program. */
uint64_t economy_load_registry_config(const SolAccountInfo *account, const economy_config_t *config,
                                      const registry_config_t **out);

/* price.c */
/* The usable price at `now`: the range [lo, hi] of a quorum of the live oracles' fresh prices
   that agree within price_band_bps (gpunet/votes.h), and the highest confidence among them.
   PriceUnavailable with fewer than a quorum of fresh prices, PriceDisagreement when they do
   not agree. Burns value IO at lo, redemptions at hi: the end less favourable to the user. */
typedef struct {
  uint64_t lo, hi, conf;
} economy_price_t;
uint64_t economy_price(const economy_config_t *config, const registry_config_t *rc, int64_t now, economy_price_t *out);

/* schedule.c */
/* The scheduled emission of epoch config->next_epoch (advancing config's month if it starts a
   new one), within what the emission budget has left. */
uint64_t economy_next_emission(economy_config_t *config, uint64_t *out);
/* When epoch ends: genesis_time + (epoch + 1) x epoch_secs. */
static inline uint64_t economy_epoch_end(const economy_config_params_t *params, uint64_t epoch, uint64_t *out) {
  GP_TRY(gp_mul_u64(epoch + 1, (uint64_t)params->epoch_secs, out));
  return gp_add_u64(*out, (uint64_t)params->genesis_time, out);
}

/* convert.c */
/* burn_io_for_iosd (to_iosd) and redeem_iosd_for_io, which take the same accounts and argument. */
uint64_t economy_convert(const SolParameters *p, bool to_iosd);

/* mint.c */
/* The accounts a mint by the mint authority PDA takes. */
typedef struct {
  const economy_config_t *config;
  const SolAccountInfo *mint, *destination, *authority;
} economy_mint_t;
/* Checks the mint authority account against the Config. */
uint64_t economy_check_mint_authority(const economy_config_t *config, const SolAccountInfo *authority);
/* Mints amount to destination, signed by the mint authority PDA; IO only while circulating
   supply (the mint's supply) stays within the cap (SupplyCapExceeded). */
uint64_t economy_mint_to(const economy_mint_t *m, uint64_t amount);

/* fund_community_pool.c */
/* Mints the accrued community share not yet paid (> 0) to m->destination, the community pool
   it accrued to, and emits CommunityFunded. */
uint64_t economy_fund_community(economy_config_t *config, const economy_mint_t *m);

#endif
