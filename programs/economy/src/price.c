#include "economy.h"

/* Each oracle's latest price sits in the Config; a price is fresh while it was published at
   most max_price_age_secs ago. The usable price needs a quorum of fresh prices: the lower median
   of them (one high outlier cannot raise it), with the highest confidence among them (the most
   cautious), so a single oracle can neither set the price nor hide its uncertainty. Prices
   submitted under an oracle set that has since changed do not count (registry_view.h). */
uint64_t economy_price(const economy_config_t *config, const registry_config_t *rc, int64_t now, economy_price_t *out) {
  if (config->price_oracle_set != registry_oracle_set_fingerprint(&rc->params)) return ECONOMY_ERR_PRICE_UNAVAILABLE;
  uint64_t prices[ECONOMY_MAX_ORACLES], n = 0, conf = 0;
  for (uint64_t i = 0; i < rc->params.oracle_count && i < ECONOMY_MAX_ORACLES; i++) {
    const economy_price_submission_t *s = &config->prices[i];
    if (s->price == 0 || s->publish_time < now - config->params.max_price_age_secs) continue;
    prices[n++] = s->price;
    if (s->conf > conf) conf = s->conf;
  }
  if (n == 0 || n < rc->params.oracle_quorum) return ECONOMY_ERR_PRICE_UNAVAILABLE;
  out->price = gp_lower_median_u64(prices, n);
  out->conf = conf;
  return 0;
}
