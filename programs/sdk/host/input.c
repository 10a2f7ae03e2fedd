/* input.c: host input-buffer builder (Agave's aligned serializer) and base58. */
#include <stdlib.h>
#include <string.h>

#include "gp_host.h"

static uint64_t align8(uint64_t x) { return (x + 7) & ~(uint64_t)7; }

uint8_t *gp_host_input_new(const gp_host_account_t *accounts, uint64_t n, const uint8_t *ix_data,
                           uint64_t ix_len, const SolPubkey *program_id, uint64_t *size_out) {
  uint64_t size = 8;
  for (uint64_t i = 0; i < n; i++)
    size = accounts[i].is_dup ? size + 8
                              : align8(size + GP_ACCOUNT_HEADER_SIZE + accounts[i].data_len +
                                       GP_MAX_PERMITTED_DATA_INCREASE) + 8;
  size += 8 + ix_len + 32;
  uint8_t *buf = aligned_alloc(8, align8(size));
  if (!buf) abort();
  memset(buf, 0, align8(size));
  uint64_t off = 0;
  memcpy(buf, &n, 8);
  off = 8;
  for (uint64_t i = 0; i < n; i++) {
    const gp_host_account_t *a = &accounts[i];
    if (a->is_dup) {
      if (a->dup_index >= i) abort(); /* a test bug: duplicates point backwards */
      buf[off] = a->dup_index;
      off += 8;
      continue;
    }
    uint8_t *r = buf + off;
    r[0] = GP_NON_DUP_MARKER;
    r[1] = a->is_signer;
    r[2] = a->is_writable;
    r[3] = a->executable;
    uint32_t orig = (uint32_t)a->data_len; /* host-only: capacity for the CPI simulator */
    memcpy(r + 4, &orig, 4);
    memcpy(r + 8, a->key.x, 32);
    memcpy(r + 40, a->owner.x, 32);
    memcpy(r + 72, &a->lamports, 8);
    memcpy(r + 80, &a->data_len, 8);
    if (a->data && a->data_len) memcpy(r + 88, a->data, a->data_len);
    off = align8(off + GP_ACCOUNT_HEADER_SIZE + a->data_len + GP_MAX_PERMITTED_DATA_INCREASE);
    memcpy(buf + off, &a->rent_epoch, 8);
    off += 8;
  }
  memcpy(buf + off, &ix_len, 8);
  off += 8;
  if (ix_len) memcpy(buf + off, ix_data, ix_len);
  off += ix_len;
  memcpy(buf + off, program_id->x, 32);
  gp_host_set_program_id(program_id);
  if (size_out) *size_out = size;
  return buf;
}

static const char B58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

int gp_host_pubkey_from_b58(const char *s, SolPubkey *out) {
  uint8_t b[32] = {0};
  uint64_t len = strlen(s);
  if (len == 0 || len > 44) return -1;
  for (uint64_t i = 0; i < len; i++) {
    const char *p = strchr(B58, s[i]);
    if (!p || !*p) return -1;
    uint32_t carry = (uint32_t)(p - B58);
    for (int j = 31; j >= 0; j--) {
      carry += 58u * b[j];
      b[j] = (uint8_t)carry;
      carry >>= 8;
    }
    if (carry) return -1;
  }
  /* leading '1's are leading zero bytes; the value must use exactly the rest */
  uint64_t ones = 0;
  while (s[ones] == '1') ones++;
  uint64_t lead = 0;
  while (lead < 32 && b[lead] == 0) lead++;
  if (lead < ones) return -1;
  memcpy(out->x, b, 32);
  return 0;
}

void gp_host_pubkey_to_b58(const SolPubkey *k, char out[45]) {
  uint8_t digits[45] = {0};
  uint64_t nd = 0;
  for (int i = 0; i < 32; i++) {
    uint32_t carry = k->x[i];
    for (uint64_t j = 0; j < nd; j++) {
      carry += (uint32_t)digits[j] << 8;
      digits[j] = carry % 58;
      carry /= 58;
    }
    while (carry) { digits[nd++] = carry % 58; carry /= 58; }
  }
  uint64_t o = 0;
  for (int i = 0; i < 32 && k->x[i] == 0; i++) out[o++] = '1';
  while (nd) out[o++] = B58[digits[--nd]];
  out[o] = 0;
}
