#include "economy.h"

/* An oracle's latest IO/USD price replaces its previous one if it is newer and not stale. */
uint64_t economy_submit_price(const SolParameters *p) {
  GP_TRY(economy_check_submit_price_accounts(p));
  const SolAccountInfo *oracle = &p->ka[ECONOMY_SUBMIT_PRICE_ORACLE];
  economy_config_t *config;
  GP_TRY(economy_load_config(&p->ka[ECONOMY_SUBMIT_PRICE_CONFIG], p->program_id, &config));
  const registry_config_t *rc;
  GP_TRY(economy_load_registry_config(&p->ka[ECONOMY_SUBMIT_PRICE_REGISTRY_CONFIG], config, &rc));
  int index = registry_oracle_index(&rc->params, oracle->key);
  if (index < 0) return ECONOMY_ERR_NOT_ORACLE;

  economy_submit_price_args_t args;
  GP_TRY(economy_decode_submit_price_args(p->data + 8, p->data_len - 8, &args));
  int64_t now;
  GP_TRY(gp_unix_now(&now));
  if (args.price == 0 || args.publish_time > now) return ECONOMY_ERR_INVALID_PRICE;
  uint64_t oracle_set = registry_oracle_set_fingerprint(&rc->params);
  if (config->price_oracle_set != oracle_set) { /* the set changed: older prices no longer count */
    gp_memset(config->prices, 0, sizeof config->prices);
    config->price_oracle_set = oracle_set;
  }
  economy_price_submission_t *s = &config->prices[index];
  if (args.publish_time <= s->publish_time || args.publish_time < now - config->params.max_price_age_secs)
    return ECONOMY_ERR_STALE_PRICE;
  s->price = args.price;
  s->conf = args.conf;
  s->publish_time = args.publish_time;

  economy_price_submitted_t ev = {.discriminator = ECONOMY_PRICE_SUBMITTED_DISCRIMINATOR, .price = args.price,
                                  .conf = args.conf, .publish_time = args.publish_time};
  gp_pubkey_copy(&ev.oracle, oracle->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
