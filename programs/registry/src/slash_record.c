#include "registry.h"

uint64_t registry_load_pending_slash(registry_pending_slash_t *s, const registry_config_t *config,
                                     const SolPubkey *program_id) {
  GP_TRY(gp_check_program_account(s->record, program_id, REGISTRY_SLASH_RECORD_DISCRIMINATOR,
                                  REGISTRY_SLASH_RECORD_SIZE));
  registry_slash_record_t *r = (registry_slash_record_t *)(void *)s->record->data;
  if (!gp_pubkey_eq(&r->device, s->device->key)) return REGISTRY_ERR_INVALID_PDA;
  if (r->status != REGISTRY_SLASH_STATUS_PENDING) return REGISTRY_ERR_SLASH_NOT_PENDING;
  if (!gp_pubkey_eq(s->escrow->key, &r->escrow)) return REGISTRY_ERR_INVALID_PDA;
  GP_TRY(gp_token_account_read_mint(s->escrow, &config->io_mint, &s->held));
  s->seeds[0] = (SolSignerSeed){(const uint8_t *)REGISTRY_SEED_SLASH_ESCROW, REGISTRY_SEED_SLASH_ESCROW_LEN};
  s->seeds[1] = (SolSignerSeed){s->record->key->x, SOL_PUBKEY_SIZE};
  s->seeds[2] = (SolSignerSeed){&r->escrow_bump, 1};
  s->signer = (SolSignerSeeds){s->seeds, 3};
  s->r = r;
  return 0;
}
