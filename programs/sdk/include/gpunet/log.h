/* gpunet/log.h: cheap logging. Each call is a ~100-CU syscall, so log failures
   and rare events, not every step. Define GP_NO_LOG (or NO_LOG) to compile all
   of these to nothing. Events (event.h) and panics are never compiled out. */
#ifndef GPUNET_LOG_H
#define GPUNET_LOG_H

#include "syscalls.h"

#if defined(NO_LOG) && !defined(GP_NO_LOG)
#define GP_NO_LOG 1
#endif

#ifdef GP_NO_LOG
#define GP_LOG(lit) ((void)0)
#define GP_LOG_N(msg, len) ((void)0)
#define GP_LOG_64(a, b, c, d, e) ((void)0)
#define GP_LOG_PUBKEY(key) ((void)0)
#define GP_LOG_CU() ((void)0)
#else
/* A string literal; its length is known at compile time. */
#define GP_LOG(lit) sol_log_("" lit, sizeof(lit) - 1)
#define GP_LOG_N(msg, len) sol_log_((msg), (len))
#define GP_LOG_64(a, b, c, d, e) \
  sol_log_64_((uint64_t)(a), (uint64_t)(b), (uint64_t)(c), (uint64_t)(d), (uint64_t)(e))
#define GP_LOG_PUBKEY(key) sol_log_pubkey(key)
#define GP_LOG_CU() sol_log_compute_units_()
#endif

/* Abort the transaction with file:line in the log. For broken invariants only;
   expected failures return an error code. */
#define GP_PANIC() sol_panic_(__FILE__, sizeof(__FILE__) - 1, __LINE__, 0)

#endif
