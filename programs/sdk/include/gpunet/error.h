/* gpunet/error.h: how a program reports failure.

   The entrypoint returns a u64. 0 is success. A value below 2^32 is
   InstructionError::Custom(value); a value n << 32 is one of Agave's builtin
   errors (solana_program_error: n = 2 InvalidArgument, 3 InvalidInstructionData, ...).
   Custom(0) cannot be returned as 0, which is why gpunet codes start at 6000
   (Anchor's convention). Common codes live here; each program adds its own from
   GP_ERR_PROGRAM_BASE (6100) in its generated IDL header. */
#ifndef GPUNET_ERROR_H
#define GPUNET_ERROR_H

#include <stdint.h>

#define GP_SUCCESS 0ULL

/* Agave builtin errors (value << 32). */
#define GP_BUILTIN(n) ((uint64_t)(n) << 32)
#define GP_BUILTIN_CUSTOM_ZERO GP_BUILTIN(1)
#define GP_BUILTIN_INVALID_ARGUMENT GP_BUILTIN(2)
#define GP_BUILTIN_INVALID_INSTRUCTION_DATA GP_BUILTIN(3)
#define GP_BUILTIN_INVALID_ACCOUNT_DATA GP_BUILTIN(4)
#define GP_BUILTIN_ACCOUNT_DATA_TOO_SMALL GP_BUILTIN(5)
#define GP_BUILTIN_INSUFFICIENT_FUNDS GP_BUILTIN(6)
#define GP_BUILTIN_INCORRECT_PROGRAM_ID GP_BUILTIN(7)
#define GP_BUILTIN_MISSING_REQUIRED_SIGNATURES GP_BUILTIN(8)
#define GP_BUILTIN_ACCOUNT_ALREADY_INITIALIZED GP_BUILTIN(9)
#define GP_BUILTIN_UNINITIALIZED_ACCOUNT GP_BUILTIN(10)
#define GP_BUILTIN_NOT_ENOUGH_ACCOUNT_KEYS GP_BUILTIN(11)
#define GP_BUILTIN_MAX_SEED_LENGTH_EXCEEDED GP_BUILTIN(13)
#define GP_BUILTIN_INVALID_SEEDS GP_BUILTIN(14)
#define GP_BUILTIN_ARITHMETIC_OVERFLOW GP_BUILTIN(24)

/* Common custom codes shared by every gpunet program (mirrored in each IDL). */
#define GP_ERR_INVALID_INSTRUCTION 6000u       /* unknown discriminator */
#define GP_ERR_INVALID_INSTRUCTION_DATA 6001u  /* args failed to decode */
#define GP_ERR_NOT_ENOUGH_ACCOUNTS 6002u
#define GP_ERR_MISSING_SIGNER 6003u
#define GP_ERR_ACCOUNT_NOT_WRITABLE 6004u
#define GP_ERR_INVALID_ACCOUNT_OWNER 6005u
#define GP_ERR_INVALID_PDA 6006u
#define GP_ERR_INVALID_ACCOUNT_DATA 6007u      /* wrong discriminator or size */
#define GP_ERR_ACCOUNT_ALREADY_INITIALIZED 6008u
#define GP_ERR_ARITHMETIC_OVERFLOW 6009u       /* also division by zero */
#define GP_ERR_INVALID_PROGRAM_ID 6010u        /* wrong program passed for a CPI */
#define GP_ERR_INVALID_MINT 6011u
#define GP_ERR_DUPLICATE_ACCOUNT 6012u
#define GP_ERR_PROGRAM_BASE 6100u              /* first program-specific code */

/* More accounts than GP_MAX_ACCOUNTS: no common custom code exists for it, so the
   deserializer reports the builtin InvalidArgument. */
#define GP_ERR_TOO_MANY_ACCOUNTS GP_BUILTIN_INVALID_ARGUMENT

/* Propagate a non-zero error: GP_TRY(gp_check_signer(a)); */
#define GP_TRY(expr)                   \
  do {                                 \
    uint64_t gp_try_err_ = (expr);     \
    if (gp_try_err_) return gp_try_err_; \
  } while (0)

#endif
