/* gpunet/syscalls.h: the Agave syscalls the SDK uses.

   Plain extern declarations: sbpf-link turns each call into a static syscall
   (call imm = murmur3_32(name)); on the host, programs/sdk/host/ defines them.
   Signatures are Agave's (solana-program syscall definitions / C SDK). Every
   argument travels in a 64-bit register, so the C SDK's `int` lengths are
   declared uint64_t here: same registers, no sign-extension surprises.
   At most 5 arguments each (a BPF calling-convention limit). */
#ifndef GPUNET_SYSCALLS_H
#define GPUNET_SYSCALLS_H

#include "types.h"

/* Logging (~100 CU base each). */
void sol_log_(const char *msg, uint64_t len);
void sol_log_64_(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e);
void sol_log_pubkey(const SolPubkey *key);
void sol_log_data(const SolBytes *fields, uint64_t fields_len);
void sol_log_compute_units_(void);

/* Program-derived addresses (1,500 CU per try). Return 0 on success. */
uint64_t sol_create_program_address(const SolSignerSeed *seeds, uint64_t seeds_len,
                                    const SolPubkey *program_id, SolPubkey *out);
uint64_t sol_try_find_program_address(const SolSignerSeed *seeds, uint64_t seeds_len,
                                      const SolPubkey *program_id, SolPubkey *out,
                                      uint8_t *bump_out);

/* Hashing: out is 32 bytes. */
uint64_t sol_sha256(const SolBytes *vals, uint64_t vals_len, uint8_t *out);

/* Cross-program invocation (946 CU + serialization). A failing callee aborts the
   whole transaction on chain; the return value matters only on the host. */
uint64_t sol_invoke_signed_c(const SolInstruction *ix, const SolAccountInfo *infos,
                             uint64_t infos_len, const SolSignerSeeds *signers,
                             uint64_t signers_len);

/* Memory (10 CU base). Regions must not overlap for memcpy (the runtime checks). */
void sol_memcpy_(void *dst, const void *src, uint64_t n);
void sol_memmove_(void *dst, const void *src, uint64_t n);
void sol_memset_(void *dst, uint8_t c, uint64_t n);
void sol_memcmp_(const void *a, const void *b, uint64_t n, int32_t *result);

/* Sysvars: write the sysvar struct to out; return 0 on success. */
uint64_t sol_get_clock_sysvar(void *out);
uint64_t sol_get_rent_sysvar(void *out);

/* Return data (max GP_MAX_RETURN_DATA bytes). */
void sol_set_return_data(const uint8_t *data, uint64_t len);
uint64_t sol_get_return_data(uint8_t *data, uint64_t len, SolPubkey *program_id);

/* Abort with a file/line in the log. Does not return. */
void sol_panic_(const char *file, uint64_t len, uint64_t line, uint64_t column)
    __attribute__((noreturn));

#endif
