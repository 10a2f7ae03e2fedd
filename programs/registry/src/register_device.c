#include "registry.h"

#define MAX_GPUS 64
#define MAX_VRAM_GIB 4096
#define MAX_BANDWIDTH_TIER 3
#define MAX_REGION 999

static uint64_t check_spec(const registry_device_spec_t *s, const registry_config_params_t *params) {
  uint64_t min;
  GP_TRY(registry_view_min_stake(params, s->hardware_model, &min)); /* the model is a configured class */
  bool cpu_only = s->hardware_model == 0;
  if (cpu_only ? s->gpu_count != 0 : (s->gpu_count == 0 || s->gpu_count > MAX_GPUS))
    return REGISTRY_ERR_INVALID_DEVICE_SPEC;
  if (!cpu_only && (s->vram_gib == 0 || s->vram_gib > MAX_VRAM_GIB)) return REGISTRY_ERR_INVALID_DEVICE_SPEC;
  if (s->bandwidth_tier > MAX_BANDWIDTH_TIER || s->region > MAX_REGION) return REGISTRY_ERR_INVALID_DEVICE_SPEC;
  if (s->padding[0] | s->padding[1] | s->padding[2]) return REGISTRY_ERR_INVALID_DEVICE_SPEC;
  return 0;
}

/* Registers a worker under a provider. Both the provider wallet and the device key sign;
   the device PDA ["device", device_key] and its vault ["vault", device] (an IO token account
   that is its own authority) are created here. */
uint64_t registry_register_device(const SolParameters *p) {
  GP_TRY(registry_check_register_device_accounts(p));
  SolAccountInfo *provider_acc = &p->ka[REGISTRY_REGISTER_DEVICE_PROVIDER];
  SolAccountInfo *device = &p->ka[REGISTRY_REGISTER_DEVICE_DEVICE];
  SolAccountInfo *vault = &p->ka[REGISTRY_REGISTER_DEVICE_VAULT];
  const SolAccountInfo *owner = &p->ka[REGISTRY_REGISTER_DEVICE_OWNER];
  const SolAccountInfo *device_key = &p->ka[REGISTRY_REGISTER_DEVICE_DEVICE_KEY];
  const SolAccountInfo *io_mint = &p->ka[REGISTRY_REGISTER_DEVICE_IO_MINT];
  registry_config_t *config;
  GP_TRY(registry_load_live_config(&p->ka[REGISTRY_REGISTER_DEVICE_CONFIG], p->program_id, &config));
  registry_provider_t *provider;
  GP_TRY(registry_load_provider(provider_acc, p->program_id, owner->key, &provider));
  if (!gp_pubkey_eq(io_mint->key, &config->io_mint)) return REGISTRY_ERR_INVALID_MINT;

  registry_register_device_args_t args;
  GP_TRY(registry_decode_register_device_args(p->data + 8, p->data_len - 8, &args));
  GP_TRY(check_spec(&args.spec, &config->params));

  uint8_t bump;
  SolSignerSeed device_seeds[3] = {{(const uint8_t *)REGISTRY_SEED_DEVICE, REGISTRY_SEED_DEVICE_LEN},
                                   {device_key->key->x, SOL_PUBKEY_SIZE},
                                   {&bump, 1}};
  GP_TRY(gp_check_canonical_pda(device, device_seeds, 2, p->program_id, &bump));
  /* The vault's address is stored in the device, so any valid bump will do: the client finds
     one off-chain and this costs one create_program_address instead of a search. */
  uint8_t vault_bump = args.vault_bump;
  SolSignerSeed vault_seeds[3];
  SolSignerSeeds vault_signer;
  registry_vault_signer(device->key, &vault_bump, vault_seeds, &vault_signer);
  GP_TRY(gp_check_pda(vault, vault_seeds, 3, p->program_id));

  SolSignerSeeds device_signer = {device_seeds, 3};
  gp_create_pda_t create_device = {owner, device, p->program_id, &device_signer, REGISTRY_DEVICE_SIZE};
  GP_TRY(gp_account_create_pda(&create_device));
  GP_TRY(gp_token_account_create_pda(owner, vault, io_mint, vault->key, &vault_signer));

  int64_t now;
  GP_TRY(gp_unix_now(&now));
  registry_device_t *d = (registry_device_t *)(void *)device->data;
  d->discriminator = REGISTRY_DEVICE_DISCRIMINATOR;
  gp_pubkey_copy(&d->provider, provider_acc->key);
  gp_pubkey_copy(&d->owner, owner->key);
  gp_pubkey_copy(&d->device_key, device_key->key);
  gp_pubkey_copy(&d->vault, vault->key);
  d->registered_at = now;
  d->spec = args.spec;
  d->status = REGISTRY_STATUS_PROBATION;
  d->version = REGISTRY_LAYOUT_VERSION;
  d->bump = bump;
  d->vault_bump = vault_bump;
  d->reputation = registry_reputation(d);
  if (provider->device_count == UINT32_MAX) return REGISTRY_ERR_ARITHMETIC_OVERFLOW;
  provider->device_count++;
  int class = registry_class_index(&config->params, args.spec.hardware_model); /* >= 0: check_spec */
  if (class < 0 || config->class_devices[class] == UINT32_MAX) return REGISTRY_ERR_ARITHMETIC_OVERFLOW;
  config->class_devices[class]++; /* the class is in use: update_config cannot remove it */

  registry_device_registered_t ev = {.discriminator = REGISTRY_DEVICE_REGISTERED_DISCRIMINATOR, .spec = args.spec};
  gp_pubkey_copy(&ev.device, device->key);
  gp_pubkey_copy(&ev.provider, provider_acc->key);
  gp_pubkey_copy(&ev.device_key, device_key->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
