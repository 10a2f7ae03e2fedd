/* gpunet/entrypoint.h: the program entrypoint and input deserializer.

   Input layout (Agave "aligned" serialization, BPF Loader Upgradeable), offsets
   from an 8-aligned start (the runtime maps it at 0x400000000):
     u64 num_accounts
     per account, either a duplicate:
       u8 index_of_first_occurrence, 7 bytes padding
     or (marker 0xff):
       u8 0xff, u8 is_signer, u8 is_writable, u8 executable, 4 bytes padding
       [32] key, [32] owner, u64 lamports, u64 data_len, [data_len] data,
       [10240] realloc space, zero padding to 8-alignment, u64 rent_epoch
     u64 instruction_data_len, [instruction_data_len] data, [32] program_id
   Everything the deserializer reads in the account records is 8-aligned; the
   program id usually is not (it follows the instruction data). */
#ifndef GPUNET_ENTRYPOINT_H
#define GPUNET_ENTRYPOINT_H

#include "error.h"
#include "types.h"

/* Accounts per instruction a program accepts; more is an error. 32 accounts
   (1,792 bytes of SolAccountInfo) fit in the entrypoint's 4 KiB frame. */
#ifndef GP_MAX_ACCOUNTS
#define GP_MAX_ACCOUNTS 32
#endif

#define GP_NON_DUP_MARKER 0xff

/* Size of one non-duplicate record before its data. */
#define GP_ACCOUNT_HEADER_SIZE 88

/* Parse input into params, with account infos stored in ka[0..ka_cap).
   Returns 0, GP_ERR_TOO_MANY_ACCOUNTS, or GP_BUILTIN_INVALID_ARGUMENT for a
   duplicate marker that does not point backwards (the runtime never writes one). */
static inline uint64_t gp_deserialize(uint8_t *input, SolParameters *params, SolAccountInfo *ka,
                                      uint64_t ka_cap) {
  uint64_t n = *(const uint64_t *)(const void *)input;
  if (n > ka_cap) return GP_ERR_TOO_MANY_ACCOUNTS;
  uint64_t off = 8;
  for (uint64_t i = 0; i < n; i++) {
    uint8_t *rec = input + off;
    uint8_t dup = rec[0];
    if (dup != GP_NON_DUP_MARKER) {
      if (dup >= i) return GP_BUILTIN_INVALID_ARGUMENT;
      ka[i] = ka[dup];
      off += 8;
      continue;
    }
    SolAccountInfo *a = &ka[i];
    a->is_signer = rec[1] != 0;
    a->is_writable = rec[2] != 0;
    a->executable = rec[3] != 0;
    a->key = (SolPubkey *)(void *)(rec + 8);
    a->owner = (SolPubkey *)(void *)(rec + 40);
    a->lamports = (uint64_t *)(void *)(rec + 72);
    a->data_len = *(const uint64_t *)(const void *)(rec + 80);
    a->data = rec + GP_ACCOUNT_HEADER_SIZE;
    off += GP_ACCOUNT_HEADER_SIZE + a->data_len + GP_MAX_PERMITTED_DATA_INCREASE;
    off = (off + 7) & ~(uint64_t)7;
    a->rent_epoch = *(const uint64_t *)(const void *)(input + off);
    off += 8;
  }
  params->ka = ka;
  params->ka_num = n;
  params->data_len = *(const uint64_t *)(const void *)(input + off);
  params->data = input + off + 8;
  params->program_id = (const SolPubkey *)(const void *)(input + off + 8 + params->data_len);
  return 0;
}

/* The symbol the linker makes the ELF entry point. */
uint64_t entrypoint(uint8_t *input);

/* Define the entrypoint in its own file (src/entrypoint.c), so host tests can
   link everything else and call the processor directly:
     #include <gpunet/sdk.h>
     #include "myprog.h"
     GP_ENTRYPOINT(myprog_process, myprog_log_error)
   process_fn: uint64_t (*)(const SolParameters *). It lives in another
   translation unit, so its frame stays separate from the 4 KiB one here.
   log_error_fn: void (*)(uint64_t), called with the error of a failed
   instruction only: the IDL header's <name>_log_error, which logs the error's
   name the way Anchor programs do. */
#define GP_ENTRYPOINT(process_fn, log_error_fn)                                \
  uint64_t entrypoint(uint8_t *input) {                                        \
    SolAccountInfo gp_ka_[GP_MAX_ACCOUNTS];                                    \
    SolParameters gp_params_;                                                  \
    uint64_t gp_err_ = gp_deserialize(input, &gp_params_, gp_ka_, GP_MAX_ACCOUNTS); \
    if (gp_err_) return gp_err_;                                               \
    gp_err_ = process_fn(&gp_params_);                                         \
    if (gp_err_) log_error_fn(gp_err_);                                        \
    return gp_err_;                                                            \
  }

#endif
