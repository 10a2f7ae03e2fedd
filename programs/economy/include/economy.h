/* The economy program: IO / IOSD burn-and-mint at the oracle price, the emission schedule,
   provider and community rewards, and the escrow's fee-burn hook.
   One file per instruction under src/; layouts and codes come from the generated
   gen/economy_idl.h (idl/economy.json). Shared rules live in src/config.c (the Config and
   the registry's oracle set), src/price.c (the usable price), src/breaker.c (circuit
   breakers), src/schedule.c (the emission curve) and src/mint.c (minting under the cap). */
#ifndef ECONOMY_H
#define ECONOMY_H

#include <gpunet/sdk.h>

#include "economy_idl.h"
#include "registry/gen/registry_idl.h"
#include "registry/include/registry_view.h"

/* Layout version written into every account. */
#define ECONOMY_VERSION 2
#define ECONOMY_BPS 10000u
#define ECONOMY_E9 1000000000ull
#define ECONOMY_MAX_ORACLES 16u
/* 1 IO = 10^8 base units; prices are micro-USD (IOSD base units) per whole IO. */
#define ECONOMY_IO_UNIT 100000000ull
/* Conversions value IO at price -/+ this many confidences. */
#define ECONOMY_CONF_MULTIPLIER 2u
/* advance_epoch advances at most this many epochs per call. */
#define ECONOMY_MAX_EPOCHS_PER_CALL 24u

uint64_t economy_process(const SolParameters *p);

/* Instructions, one per file. */
uint64_t economy_initialize(const SolParameters *p);
uint64_t economy_update_config(const SolParameters *p);
uint64_t economy_submit_price(const SolParameters *p);
uint64_t economy_burn_io_for_iosd(const SolParameters *p);
uint64_t economy_redeem_iosd_for_io(const SolParameters *p);
uint64_t economy_advance_epoch(const SolParameters *p);
uint64_t economy_submit_rewards(const SolParameters *p);
uint64_t economy_claim_rewards(const SolParameters *p);
uint64_t economy_fund_community_pool(const SolParameters *p);
uint64_t economy_burn_fee(const SolParameters *p);

/* config.c */
uint64_t economy_validate_params(const economy_config_params_t *params);
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

/* breaker.c */
/* A circuit breaker: what passed through it in a window that decays linearly to zero over
   window_secs. Adds amount at now, or returns err if that would exceed limit. */
typedef struct {
  uint64_t *used;
  int64_t *at;
  uint64_t limit;
  int64_t window_secs;
} economy_breaker_t;
uint64_t economy_breaker_add(const economy_breaker_t *b, int64_t now, uint64_t amount, uint64_t err);

/* schedule.c */
/* The scheduled emission of epoch config->next_epoch (advancing config's month if it starts a
   new one), within what the emission budget has left. */
uint64_t economy_next_emission(economy_config_t *config, uint64_t *out);

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

#endif
