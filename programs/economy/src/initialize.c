#include "economy.h"

/* Hands one mint to the mint authority PDA; its current mint authority signed. The mints are
   the registry's, whose initialize_config refused a freeze authority: whoever held one could
   freeze any holder's account, the community pool's or a job's vault, and no exit path could
   get the money out. */
static uint64_t take_mint(const SolAccountInfo *mint, const SolAccountInfo *current, const SolPubkey *authority,
                          gp_token_mint_t *out) {
  GP_TRY(gp_token_mint_read(mint, out));
  if (!out->mint_authority || !gp_pubkey_eq(out->mint_authority, current->key)) return ECONOMY_ERR_WRONG_MINT_AUTHORITY;
  return gp_token_set_authority(mint, current, GP_TOKEN_AUTH_MINT_TOKENS, authority, NULL);
}

/* Creates the Config PDA. Only the upgrade authority may call it (see gpunet/loader.h). The
   mints must be the registry's; their current mint authority signs them over to the PDA
   ["mint_authority"], after which only this program can mint IO or IOSD. The limits are fixed
   here for good, and the parameters must be within them. */
uint64_t economy_initialize(const SolParameters *p) {
  GP_TRY(economy_check_initialize_accounts(p));
  SolAccountInfo *config = &p->ka[ECONOMY_INITIALIZE_CONFIG];
  const SolAccountInfo *admin = &p->ka[ECONOMY_INITIALIZE_ADMIN];
  const SolAccountInfo *registry_program = &p->ka[ECONOMY_INITIALIZE_REGISTRY_PROGRAM];
  const SolAccountInfo *registry_config = &p->ka[ECONOMY_INITIALIZE_REGISTRY_CONFIG];
  const SolAccountInfo *escrow_program = &p->ka[ECONOMY_INITIALIZE_ESCROW_PROGRAM];
  const SolAccountInfo *io_mint = &p->ka[ECONOMY_INITIALIZE_IO_MINT];
  const SolAccountInfo *iosd_mint = &p->ka[ECONOMY_INITIALIZE_IOSD_MINT];
  const SolAccountInfo *mint_authority = &p->ka[ECONOMY_INITIALIZE_MINT_AUTHORITY];
  const SolAccountInfo *current = &p->ka[ECONOMY_INITIALIZE_CURRENT_MINT_AUTHORITY];

  economy_initialize_args_t args;
  GP_TRY(economy_decode_initialize_args(p->data + 8, p->data_len - 8, &args));
  GP_TRY(gp_check_upgrade_authority(&p->ka[ECONOMY_INITIALIZE_PROGRAM], &p->ka[ECONOMY_INITIALIZE_PROGRAM_DATA],
                                    p->program_id, admin->key, ECONOMY_ERR_NOT_UPGRADE_AUTHORITY));
  if (!registry_program->executable || !escrow_program->executable) return ECONOMY_ERR_INVALID_PROGRAM_ID;
  const registry_config_t *rc;
  GP_TRY(registry_view_config(registry_config, registry_program->key, registry_config->key, &rc));
  if (!gp_pubkey_eq(io_mint->key, &rc->io_mint) || !gp_pubkey_eq(iosd_mint->key, &rc->iosd_mint))
    return ECONOMY_ERR_INVALID_MINT;
  GP_TRY(economy_validate_limits(&args.limits));
  GP_TRY(economy_validate_params(&args.params, &args.limits));

  uint8_t bump, authority_bump;
  SolSignerSeed seed = {(const uint8_t *)ECONOMY_SEED_CONFIG, ECONOMY_SEED_CONFIG_LEN};
  GP_TRY(gp_check_canonical_pda(config, &seed, 1, p->program_id, &bump));
  GP_TRY(gp_check_uninitialized(config));
  SolSignerSeed authority_seed = {(const uint8_t *)ECONOMY_SEED_MINT_AUTHORITY, ECONOMY_SEED_MINT_AUTHORITY_LEN};
  GP_TRY(gp_check_canonical_pda(mint_authority, &authority_seed, 1, p->program_id, &authority_bump));
  gp_token_mint_t io, iosd;
  GP_TRY(take_mint(io_mint, current, mint_authority->key, &io));
  GP_TRY(take_mint(iosd_mint, current, mint_authority->key, &iosd));
  if (io.supply > args.params.supply_cap) return ECONOMY_ERR_INVALID_CONFIG_PARAMS;

  SolSignerSeed signer_seeds[2] = {seed, {&bump, 1}};
  SolSignerSeeds signer = {signer_seeds, 2};
  gp_create_pda_t create = {admin, config, p->program_id, &signer, ECONOMY_CONFIG_SIZE};
  GP_TRY(gp_account_create_pda(&create));

  economy_config_t *c = (economy_config_t *)(void *)config->data;
  c->discriminator = ECONOMY_CONFIG_DISCRIMINATOR;
  gp_pubkey_copy(&c->admin, admin->key);
  gp_pubkey_copy(&c->registry_program, registry_program->key);
  gp_pubkey_copy(&c->registry_config, registry_config->key);
  gp_pubkey_copy(&c->escrow_program, escrow_program->key);
  gp_pubkey_copy(&c->io_mint, io_mint->key);
  gp_pubkey_copy(&c->iosd_mint, iosd_mint->key);
  gp_pubkey_copy(&c->mint_authority, mint_authority->key);
  gp_memcpy(&c->params, &args.params, sizeof c->params);
  gp_memcpy(&c->limits, &args.limits, sizeof c->limits);
  c->month_emission = args.params.first_month_emission;
  c->emission_budget = args.params.supply_cap - io.supply;
  c->version = ECONOMY_LAYOUT_VERSION;
  c->bump = bump;
  c->authority_bump = authority_bump;

  economy_config_initialized_t ev = {.discriminator = ECONOMY_CONFIG_INITIALIZED_DISCRIMINATOR,
                                     .emission_budget = c->emission_budget};
  gp_pubkey_copy(&ev.admin, admin->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
