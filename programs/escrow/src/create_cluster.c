#include "escrow.h"

/* Creates the renter's Cluster PDA ["cluster", renter, cluster_id LE]. */
uint64_t escrow_create_cluster(const SolParameters *p) {
  GP_TRY(escrow_check_create_cluster_accounts(p));
  SolAccountInfo *cluster = &p->ka[ESCROW_CREATE_CLUSTER_CLUSTER];
  const SolAccountInfo *renter = &p->ka[ESCROW_CREATE_CLUSTER_RENTER];
  escrow_config_t *config;
  GP_TRY(escrow_load_live_config(&p->ka[ESCROW_CREATE_CLUSTER_CONFIG], p->program_id, &config));

  escrow_create_cluster_args_t args;
  GP_TRY(escrow_decode_create_cluster_args(p->data + 8, p->data_len - 8, &args));
  uint8_t id[8], bump;
  gp_store_u64(id, args.cluster_id);
  SolSignerSeed seeds[4] = {{(const uint8_t *)ESCROW_SEED_CLUSTER, ESCROW_SEED_CLUSTER_LEN},
                            {renter->key->x, SOL_PUBKEY_SIZE},
                            {id, 8},
                            {&bump, 1}};
  GP_TRY(gp_check_canonical_pda(cluster, seeds, 3, p->program_id, &bump));
  SolSignerSeeds signer = {seeds, 4};
  gp_create_pda_t create = {renter, cluster, p->program_id, &signer, ESCROW_CLUSTER_SIZE};
  GP_TRY(gp_account_create_pda(&create));

  escrow_cluster_t *c = (escrow_cluster_t *)(void *)cluster->data;
  c->discriminator = ESCROW_CLUSTER_DISCRIMINATOR;
  gp_pubkey_copy(&c->renter, renter->key);
  gp_memcpy(c->requirements_hash, args.requirements_hash, sizeof c->requirements_hash);
  c->cluster_id = args.cluster_id;
  c->bump = bump;
  c->version = ESCROW_LAYOUT_VERSION;

  escrow_cluster_created_t ev = {.discriminator = ESCROW_CLUSTER_CREATED_DISCRIMINATOR, .cluster_id = args.cluster_id};
  gp_pubkey_copy(&ev.cluster, cluster->key);
  gp_pubkey_copy(&ev.renter, renter->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
