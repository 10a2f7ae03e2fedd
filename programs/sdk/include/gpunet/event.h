/* gpunet/event.h: Anchor-compatible events.

   Anchor's emit! writes one sol_log_data field: sha256("event:<Name>")[:8]
   followed by the borsh body ("Program data: <base64>" in the log). The structs
   generated from the IDL carry that discriminator as their first uint64_t and
   have no padding, so the whole struct is the payload:
     JobCreatedEvent ev = { .discriminator = JOB_CREATED_EVENT_DISC, ... };
     GP_EMIT_EVENT(&ev);
   Events are never compiled out by GP_NO_LOG: indexers depend on them. */
#ifndef GPUNET_EVENT_H
#define GPUNET_EVENT_H

#include "syscalls.h"

static inline void sol_emit_event(const void *ev, uint64_t len) {
  SolBytes field = {(const uint8_t *)ev, len};
  sol_log_data(&field, 1);
}

#define GP_EMIT_EVENT(ev_ptr) sol_emit_event((ev_ptr), sizeof(*(ev_ptr)))

#endif
