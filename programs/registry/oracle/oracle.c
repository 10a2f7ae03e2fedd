/* The registry's device and proof-window rules as the host-compiled C answers them, for
   internal/protocol's cross-check (`make oracles`). One case a line on stdin, its first word
   its kind; one answer a line on stdout.

   hire paused status stake model pending_slashes has_job proven_uptime_secs probation_secs
        base_stake hardware_class_count, then 16 pairs "model multiplier_bps"
     registry_view_hireable's code, registry_view_min_stake's code and value (0 on error),
     the status registry_refresh_status leaves.

   window proof_window_secs max_proof_age_secs vote_deadline_secs registered_at last_proof_window
          status window now w_window w_base w_oracle_set oracle_set
     registry_proof_times(window) and submit_proof.c's check_window(window, now), each
     "code start end deadline span" (zeros on error); registry_proof_current of the window
     (w_*) as 0 or 1. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp_host.h"
#include "registry.h"

/* check_window is static in submit_proof.c: the oracle compiles that file in (programs.mk
   leaves it out of the oracle's link). Its account-index asserts compare two enums, which gcc
   warns about. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wenum-compare"
#include "../src/submit_proof.c"
#pragma GCC diagnostic pop

static registry_config_t config;
static registry_device_t device;

static int read_case(void) {
  uint32_t paused, status, model, pending, has_job, count;
  uint64_t stake, proven, base;
  int64_t probation;
  if (scanf(" %" SCNu32 " %" SCNu32 " %" SCNu64 " %" SCNu32 " %" SCNu32 " %" SCNu32 " %" SCNu64 " %" SCNd64
            " %" SCNu64 " %" SCNu32,
            &paused, &status, &stake, &model, &pending, &has_job, &proven, &probation, &base, &count) != 10)
    return 0;
  memset(&config, 0, sizeof config);
  memset(&device, 0, sizeof device);
  config.paused = (uint8_t)paused;
  config.params.base_stake = base;
  config.params.probation_secs = probation;
  config.params.hardware_class_count = (uint8_t)count;
  for (int i = 0; i < REGISTRY_MAX_HARDWARE_CLASSES; i++) {
    registry_hardware_class_t *c = &config.params.hardware_classes[i];
    if (scanf(" %" SCNu32 " %" SCNu32, &c->model, &c->multiplier_bps) != 2) return 0;
  }
  device.status = (uint8_t)status;
  device.stake = stake;
  device.spec.hardware_model = model;
  device.pending_slashes = (uint16_t)pending;
  device.current_job.x[0] = (uint8_t)has_job;
  device.proven_uptime_secs = proven;
  return 1;
}

static void device_rules(void) {
  const SolPubkey key = {{0}};
  if (!read_case()) abort();
  uint64_t hire = registry_view_hireable(&config, &device);
    uint64_t min = 0;
    uint64_t min_err = registry_view_min_stake(&config.params, device.spec.hardware_model, &min);
    gp_host_reset(); /* the status change event */
  if (registry_refresh_status(&device, &key, &config.params)) abort();
  printf("%" PRIu64 " %" PRIu64 " %" PRIu64 " %u\n", hire, min_err, min_err ? 0 : min, device.status);
}

static void print_times(uint64_t code, const registry_proof_times_t *t) {
  if (code) {
    printf("%" PRIu64 " 0 0 0 0", code);
    return;
  }
  printf("0 %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64, t->start, t->end, t->deadline, t->span);
}

static void proof_rules(void) {
  static registry_proof_window_t w;
  memset(&config, 0, sizeof config);
  memset(&device, 0, sizeof device);
  memset(&w, 0, sizeof w);
  registry_config_params_t *p = &config.params;
  uint32_t status;
  uint64_t window, oracle_set;
  int64_t now;
  if (scanf(" %" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNu64 " %" SCNu32 " %" SCNu64 " %" SCNd64
            " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64,
            &p->proof_window_secs, &p->max_proof_age_secs, &p->vote_deadline_secs, &device.registered_at,
            &device.last_proof_window, &status, &window, &now, &w.window, &w.base, &w.oracle_set, &oracle_set) != 12)
    abort();
  device.status = (uint8_t)status;
  registry_proof_times_t t;
  print_times(registry_proof_times(p, &device, window, &t), &t);
  printf(" ");
  print_times(check_window(window, p, &device, now, &t), &t);
  printf(" %d\n", registry_proof_current(&w, &device, oracle_set));
}

int main(void) {
  char kind[8];
  while (scanf(" %7s", kind) == 1) {
    if (!strcmp(kind, "hire")) device_rules();
    else if (!strcmp(kind, "window")) proof_rules();
    else abort();
  }
  return ferror(stdin) ? 1 : 0;
}
