#include "economy.h"

/* IO -> IOSD at price - 2 x confidence (see convert.c). */
uint64_t economy_burn_io_for_iosd(const SolParameters *p) {
  GP_TRY(economy_check_burn_io_for_iosd_accounts(p));
  return economy_convert(p, true);
}
