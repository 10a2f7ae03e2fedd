/* gpunet/mem.h: bounded memory helpers.

   clang's BPF backend cannot emit memcpy/memset libcalls, so variable-length
   copies go through the 10-CU memory syscalls, and struct copies must stay small
   (a few hundred bytes; clang refuses larger ones with "call to built-in function
   'memcpy' is not supported"). */
#ifndef GPUNET_MEM_H
#define GPUNET_MEM_H

#include "syscalls.h"

static inline void gp_memcpy(void *dst, const void *src, uint64_t n) {
  if (n) sol_memcpy_(dst, src, n);
}

static inline void gp_memset(void *dst, uint8_t c, uint64_t n) {
  if (n) sol_memset_(dst, c, n);
}

/* 1 if the n bytes are equal. */
static inline int gp_memeq(const void *a, const void *b, uint64_t n) {
  if (!n) return 1;
  int32_t r = 1;
  sol_memcmp_(a, b, n, &r);
  return r == 0;
}

/* Aliasing-safe 8-byte word, used only where alignment is known. */
typedef uint64_t gp_word_t __attribute__((may_alias));

static inline int gp_aligned8(const void *a, const void *b) {
  return (((uintptr_t)a | (uintptr_t)b) & 7u) == 0;
}

/* Pubkey equality. Keys in the input buffer and SDK constants are 8-aligned, so
   the common case is 4 word compares (~12 insns); an unaligned key (inside a
   borsh struct) costs a 10-CU memcmp syscall instead of ~270 byte loads. */
static inline int gp_pubkey_eq(const SolPubkey *a, const SolPubkey *b) {
  if (gp_aligned8(a, b)) {
    const gp_word_t *x = (const gp_word_t *)(const void *)a;
    const gp_word_t *y = (const gp_word_t *)(const void *)b;
    return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
  }
  return gp_memeq(a, b, SOL_PUBKEY_SIZE);
}

static inline void gp_pubkey_copy(SolPubkey *dst, const SolPubkey *src) {
  if (gp_aligned8(dst, src)) {
    gp_word_t *d = (gp_word_t *)(void *)dst;
    const gp_word_t *s = (const gp_word_t *)(const void *)src;
    d[0] = s[0]; d[1] = s[1]; d[2] = s[2]; d[3] = s[3];
    return;
  }
  sol_memcpy_(dst, src, SOL_PUBKEY_SIZE);
}

static inline int gp_pubkey_is_zero(const SolPubkey *a) {
  static const SolPubkey zero __attribute__((aligned(8))) = {{0}};
  return gp_pubkey_eq(a, &zero);
}

/* Little-endian loads/stores at any alignment (constant-size copies inline). */
static inline uint64_t gp_load_u64(const void *p) {
  uint64_t v;
  __builtin_memcpy(&v, p, 8);
  return v;
}
static inline uint32_t gp_load_u32(const void *p) {
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}
static inline void gp_store_u64(void *p, uint64_t v) { __builtin_memcpy(p, &v, 8); }
static inline void gp_store_u32(void *p, uint32_t v) { __builtin_memcpy(p, &v, 4); }

#endif
