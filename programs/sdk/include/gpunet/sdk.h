/* gpunet/sdk.h: the whole gpunet on-chain C SDK. Header-only: every function
   is static inline, so a program carries only what it calls. */
#ifndef GPUNET_SDK_H
#define GPUNET_SDK_H

#include "types.h"
#include "error.h"
#include "syscalls.h"
#include "mem.h"
#include "math.h"
#include "votes.h"
#include "limit.h"
#include "delayed.h"
#include "log.h"
#include "event.h"
#include "clock.h"
#include "rent.h"
#include "entrypoint.h"
#include "cpi.h"
#include "token.h"
#include "account.h"
#include "loader.h"

#endif
