#include "registry.h"

#define METADATA_URI_MAX 128

/* Creates the Provider PDA ["provider", owner] of the signing wallet. */
uint64_t registry_register_provider(const SolParameters *p) {
  GP_TRY(registry_check_register_provider_accounts(p));
  SolAccountInfo *provider = &p->ka[REGISTRY_REGISTER_PROVIDER_PROVIDER];
  const SolAccountInfo *owner = &p->ka[REGISTRY_REGISTER_PROVIDER_OWNER];
  registry_config_t *config;
  GP_TRY(registry_load_live_config(&p->ka[REGISTRY_REGISTER_PROVIDER_CONFIG], p->program_id, &config));

  registry_register_provider_args_t args;
  GP_TRY(registry_decode_register_provider_args(p->data + 8, p->data_len - 8, &args));
  if (args.metadata_uri.len == 0 || args.metadata_uri.len > METADATA_URI_MAX)
    return REGISTRY_ERR_INVALID_METADATA_URI;
  for (uint64_t i = 0; i < args.metadata_uri.len; i++)
    if (args.metadata_uri.addr[i] < 0x20 || args.metadata_uri.addr[i] > 0x7e)
      return REGISTRY_ERR_INVALID_METADATA_URI;

  uint8_t bump;
  SolSignerSeed seeds[3] = {{(const uint8_t *)REGISTRY_SEED_PROVIDER, REGISTRY_SEED_PROVIDER_LEN},
                            {owner->key->x, SOL_PUBKEY_SIZE},
                            {&bump, 1}};
  GP_TRY(gp_check_canonical_pda(provider, seeds, 2, p->program_id, &bump));
  SolSignerSeeds signer = {seeds, 3};
  gp_create_pda_t create = {owner, provider, p->program_id, &signer, REGISTRY_PROVIDER_SIZE};
  GP_TRY(gp_account_create_pda(&create));

  int64_t now;
  GP_TRY(gp_unix_now(&now));
  registry_provider_t *pr = (registry_provider_t *)(void *)provider->data;
  pr->discriminator = REGISTRY_PROVIDER_DISCRIMINATOR;
  gp_pubkey_copy(&pr->owner, owner->key);
  pr->created_at = now;
  pr->uri_len = (uint16_t)args.metadata_uri.len;
  pr->version = REGISTRY_LAYOUT_VERSION;
  pr->bump = bump;
  gp_memcpy(pr->metadata_uri, args.metadata_uri.addr, args.metadata_uri.len);

  registry_provider_registered_t ev = {.discriminator = REGISTRY_PROVIDER_REGISTERED_DISCRIMINATOR};
  gp_pubkey_copy(&ev.provider, provider->key);
  gp_pubkey_copy(&ev.owner, owner->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
