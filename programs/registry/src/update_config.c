#include "registry.h"

/* Proposes new parameters; admin only. Works while paused, so the admin can fix what made
   them pause. The parameters must be valid within the hard limits, keep proof_window_secs
   (window ids are multiples of it and a device's last counted window is an id, so a new size
   would let time already counted be counted again: ProofWindowFixed) and keep every hardware
   class devices use (HardwareClassInUse).
   A change that only reduces a key's power (registry_change_at_once) applies at once and drops
   any pending proposal, so proposing the live parameters cancels one: ConfigUpdated. Any other
   becomes the pending proposal, replacing an older one, and applies through apply_config after
   registry_view_config_delay, so whoever disagrees can leave first: ConfigProposed. */
uint64_t registry_update_config(const SolParameters *p) {
  GP_TRY(registry_check_update_config_accounts(p));
  const SolAccountInfo *admin = &p->ka[REGISTRY_UPDATE_CONFIG_ADMIN];
  registry_config_t *config;
  GP_TRY(registry_load_config(&p->ka[REGISTRY_UPDATE_CONFIG_CONFIG], p->program_id, &config));
  GP_TRY(registry_check_admin(config, admin));

  registry_update_config_args_t args;
  GP_TRY(registry_decode_update_config_args(p->data + 8, p->data_len - 8, &args));
  uint32_t counts[REGISTRY_MAX_HARDWARE_CLASSES];
  GP_TRY(registry_check_proposal(config, &args.params, counts));
  bool at_once = registry_change_at_once(&config->params, &args.params);
  int64_t now;
  GP_TRY(gp_unix_now(&now));
  gp_delayed_t c = {&config->params, &config->pending, &config->pending_applies_at, sizeof config->params};
  GP_TRY(gp_delayed_propose(&c, &args.params, at_once, now, registry_view_config_delay(config, config->limits.min_config_delay_secs)));

  if (at_once) {
    gp_memcpy(config->class_devices, counts, sizeof config->class_devices);
    registry_config_updated_t ev = {.discriminator = REGISTRY_CONFIG_UPDATED_DISCRIMINATOR};
    gp_pubkey_copy(&ev.admin, admin->key);
    gp_memcpy(&ev.params, &args.params, sizeof ev.params);
    GP_EMIT_EVENT(&ev);
    return 0;
  }
  registry_config_proposed_t ev = {.discriminator = REGISTRY_CONFIG_PROPOSED_DISCRIMINATOR,
                                   .applies_at = config->pending_applies_at};
  gp_pubkey_copy(&ev.admin, admin->key);
  gp_memcpy(&ev.params, &args.params, sizeof ev.params);
  GP_EMIT_EVENT(&ev);
  return 0;
}
