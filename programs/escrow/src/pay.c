#include "escrow.h"

/* Money rules. A slot's pay is a function of its cumulative seconds, never of how often it was
   settled: gross(t) = floor(t x price_per_hour / 3600), fee(t) = floor(gross(t) x fee_bps),
   burned(t) = floor(fee(t) x fee_burn_bps). Settling t0 -> t1 moves the differences, so paying
   in one step or in many gives the provider, the treasury and the burn the same totals, and
   rounding always favours the renter (floors). The deposit is escrow_cost of the whole
   duration: as the slots' seconds never overlap more than device_count at a time, the sum of
   their gross pay never exceeds it (a sum of floors is at most the floor of the sum). */

uint64_t escrow_cost(uint64_t price_per_hour, uint8_t devices, uint64_t secs, uint64_t *out) {
  uint64_t device_secs;
  GP_TRY(gp_mul_u64(secs, devices, &device_secs));
  return gp_mul_div_u64(device_secs, price_per_hour, ESCROW_SECS_PER_HOUR, out);
}

int64_t escrow_slot_end(const escrow_job_t *j, const escrow_slot_t *s) {
  if (s->state == ESCROW_SLOT_LEFT) return s->left_at;
  return j->ended_at ? j->ended_at : j->started_at + j->duration_secs;
}

uint64_t escrow_slot_cap(const escrow_job_t *j, const escrow_slot_t *s, int64_t at) {
  if (!s->joined_at) return 0;
  int64_t end = escrow_slot_end(j, s);
  if (at < end) end = at;
  return end > s->joined_at ? (uint64_t)(end - s->joined_at) : 0;
}

/* gross, fee and burn of t cumulative seconds */
static uint64_t totals(const escrow_job_t *j, uint64_t t, escrow_pay_t *out) {
  GP_TRY(gp_mul_div_u64(t, j->price_per_hour, ESCROW_SECS_PER_HOUR, &out->gross));
  uint64_t fee;
  GP_TRY(gp_mul_div_u64(out->gross, j->fee_bps, ESCROW_BPS, &fee));
  GP_TRY(gp_mul_div_u64(fee, j->fee_burn_bps, ESCROW_BPS, &out->fee_burned));
  out->payout = out->gross - fee;
  out->fee_treasury = fee - out->fee_burned;
  return 0;
}

uint64_t escrow_pay(const escrow_job_t *j, uint64_t from, uint64_t to, escrow_pay_t *out) {
  if (from > to) return ESCROW_ERR_ARITHMETIC_OVERFLOW;
  escrow_pay_t a, b;
  GP_TRY(totals(j, from, &a));
  GP_TRY(totals(j, to, &b));
  /* Each total is monotonic in t, so every difference is >= 0. */
  out->gross = b.gross - a.gross;
  out->payout = b.payout - a.payout;
  out->fee_treasury = b.fee_treasury - a.fee_treasury;
  out->fee_burned = b.fee_burned - a.fee_burned;
  return 0;
}

uint64_t escrow_held(const escrow_job_t *j, uint64_t *out) {
  uint64_t gone;
  GP_TRY(gp_add_u64(j->paid_out, j->fees_treasury, &gone));
  GP_TRY(gp_add_u64(gone, j->fees_burned, &gone));
  GP_TRY(gp_add_u64(gone, j->refunded, &gone));
  return gp_sub_u64(j->deposited, gone, out);
}

uint64_t escrow_reserve(const escrow_job_t *j, uint64_t *out) {
  uint64_t sum = 0;
  for (uint8_t i = 0; i < j->slot_count; i++) {
    const escrow_slot_t *s = &j->slots[i];
    escrow_pay_t owed;
    uint64_t most = escrow_slot_cap(j, s, escrow_slot_end(j, s));
    GP_TRY(escrow_pay(j, s->paid_secs, most, &owed));
    GP_TRY(gp_add_u64(sum, owed.gross, &sum));
  }
  *out = sum;
  return 0;
}
