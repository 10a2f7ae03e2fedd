#include "registry.h"

/* Creates the Config PDA with its parameters and hard limits (fixed for good: no instruction
   changes them). Only the upgrade authority may call it (see gpunet/loader.h), and it searches
   the canonical bump itself, once, so no second Config can exist. The IO and IOSD mints must be
   distinct mints without a freeze authority (InvalidMint): a freezable vault or escrow would let
   the mint's freeze authority block every exit. */
uint64_t registry_initialize_config(const SolParameters *p) {
  GP_TRY(registry_check_initialize_config_accounts(p));
  SolAccountInfo *config = &p->ka[REGISTRY_INITIALIZE_CONFIG_CONFIG];
  const SolAccountInfo *admin = &p->ka[REGISTRY_INITIALIZE_CONFIG_ADMIN];
  const SolAccountInfo *io_mint = &p->ka[REGISTRY_INITIALIZE_CONFIG_IO_MINT];
  const SolAccountInfo *iosd_mint = &p->ka[REGISTRY_INITIALIZE_CONFIG_IOSD_MINT];

  registry_initialize_config_args_t args;
  GP_TRY(registry_decode_initialize_config_args(p->data + 8, p->data_len - 8, &args));
  GP_TRY(gp_check_upgrade_authority(&p->ka[REGISTRY_INITIALIZE_CONFIG_PROGRAM],
                                    &p->ka[REGISTRY_INITIALIZE_CONFIG_PROGRAM_DATA],
                                    p->program_id, admin->key,
                                    REGISTRY_ERR_NOT_UPGRADE_AUTHORITY));
  gp_token_mint_t io, iosd;
  if (gp_token_mint_read(io_mint, &io) || gp_token_mint_read(iosd_mint, &iosd) || io.freeze_authority ||
      iosd.freeze_authority || gp_pubkey_eq(io_mint->key, iosd_mint->key))
    return REGISTRY_ERR_INVALID_MINT;
  GP_TRY(registry_validate_limits(&args.limits));
  GP_TRY(registry_validate_params(&args.params, &args.limits));

  uint8_t bump;
  SolSignerSeed seed = {(const uint8_t *)REGISTRY_SEED_CONFIG, REGISTRY_SEED_CONFIG_LEN};
  GP_TRY(gp_check_canonical_pda(config, &seed, 1, p->program_id, &bump));
  GP_TRY(gp_check_uninitialized(config));

  SolSignerSeed signer_seeds[2] = {seed, {&bump, 1}};
  SolSignerSeeds signer = {signer_seeds, 2};
  gp_create_pda_t create = {admin, config, p->program_id, &signer, REGISTRY_CONFIG_SIZE};
  GP_TRY(gp_account_create_pda(&create));

  registry_config_t *c = (registry_config_t *)(void *)config->data;
  c->discriminator = REGISTRY_CONFIG_DISCRIMINATOR;
  gp_pubkey_copy(&c->admin, admin->key);
  gp_pubkey_copy(&c->io_mint, io_mint->key);
  gp_pubkey_copy(&c->iosd_mint, iosd_mint->key);
  gp_memcpy(&c->params, &args.params, sizeof c->params);
  gp_memcpy(&c->limits, &args.limits, sizeof c->limits);
  c->version = REGISTRY_LAYOUT_VERSION;
  c->bump = bump;

  registry_config_initialized_t ev = {.discriminator = REGISTRY_CONFIG_INITIALIZED_DISCRIMINATOR};
  gp_pubkey_copy(&ev.admin, admin->key);
  gp_pubkey_copy(&ev.io_mint, io_mint->key);
  gp_pubkey_copy(&ev.iosd_mint, iosd_mint->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
