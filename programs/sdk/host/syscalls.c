/* syscalls.c: host implementations of the non-CPI syscalls, and their state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp_host.h"
#include "host_internal.h"

#define LOG_MAX 512
#define LOG_LINE 1024
#define EVENT_MAX 128
#define EVENT_BYTES 1024

static char g_logs[LOG_MAX][LOG_LINE];
static uint64_t g_nlogs;
static uint8_t g_events[EVENT_MAX][EVENT_BYTES];
static uint64_t g_event_len[EVENT_MAX];
static uint64_t g_nevents;
static SolClock g_clock;
static SolRent g_rent;
static uint8_t g_ret[GP_MAX_RETURN_DATA];
static uint64_t g_ret_len;
static SolPubkey g_program_id;

void gp_host_cpi_reset_(void); /* cpi.c */

void gp_host_reset(void) {
  g_nlogs = 0;
  g_nevents = 0;
  g_ret_len = 0;
  memset(&g_clock, 0, sizeof g_clock);
  memset(&g_rent, 0, sizeof g_rent);
  g_rent.lamports_per_byte_year = 3480;
  g_rent.exemption_threshold_bits = 0x4000000000000000ULL; /* 2.0 */
  g_rent.burn_percent = 50;
  gp_host_cpi_reset_();
}

void gp_host_set_program_id(const SolPubkey *id) { g_program_id = *id; }
const SolPubkey *gp_host_program_id(void) { return &g_program_id; }

/* ---- logs ---- */

static char *log_line(void) {
  if (g_nlogs >= LOG_MAX) {
    fprintf(stderr, "gp_host: more than %d log lines\n", LOG_MAX);
    abort();
  }
  return g_logs[g_nlogs++];
}

uint64_t gp_host_log_count(void) { return g_nlogs; }
const char *gp_host_log(uint64_t i) { return i < g_nlogs ? g_logs[i] : NULL; }
int gp_host_log_contains(const char *needle) {
  for (uint64_t i = 0; i < g_nlogs; i++)
    if (strstr(g_logs[i], needle)) return 1;
  return 0;
}
uint64_t gp_host_event_count(void) { return g_nevents; }
const uint8_t *gp_host_event(uint64_t i, uint64_t *len) {
  if (i >= g_nevents) return NULL;
  *len = g_event_len[i];
  return g_events[i];
}

void sol_log_(const char *msg, uint64_t len) {
  snprintf(log_line(), LOG_LINE, "Program log: %.*s", (int)(len < 900 ? len : 900), msg);
}

void sol_log_64_(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) {
  snprintf(log_line(), LOG_LINE, "Program log: %#llx, %#llx, %#llx, %#llx, %#llx",
           (unsigned long long)a, (unsigned long long)b, (unsigned long long)c,
           (unsigned long long)d, (unsigned long long)e);
}

void sol_log_pubkey(const SolPubkey *key) {
  char b58[45];
  gp_host_pubkey_to_b58(key, b58);
  snprintf(log_line(), LOG_LINE, "Program log: %s", b58);
}

void sol_log_compute_units_(void) {
  snprintf(log_line(), LOG_LINE, "Program consumption: host build, units not metered");
}

