#include "escrow.h"

/* A payment mint: the registry's, which its initialize_config checked has no freeze authority
   (whoever held one could freeze job vaults and payout accounts, so no job could end or pay). */
static uint64_t check_mint(const SolAccountInfo *mint, const SolPubkey *want) {
  return gp_pubkey_eq(mint->key, want) ? 0 : ESCROW_ERR_INVALID_MINT;
}

/* Creates the Config PDA. Only the upgrade authority may call it (see gpunet/loader.h). It
   fixes the registry this program trusts (its program and Config), the economy program that
   burns IOSD fees and the limits no later configuration may exceed, and finds, once, the
   canonical bumps of the Config and of the escrow authority PDA that signs for the registry. */
uint64_t escrow_initialize_config(const SolParameters *p) {
  GP_TRY(escrow_check_initialize_config_accounts(p));
  SolAccountInfo *config = &p->ka[ESCROW_INITIALIZE_CONFIG_CONFIG];
  const SolAccountInfo *admin = &p->ka[ESCROW_INITIALIZE_CONFIG_ADMIN];
  const SolAccountInfo *registry_program = &p->ka[ESCROW_INITIALIZE_CONFIG_REGISTRY_PROGRAM];
  const SolAccountInfo *registry_config = &p->ka[ESCROW_INITIALIZE_CONFIG_REGISTRY_CONFIG];
  const SolAccountInfo *economy_program = &p->ka[ESCROW_INITIALIZE_CONFIG_ECONOMY_PROGRAM];

  escrow_initialize_config_args_t args;
  GP_TRY(escrow_decode_initialize_config_args(p->data + 8, p->data_len - 8, &args));
  GP_TRY(gp_check_upgrade_authority(&p->ka[ESCROW_INITIALIZE_CONFIG_PROGRAM],
                                    &p->ka[ESCROW_INITIALIZE_CONFIG_PROGRAM_DATA], p->program_id, admin->key,
                                    ESCROW_ERR_NOT_UPGRADE_AUTHORITY));
  if (!registry_program->executable || !economy_program->executable) return ESCROW_ERR_INVALID_PROGRAM_ID;
  const registry_config_t *rc;
  GP_TRY(registry_view_config(registry_config, registry_program->key, registry_config->key, &rc));
  GP_TRY(check_mint(&p->ka[ESCROW_INITIALIZE_CONFIG_IO_MINT], &rc->io_mint));
  GP_TRY(check_mint(&p->ka[ESCROW_INITIALIZE_CONFIG_IOSD_MINT], &rc->iosd_mint));
  GP_TRY(escrow_validate_limits(&args.limits));
  GP_TRY(escrow_validate_params(&args.params, &args.limits));

  uint8_t bump, authority_bump;
  SolSignerSeed seed = {(const uint8_t *)ESCROW_SEED_CONFIG, ESCROW_SEED_CONFIG_LEN};
  GP_TRY(gp_check_canonical_pda(config, &seed, 1, p->program_id, &bump));
  GP_TRY(gp_check_uninitialized(config));
  SolPubkey authority;
  SolSignerSeed authority_seed = {(const uint8_t *)ESCROW_SEED_ESCROW_AUTHORITY, ESCROW_SEED_ESCROW_AUTHORITY_LEN};
  if (sol_try_find_program_address(&authority_seed, 1, p->program_id, &authority, &authority_bump))
    return ESCROW_ERR_INVALID_PDA;

  SolSignerSeed signer_seeds[2] = {seed, {&bump, 1}};
  SolSignerSeeds signer = {signer_seeds, 2};
  gp_create_pda_t create = {admin, config, p->program_id, &signer, ESCROW_CONFIG_SIZE};
  GP_TRY(gp_account_create_pda(&create));

  escrow_config_t *c = (escrow_config_t *)(void *)config->data;
  c->discriminator = ESCROW_CONFIG_DISCRIMINATOR;
  gp_pubkey_copy(&c->admin, admin->key);
  gp_pubkey_copy(&c->registry_program, registry_program->key);
  gp_pubkey_copy(&c->registry_config, registry_config->key);
  gp_pubkey_copy(&c->io_mint, &rc->io_mint);
  gp_pubkey_copy(&c->iosd_mint, &rc->iosd_mint);
  gp_pubkey_copy(&c->economy_program, economy_program->key);
  gp_pubkey_copy(&c->authority, &authority);
  gp_memcpy(&c->params, &args.params, sizeof c->params);
  gp_memcpy(&c->limits, &args.limits, sizeof c->limits);
  c->version = ESCROW_LAYOUT_VERSION;
  c->bump = bump;
  c->authority_bump = authority_bump;

  escrow_config_initialized_t ev = {.discriminator = ESCROW_CONFIG_INITIALIZED_DISCRIMINATOR};
  gp_pubkey_copy(&ev.admin, admin->key);
  gp_pubkey_copy(&ev.registry_program, registry_program->key);
  gp_memcpy(&ev.limits, &args.limits, sizeof ev.limits);
  GP_EMIT_EVENT(&ev);
  return 0;
}
