/* host_internal.h: shared between the host shim's files only. */
#ifndef GP_HOST_INTERNAL_H
#define GP_HOST_INTERNAL_H

#include <gpunet/types.h>

typedef struct {
  uint32_t h[8];
  uint8_t buf[64];
  uint64_t len, fill;
} gp_sha256_t;

void gp_sha256_init(gp_sha256_t *s);
void gp_sha256_update(gp_sha256_t *s, const uint8_t *p, uint64_t n);
void gp_sha256_final(gp_sha256_t *s, uint8_t out[32]);

/* PDA derivation as Agave does it; 0 on success, 1 on bad seeds or on-curve. */
uint64_t gp_host_derive_pda(const SolSignerSeed *seeds, uint64_t n, const SolPubkey *program_id,
                            SolPubkey *out);
const SolPubkey *gp_host_program_id(void);

#endif
