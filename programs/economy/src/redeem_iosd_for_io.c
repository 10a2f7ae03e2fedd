#include "economy.h"

/* IOSD -> IO at price + 2 x confidence (see convert.c). */
uint64_t economy_redeem_iosd_for_io(const SolParameters *p) {
  GP_TRY(economy_check_redeem_iosd_for_io_accounts(p));
  return economy_convert(p, false);
}
