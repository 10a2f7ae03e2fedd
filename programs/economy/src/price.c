#include "economy.h"

/* Each oracle's latest price sits in the Config; a price is fresh while it was published at
   most max_price_age_secs ago under the current oracle set (registry_view.h: a set change
   clears them). The fresh prices are votes counted by gpunet/votes.h with the registry's
   quorum and the Config's price_band_bps: fewer than a quorum is PriceUnavailable; a quorum
   that does not agree within the band is PriceDisagreement (the conversion halts, so one
   lying oracle can stop conversions but not price them); otherwise the agreeing range
   [lo, hi] and the highest confidence among the agreeing prices (the most cautious). */
uint64_t economy_price(const economy_config_t *config, const registry_config_t *rc, int64_t now, economy_price_t *out) {
  if (config->price_oracle_set != registry_oracle_set_fingerprint(&rc->params)) return ECONOMY_ERR_PRICE_UNAVAILABLE;
  uint64_t prices[ECONOMY_MAX_ORACLES], n = 0;
  bool fresh[ECONOMY_MAX_ORACLES];
  for (uint64_t i = 0; i < rc->params.oracle_count && i < ECONOMY_MAX_ORACLES; i++) {
    const economy_price_submission_t *s = &config->prices[i];
    fresh[i] = s->price != 0 && s->publish_time >= now - config->params.max_price_age_secs;
    if (fresh[i]) prices[n++] = s->price;
  }
  if (n == 0 || n < rc->params.oracle_quorum) return ECONOMY_ERR_PRICE_UNAVAILABLE;
  gp_vote_rule_t rule = {rc->params.oracle_quorum, config->params.price_band_bps};
  gp_votes_t votes;
  if (gp_votes_decide(&rule, prices, n, true, &votes) != GP_VOTES_DECIDED) return ECONOMY_ERR_PRICE_DISAGREEMENT;
  /* the agreeing group is every fresh price in [lo, hi] (a sorted run that takes in equal ends) */
  out->lo = votes.lo;
  out->hi = votes.hi;
  out->conf = 0;
  for (uint64_t i = 0; i < rc->params.oracle_count && i < ECONOMY_MAX_ORACLES; i++) {
    const economy_price_submission_t *s = &config->prices[i];
    if (fresh[i] && s->price >= votes.lo && s->price <= votes.hi && s->conf > out->conf) out->conf = s->conf;
  }
  return 0;
}
