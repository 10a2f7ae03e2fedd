/* The registry as the programs that trust it read it: its Config, its Devices and its oracle
   set. Included by the registry, the escrow and the economy
   (`#include "registry/include/registry_view.h"`). */
#ifndef REGISTRY_VIEW_H
#define REGISTRY_VIEW_H

#include <gpunet/sdk.h>

#include "registry/gen/registry_idl.h"

/* The registry's Config: the account at `key` (the address the reader stored), owned by
   registry_program. */
static inline uint64_t registry_view_config(const SolAccountInfo *a, const SolPubkey *registry_program,
                                            const SolPubkey *key, const registry_config_t **out) {
  if (!gp_pubkey_eq(a->key, key)) return GP_ERR_INVALID_PDA;
  GP_TRY(gp_check_program_account(a, registry_program, REGISTRY_CONFIG_DISCRIMINATOR, REGISTRY_CONFIG_SIZE));
  *out = (const registry_config_t *)(const void *)a->data;
  return 0;
}

/* A registry Device (owner, size, discriminator). */
static inline uint64_t registry_view_device(const SolAccountInfo *a, const SolPubkey *registry_program,
                                            const registry_device_t **out) {
  GP_TRY(gp_check_program_account(a, registry_program, REGISTRY_DEVICE_DISCRIMINATOR, REGISTRY_DEVICE_SIZE));
  *out = (const registry_device_t *)(const void *)a->data;
  return 0;
}

/* The minimum stake of a hardware model under the current parameters: base_stake x
   max(1, multiplier) of its class (REGISTRY_ERR_UNKNOWN_HARDWARE_CLASS if none). */
static inline uint64_t registry_view_min_stake(const registry_config_params_t *params, uint32_t model, uint64_t *out) {
  for (uint64_t i = 0; i < params->hardware_class_count && i < REGISTRY_MAX_HARDWARE_CLASSES; i++) {
    const registry_hardware_class_t *c = &params->hardware_classes[i];
    if (c->model != model) continue;
    uint32_t mult = c->multiplier_bps > REGISTRY_BPS ? c->multiplier_bps : REGISTRY_BPS;
    return gp_mul_div_ceil_u64(params->base_stake, mult, REGISTRY_BPS, out);
  }
  return REGISTRY_ERR_UNKNOWN_HARDWARE_CLASS;
}

/* How long a proposed configuration change waits, in any of the three programs:
   max(min_delay, the registry's live unstake_cooldown_secs), so whoever disagrees can unstake
   and leave before it applies. min_delay is the program's limits.min_config_delay_secs. */
static inline int64_t registry_view_config_delay(const registry_config_t *config, int64_t min_delay) {
  int64_t cooldown = config->params.unstake_cooldown_secs;
  return cooldown > min_delay ? cooldown : min_delay;
}

/* 0 when the device can be hired now: the registry is not paused (ProgramPaused), the device
   is Active (DeviceNotHireable) and its stake meets the CURRENT minimum (StakeBelowMinimum):
   raising base_stake does not refresh every device's status, so the stake is checked here,
   where hireability is decided (the registry's set_device_job; readers may check it early). */
static inline uint64_t registry_view_hireable(const registry_config_t *config, const registry_device_t *d) {
  if (config->paused) return REGISTRY_ERR_PROGRAM_PAUSED;
  if (d->status != REGISTRY_STATUS_ACTIVE) return REGISTRY_ERR_DEVICE_NOT_HIREABLE;
  uint64_t min;
  GP_TRY(registry_view_min_stake(&config->params, d->spec.hardware_model, &min));
  return d->stake >= min ? 0 : REGISTRY_ERR_STAKE_BELOW_MINIMUM;
}

/* How the oracle set's votes on counted values are decided (gpunet/votes.h): its quorum,
   agreeing within vote_band_bps. */
static inline gp_vote_rule_t registry_vote_rule(const registry_config_params_t *p) {
  return (gp_vote_rule_t){p->oracle_quorum, p->vote_band_bps};
}

/* Index of key in the live oracle set, or -1. */
static inline int registry_oracle_index(const registry_config_params_t *p, const SolPubkey *key) {
  for (int i = 0; i < p->oracle_count && i < REGISTRY_MAX_ORACLES; i++)
    if (gp_pubkey_eq(key, &p->oracles[i])) return i;
  return -1;
}

/* A fingerprint of the live oracle set and its quorum. Votes are kept per oracle index, and
   indexes shift when the admin changes the set, so votes gathered under one set must never
   count under another: each vote collection records the fingerprint it started under and
   starts over when it changes (~300 CU for the hash). */
static inline uint64_t registry_oracle_set_fingerprint(const registry_config_params_t *p) {
  uint8_t hash[32];
  uint64_t count = p->oracle_count <= REGISTRY_MAX_ORACLES ? p->oracle_count : REGISTRY_MAX_ORACLES;
  SolBytes parts[2] = {{p->oracles[0].x, count * SOL_PUBKEY_SIZE}, {&p->oracle_quorum, 1}};
  sol_sha256(parts, 2, hash);
  return gp_load_u64(hash);
}

#endif
