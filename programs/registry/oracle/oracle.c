/* The registry's device rules as the host-compiled C answers them, for internal/protocol's
   cross-check (`make oracles`). One case a line on stdin:
     paused status stake model pending_slashes has_job proven_uptime_secs probation_secs
     base_stake hardware_class_count, then 16 pairs "model multiplier_bps"
   one answer a line on stdout:
     registry_view_hireable's code, registry_view_min_stake's code and value (0 on error),
     the status registry_refresh_status leaves. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "gp_host.h"
#include "registry.h"

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

int main(void) {
  const SolPubkey key = {{0}};
  while (read_case()) {
    uint64_t hire = registry_view_hireable(&config, &device);
    uint64_t min = 0;
    uint64_t min_err = registry_view_min_stake(&config.params, device.spec.hardware_model, &min);
    gp_host_reset(); /* the status change event */
    if (registry_refresh_status(&device, &key, &config.params)) return 1;
    printf("%" PRIu64 " %" PRIu64 " %" PRIu64 " %u\n", hire, min_err, min_err ? 0 : min, device.status);
  }
  return ferror(stdin) ? 1 : 0;
}
