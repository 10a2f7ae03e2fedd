#include "registry.h"

/* The owner sets the device's asking prices per device-hour (in REGISTRY_ASK_UNIT base units),
   which the escrow's accept_job holds jobs to. Not an exit, so refused while paused. */
uint64_t registry_set_asks(const SolParameters *p) {
  GP_TRY(registry_check_set_asks_accounts(p));
  const SolAccountInfo *device = &p->ka[REGISTRY_SET_ASKS_DEVICE];
  registry_config_t *config;
  GP_TRY(registry_load_live_config(&p->ka[REGISTRY_SET_ASKS_CONFIG], p->program_id, &config));
  registry_device_t *d;
  GP_TRY(registry_load_owned_device(device, p->program_id, p->ka[REGISTRY_SET_ASKS_OWNER].key, &d));
  if (d->status == REGISTRY_STATUS_DEREGISTERED) return REGISTRY_ERR_DEVICE_DEREGISTERED;

  registry_set_asks_args_t args;
  GP_TRY(registry_decode_set_asks_args(p->data + 8, p->data_len - 8, &args));
  d->ask_iosd = args.ask_iosd;
  d->ask_io = args.ask_io;

  registry_asks_set_t ev = {.discriminator = REGISTRY_ASKS_SET_DISCRIMINATOR, .ask_iosd = args.ask_iosd,
                            .ask_io = args.ask_io};
  gp_pubkey_copy(&ev.device, device->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
