#include "economy.h"

/* The curve: month k emits m_k, m_0 = first_month_emission and m_{k+1} = floor(m_k x (10^9 -
   monthly_decay_e9) / 10^9): each month 1.01508% less than the last with io.net's decay, exact
   in integers. Epoch i of a month of H epochs emits floor(m x (i+1) / H) - floor(m x i / H), so
   a month's epochs add up to m exactly. Nothing is emitted beyond the emission budget (the cap
   less the IO that existed at initialize). */
uint64_t economy_next_emission(economy_config_t *config, uint64_t *out) {
  uint64_t h = config->params.epochs_per_month;
  uint64_t month = config->next_epoch / h, i = config->next_epoch % h;
  while (config->month < month) {
    GP_TRY(gp_mul_div_u64(config->month_emission, ECONOMY_E9 - config->params.monthly_decay_e9, ECONOMY_E9,
                          &config->month_emission));
    config->month++;
  }
  uint64_t before, after;
  GP_TRY(gp_mul_div_u64(config->month_emission, i, h, &before));
  GP_TRY(gp_mul_div_u64(config->month_emission, i + 1, h, &after));
  uint64_t left = gp_sat_sub_u64(config->emission_budget, config->total_scheduled);
  uint64_t amount = after - before;
  *out = amount < left ? amount : left;
  return 0;
}
