/* The escrow's job arithmetic (src/pay.c) as the host-compiled C answers it, for
   internal/protocol's cross-check (`make oracles`). One case a line on stdin, its first word
   its kind; one answer a line on stdout.

   arith price_per_hour device_count duration_secs fee_bps fee_burn_bps started_at ended_at
       deposited paid_out fees_treasury fees_burned refunded from to slot_count,
       then slot_count slots "state joined_at left_at verified_secs paid_secs"
     each result as "code value" (value 0 on error): escrow_cost(price, device_count,
     duration), escrow_pay(from, to) as "code gross payout fee_treasury fee_burned",
     escrow_held, escrow_reserve.

   ask ask_iosd ask_io io price
     escrow_check_ask's code (job.c). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escrow.h"

static escrow_job_t job;

static int read_case(uint64_t *from, uint64_t *to) {
  escrow_job_t *j = &job;
  memset(j, 0, sizeof *j);
  uint32_t devices, fee, burn, count;
  if (scanf(" %" SCNu64 " %" SCNu32 " %" SCNd64 " %" SCNu32 " %" SCNu32 " %" SCNd64 " %" SCNd64 " %" SCNu64
            " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu32,
            &j->price_per_hour, &devices, &j->duration_secs, &fee, &burn, &j->started_at, &j->ended_at,
            &j->deposited, &j->paid_out, &j->fees_treasury, &j->fees_burned, &j->refunded, from, to,
            &count) != 15 ||
      count > ESCROW_MAX_SLOTS)
    return 0;
  j->device_count = (uint8_t)devices;
  j->fee_bps = (uint16_t)fee;
  j->fee_burn_bps = (uint16_t)burn;
  j->slot_count = (uint8_t)count;
  for (uint32_t i = 0; i < count; i++) {
    escrow_slot_t *s = &j->slots[i];
    uint32_t state;
    if (scanf(" %" SCNu32 " %" SCNd64 " %" SCNd64 " %" SCNu64 " %" SCNu64, &state, &s->joined_at, &s->left_at,
              &s->verified_secs, &s->paid_secs) != 5)
      return 0;
    s->state = (uint8_t)state;
  }
  return 1;
}

static void put(uint64_t code, uint64_t value) { printf("%" PRIu64 " %" PRIu64, code, code ? 0 : value); }

static void job_rules(void) {
  uint64_t from, to;
  if (!read_case(&from, &to)) abort();
  uint64_t cost = 0, held = 0, reserve = 0;
  uint64_t code = escrow_cost(job.price_per_hour, job.device_count, (uint64_t)job.duration_secs, &cost);
  put(code, cost);
  escrow_pay_t pay = {0};
  code = escrow_pay(&job, from, to, &pay);
  if (code) pay = (escrow_pay_t){0};
  printf(" %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64, code, pay.gross, pay.payout, pay.fee_treasury,
         pay.fee_burned);
  putchar(' ');
  code = escrow_held(&job, &held);
  put(code, held);
  putchar(' ');
  code = escrow_reserve(&job, &reserve);
  put(code, reserve);
  putchar('\n');
}

static void ask_rules(void) {
  static registry_device_t d;
  uint32_t io;
  uint64_t price;
  memset(&d, 0, sizeof d);
  if (scanf(" %" SCNu32 " %" SCNu32 " %" SCNu32 " %" SCNu64, &d.ask_iosd, &d.ask_io, &io, &price) != 4) abort();
  printf("%" PRIu64 "\n", escrow_check_ask(&d, io != 0, price));
}

int main(void) {
  char kind[8];
  while (scanf(" %7s", kind) == 1) {
    if (!strcmp(kind, "arith")) job_rules();
    else if (!strcmp(kind, "ask")) ask_rules();
    else abort();
  }
  return ferror(stdin) ? 1 : 0;
}
