#include "escrow.h"

/* Closes the renter's Cluster once none of its jobs is open; the rent goes back to the renter. */
uint64_t escrow_close_cluster(const SolParameters *p) {
  GP_TRY(escrow_check_close_cluster_accounts(p));
  SolAccountInfo *cluster = &p->ka[ESCROW_CLOSE_CLUSTER_CLUSTER];
  const SolAccountInfo *renter = &p->ka[ESCROW_CLOSE_CLUSTER_RENTER];
  escrow_cluster_t *c;
  GP_TRY(escrow_load_cluster(cluster, p->program_id, &c));
  if (!gp_pubkey_eq(&c->renter, renter->key)) return ESCROW_ERR_NOT_RENTER;
  if (c->open_jobs) return ESCROW_ERR_CLUSTER_NOT_EMPTY;

  escrow_cluster_closed_t ev = {.discriminator = ESCROW_CLUSTER_CLOSED_DISCRIMINATOR};
  gp_pubkey_copy(&ev.cluster, cluster->key);
  GP_TRY(gp_account_close(cluster, renter));
  GP_EMIT_EVENT(&ev);
  return 0;
}