static uint64_t b64(char *out, uint64_t cap, const uint8_t *p, uint64_t n) {
  static const char T[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  uint64_t o = 0;
  for (uint64_t i = 0; i < n && o + 4 < cap; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
    out[o++] = T[v >> 18];
    out[o++] = T[(v >> 12) & 63];
    out[o++] = i + 1 < n ? T[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < n ? T[v & 63] : '=';
  }
  out[o] = 0;
  return o;
}

void sol_log_data(const SolBytes *fields, uint64_t n) {
  char *line = log_line();
  uint64_t o = (uint64_t)snprintf(line, LOG_LINE, "Program data:");
  if (g_nevents >= EVENT_MAX) { fprintf(stderr, "gp_host: too many events\n"); abort(); }
  uint64_t elen = 0;
  for (uint64_t i = 0; i < n; i++) {
    if (o + 2 < LOG_LINE) { line[o++] = ' '; line[o] = 0; }
    o += b64(line + o, LOG_LINE - o, fields[i].addr, fields[i].len);
    if (elen + fields[i].len > EVENT_BYTES) { fprintf(stderr, "gp_host: event too big\n"); abort(); }
    memcpy(g_events[g_nevents] + elen, fields[i].addr, fields[i].len);
    elen += fields[i].len;
  }
  g_event_len[g_nevents++] = elen;
}

/* ---- memory: the runtime rejects overlapping memcpy ---- */

void sol_memcpy_(void *dst, const void *src, uint64_t n) {
  const uint8_t *d = dst, *s = src;
  if ((d < s + n) && (s < d + n) && n) {
    fprintf(stderr, "gp_host: sol_memcpy_ with overlapping regions\n");
    abort();
  }
  memcpy(dst, src, n);
}
void sol_memmove_(void *dst, const void *src, uint64_t n) { memmove(dst, src, n); }
void sol_memset_(void *dst, uint8_t c, uint64_t n) { memset(dst, c, n); }
void sol_memcmp_(const void *a, const void *b, uint64_t n, int32_t *result) {
  const uint8_t *x = a, *y = b;
  *result = 0;
  for (uint64_t i = 0; i < n; i++)
    if (x[i] != y[i]) { *result = (int32_t)x[i] - (int32_t)y[i]; return; }
}

/* ---- hashing and PDAs ---- */

uint64_t sol_sha256(const SolBytes *vals, uint64_t n, uint8_t *out) {
  gp_sha256_t s;
  gp_sha256_init(&s);
  for (uint64_t i = 0; i < n; i++) gp_sha256_update(&s, vals[i].addr, vals[i].len);
  gp_sha256_final(&s, out);
  return 0;
}

uint64_t gp_host_derive_pda(const SolSignerSeed *seeds, uint64_t n, const SolPubkey *program_id,
                            SolPubkey *out) {
  static const char marker[] = "ProgramDerivedAddress";
  if (n > GP_MAX_SEEDS) return 1;
  gp_sha256_t s;
  gp_sha256_init(&s);
  for (uint64_t i = 0; i < n; i++) {
    if (seeds[i].len > GP_MAX_SEED_LEN) return 1;
    gp_sha256_update(&s, seeds[i].addr, seeds[i].len);
  }
  gp_sha256_update(&s, program_id->x, 32);
  gp_sha256_update(&s, (const uint8_t *)marker, sizeof marker - 1);
  uint8_t h[32];
  gp_sha256_final(&s, h);
  if (gp_host_is_on_curve(h)) return 1;
  memcpy(out->x, h, 32);
  return 0;
}

uint64_t sol_create_program_address(const SolSignerSeed *seeds, uint64_t n,
                                    const SolPubkey *program_id, SolPubkey *out) {
  return gp_host_derive_pda(seeds, n, program_id, out);
}

uint64_t sol_try_find_program_address(const SolSignerSeed *seeds, uint64_t n,
                                      const SolPubkey *program_id, SolPubkey *out,
                                      uint8_t *bump_out) {
  if (n >= GP_MAX_SEEDS) return 1; /* the bump takes the last slot */
  SolSignerSeed all[GP_MAX_SEEDS];
  memcpy(all, seeds, n * sizeof *seeds);
  for (int bump = 255; bump >= 0; bump--) {
    uint8_t b = (uint8_t)bump;
    all[n].addr = &b;
    all[n].len = 1;
    if (gp_host_derive_pda(all, n + 1, program_id, out) == 0) {
      *bump_out = b;
      return 0;
    }
  }
  return 1;
}

/* ---- sysvars, return data, panic ---- */

void gp_host_set_clock(const SolClock *c) { g_clock = *c; }
void gp_host_set_rent(const SolRent *r) { g_rent = *r; }
uint64_t sol_get_clock_sysvar(void *out) { memcpy(out, &g_clock, sizeof g_clock); return 0; }
uint64_t sol_get_rent_sysvar(void *out) { memcpy(out, &g_rent, sizeof g_rent); return 0; }

void sol_set_return_data(const uint8_t *data, uint64_t len) {
  if (len > GP_MAX_RETURN_DATA) { fprintf(stderr, "gp_host: return data too long\n"); abort(); }
  memcpy(g_ret, data, len);
  g_ret_len = len;
}
uint64_t sol_get_return_data(uint8_t *data, uint64_t len, SolPubkey *program_id) {
  uint64_t n = g_ret_len < len ? g_ret_len : len;
  memcpy(data, g_ret, n);
  *program_id = g_program_id;
  return g_ret_len;
}
const uint8_t *gp_host_return_data(uint64_t *len) { *len = g_ret_len; return g_ret; }

void sol_panic_(const char *file, uint64_t len, uint64_t line, uint64_t column) {
  fprintf(stderr, "gp_host: program panicked at %.*s:%llu:%llu\n", (int)len, file,
          (unsigned long long)line, (unsigned long long)column);
  abort();
}
