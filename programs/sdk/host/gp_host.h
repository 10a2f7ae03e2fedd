/* gp_host.h: the host (x86-64) side of the SDK, for unit tests and fuzzing.

   The files of programs/sdk/host/ implement every syscall in gpunet/syscalls.h with
   observable state: logs and events are captured, CPIs are checked like the
   runtime does (every meta's account passed, no privilege escalation, PDA
   signers derived from the seeds) and recorded, then applied by a small
   simulator of the System and SPL Token programs; clock and rent are settable.
   Never compiled into BPF objects. Not thread-safe (one test at a time). */
#ifndef GP_HOST_H
#define GP_HOST_H

#include <gpunet/sdk.h>

/* ---- state ---- */
void gp_host_reset(void); /* clear logs, events, CPIs, return data; default sysvars */
void gp_host_set_program_id(const SolPubkey *id); /* the "running" program (CPI signer derivation) */

/* ---- input buffers ---- */
typedef struct {
  SolPubkey key;
  SolPubkey owner;
  uint64_t lamports;
  const uint8_t *data; /* data_len bytes copied in; NULL means zeros */
  uint64_t data_len;
  bool is_signer;
  bool is_writable;
  bool executable;
  uint64_t rent_epoch;
  bool is_dup;       /* serialize as a duplicate of accounts[dup_index] */
  uint8_t dup_index;
} gp_host_account_t;

/* Serialize exactly as Agave's aligned serializer does, into a fresh 8-aligned
   malloc'd buffer (free() it). Also sets the host program id. Duplicates must
   point at an earlier account; the key of a duplicate entry is ignored. */
uint8_t *gp_host_input_new(const gp_host_account_t *accounts, uint64_t n, const uint8_t *ix_data,
                           uint64_t ix_len, const SolPubkey *program_id, uint64_t *size_out);

/* ---- logs ---- */
uint64_t gp_host_log_count(void);
const char *gp_host_log(uint64_t i); /* "Program log: ...", "Program data: ..." */
int gp_host_log_contains(const char *needle); /* any line contains needle */

/* sol_log_data calls: fields concatenated. */
uint64_t gp_host_event_count(void);
const uint8_t *gp_host_event(uint64_t i, uint64_t *len);

/* ---- CPIs ---- */
#define GP_HOST_CPI_MAX 64
#define GP_HOST_CPI_MAX_METAS 32
#define GP_HOST_CPI_MAX_DATA 1280
#define GP_HOST_CPI_MAX_SIGNERS 4

typedef struct {
  SolPubkey program_id;
  uint64_t n_metas;
  SolPubkey keys[GP_HOST_CPI_MAX_METAS];
  bool is_writable[GP_HOST_CPI_MAX_METAS];
  bool is_signer[GP_HOST_CPI_MAX_METAS];
  uint64_t data_len;
  uint8_t data[GP_HOST_CPI_MAX_DATA];
  uint64_t n_pda_signers;
  SolPubkey pda_signers[GP_HOST_CPI_MAX_SIGNERS]; /* derived from the signer seeds */
  uint64_t result;
} gp_host_cpi_t;

uint64_t gp_host_cpi_count(void);
const gp_host_cpi_t *gp_host_cpi(uint64_t i);

/* Applies a CPI after the privilege checks passed; returns 0 or an error.
   Default: gp_host_cpi_simulate. NULL: record only, return 0. */
typedef uint64_t (*gp_host_cpi_handler_t)(const SolInstruction *ix, const SolAccountInfo *infos,
                                          uint64_t infos_len);
void gp_host_set_cpi_handler(gp_host_cpi_handler_t fn);

/* Simulates System CreateAccount/Transfer/Allocate/Assign and SPL Token
   Transfer/TransferChecked/MintTo/Burn/InitializeAccount3/CloseAccount on the
   caller's input buffer (balances, owners, lengths, amounts; few of the real
   programs' checks). Resizes need infos from gp_host_input_new. */
uint64_t gp_host_cpi_simulate(const SolInstruction *ix, const SolAccountInfo *infos,
                              uint64_t infos_len);
#define GP_HOST_ERR_CPI 0xC0FFEEu /* privilege/account errors found by the shim */

/* ---- sysvars / return data ---- */
void gp_host_set_clock(const SolClock *c);
void gp_host_set_rent(const SolRent *r);          /* default: 3480 lamports/byte-year, 2.0, 50% */
const uint8_t *gp_host_return_data(uint64_t *len); /* last sol_set_return_data */

/* ---- helpers ---- */
int gp_host_pubkey_from_b58(const char *s, SolPubkey *out); /* 0 on success */
void gp_host_pubkey_to_b58(const SolPubkey *k, char out[45]);
void gp_host_sha256(const uint8_t *data, uint64_t len, uint8_t out[32]);
int gp_host_is_on_curve(const uint8_t p[32]); /* ed25519 point decompression succeeds */

#endif
