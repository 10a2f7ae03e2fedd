/* gpunet/token.h: SPL Token (TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA) CPIs
   and readers for its account and mint layouts. Token-2022 is not supported:
   the readers require the classic program as owner and the exact classic sizes.

   Token account (165 bytes): mint[0..32] owner[32..64] amount u64 @64
     delegate COption<Pubkey> @72 (u32 tag + 32) state u8 @108
     is_native COption<u64> @109 (u32 tag + 8) delegated_amount u64 @121
     close_authority COption<Pubkey> @129
   Mint (82 bytes): mint_authority COption<Pubkey> @0 supply u64 @36
     decimals u8 @44 is_initialized u8 @45 freeze_authority COption<Pubkey> @46 */
#ifndef GPUNET_TOKEN_H
#define GPUNET_TOKEN_H

#include "account.h"
#include "cpi.h"

static const SolPubkey GP_TOKEN_PROGRAM_ID __attribute__((aligned(8), unused)) = {{
    0x06, 0xdd, 0xf6, 0xe1, 0xd7, 0x65, 0xa1, 0x93, 0xd9, 0xcb, 0xe1, 0x46, 0xce, 0xeb, 0x79, 0xac,
    0x1c, 0xb4, 0x85, 0xed, 0x5f, 0x5b, 0x37, 0x91, 0x3a, 0x8c, 0xf5, 0x85, 0x7e, 0xff, 0x00, 0xa9}};

#define GP_TOKEN_ACCOUNT_LEN 165
#define GP_TOKEN_MINT_LEN 82

/* Instruction tags (first data byte). */
#define GP_TOKEN_IX_SET_AUTHORITY 6
#define GP_TOKEN_IX_MINT_TO 7
#define GP_TOKEN_IX_BURN 8
#define GP_TOKEN_IX_CLOSE_ACCOUNT 9
#define GP_TOKEN_IX_TRANSFER 3
#define GP_TOKEN_IX_TRANSFER_CHECKED 12
#define GP_TOKEN_IX_INITIALIZE_ACCOUNT3 18

/* Token account states. */
#define GP_TOKEN_STATE_UNINITIALIZED 0
#define GP_TOKEN_STATE_INITIALIZED 1
#define GP_TOKEN_STATE_FROZEN 2

/* SetAuthority types. */
#define GP_TOKEN_AUTH_MINT_TOKENS 0
#define GP_TOKEN_AUTH_FREEZE_ACCOUNT 1
#define GP_TOKEN_AUTH_ACCOUNT_OWNER 2
#define GP_TOKEN_AUTH_CLOSE_ACCOUNT 3

/* ---- data encoders (exposed for tests) ---- */

/* Transfer, MintTo, Burn: tag + u64 amount (9 bytes). */
static inline void gp_token_encode_amount(uint8_t out[9], uint8_t tag, uint64_t amount) {
  out[0] = tag;
  gp_store_u64(out + 1, amount);
}
/* TransferChecked: 12 + amount + decimals (10 bytes). */
static inline void gp_token_encode_transfer_checked(uint8_t out[10], uint64_t amount,
                                                    uint8_t decimals) {
  out[0] = GP_TOKEN_IX_TRANSFER_CHECKED;
  gp_store_u64(out + 1, amount);
  out[9] = decimals;
}
/* InitializeAccount3: 18 + owner (33 bytes). */
static inline void gp_token_encode_initialize_account3(uint8_t out[33], const SolPubkey *owner) {
  out[0] = GP_TOKEN_IX_INITIALIZE_ACCOUNT3;
  sol_memcpy_(out + 1, owner, SOL_PUBKEY_SIZE);
}
/* SetAuthority: 6 + type + COption<Pubkey> (1-byte tag); 35 or 3 bytes. Returns length. */
static inline uint64_t gp_token_encode_set_authority(uint8_t out[35], uint8_t type,
                                                     const SolPubkey *new_authority) {
  out[0] = GP_TOKEN_IX_SET_AUTHORITY;
  out[1] = type;
  if (!new_authority) { out[2] = 0; return 3; }
  out[2] = 1;
  sol_memcpy_(out + 3, new_authority, SOL_PUBKEY_SIZE);
  return 35;
}

/* ---- CPIs. `signer`: seeds of the PDA authority, or NULL if it signed the tx. ---- */

static inline uint64_t gp_token_invoke3_(uint8_t tag, const SolAccountInfo *a,
                                         const SolAccountInfo *b, const SolAccountInfo *auth,
                                         uint64_t amount, const SolSignerSeeds *signer) {
  uint8_t data[9];
  gp_token_encode_amount(data, tag, amount);
  SolAccountMeta metas[3] = {{a->key, true, false}, {b->key, true, false}, {auth->key, false, true}};
  SolAccountInfo infos[3] = {*a, *b, *auth};
  SolInstruction ix = {&GP_TOKEN_PROGRAM_ID, metas, 3, data, sizeof data};
  return gp_invoke1(&ix, infos, 3, signer);
}

/* Transfer: source(w), destination(w), authority(s). */
static inline uint64_t gp_token_transfer(const SolAccountInfo *source, const SolAccountInfo *dest,
                                         const SolAccountInfo *authority, uint64_t amount,
                                         const SolSignerSeeds *signer) {
  return gp_token_invoke3_(GP_TOKEN_IX_TRANSFER, source, dest, authority, amount, signer);
}

/* MintTo: mint(w), destination(w), mint authority(s). */
static inline uint64_t gp_token_mint_to(const SolAccountInfo *mint, const SolAccountInfo *dest,
                                        const SolAccountInfo *authority, uint64_t amount,
                                        const SolSignerSeeds *signer) {
  return gp_token_invoke3_(GP_TOKEN_IX_MINT_TO, mint, dest, authority, amount, signer);
}

/* Burn: account(w), mint(w), owner/delegate(s). */
static inline uint64_t gp_token_burn(const SolAccountInfo *account, const SolAccountInfo *mint,
                                     const SolAccountInfo *authority, uint64_t amount,
                                     const SolSignerSeeds *signer) {
  return gp_token_invoke3_(GP_TOKEN_IX_BURN, account, mint, authority, amount, signer);
}

typedef struct {
  const SolAccountInfo *source; /* writable */
  const SolAccountInfo *mint;
  const SolAccountInfo *destination; /* writable */
  const SolAccountInfo *authority;   /* signer */
  uint64_t amount;
  uint8_t decimals;
  const SolSignerSeeds *signer;
} gp_token_transfer_checked_t;

/* TransferChecked: source(w), mint, destination(w), authority(s). */
static inline uint64_t gp_token_transfer_checked(const gp_token_transfer_checked_t *t) {
  uint8_t data[10];
  gp_token_encode_transfer_checked(data, t->amount, t->decimals);
  SolAccountMeta metas[4] = {{t->source->key, true, false},
                             {t->mint->key, false, false},
                             {t->destination->key, true, false},
                             {t->authority->key, false, true}};
  SolAccountInfo infos[4] = {*t->source, *t->mint, *t->destination, *t->authority};
  SolInstruction ix = {&GP_TOKEN_PROGRAM_ID, metas, 4, data, sizeof data};
  return gp_invoke1(&ix, infos, 4, t->signer);
}

/* InitializeAccount3: account(w), mint. The account must already exist, owned by
   the token program with 165 bytes (gp_account_create_pda with GP_TOKEN_PROGRAM_ID). */
static inline uint64_t gp_token_initialize_account3(const SolAccountInfo *account,
                                                    const SolAccountInfo *mint,
                                                    const SolPubkey *owner) {
  uint8_t data[33];
  gp_token_encode_initialize_account3(data, owner);
  SolAccountMeta metas[2] = {{account->key, true, false}, {mint->key, false, false}};
  SolAccountInfo infos[2] = {*account, *mint};
  SolInstruction ix = {&GP_TOKEN_PROGRAM_ID, metas, 2, data, sizeof data};
  return gp_invoke1(&ix, infos, 2, NULL);
}

/* Creates a rent-exempt token account of `mint` at the PDA `account` (seeds: its signer
   seeds, bump last), paid by `payer`, and initializes it with `owner` as its owner. */
static inline uint64_t gp_token_account_create_pda(const SolAccountInfo *payer, SolAccountInfo *account,
                                                   const SolAccountInfo *mint, const SolPubkey *owner,
                                                   const SolSignerSeeds *seeds) {
  gp_create_pda_t create = {payer, account, &GP_TOKEN_PROGRAM_ID, seeds, GP_TOKEN_ACCOUNT_LEN};
  GP_TRY(gp_account_create_pda(&create));
  return gp_token_initialize_account3(account, mint, owner);
}

/* SetAuthority: target mint/account(w), current authority(s). new_authority NULL
   removes the authority. */
static inline uint64_t gp_token_set_authority(const SolAccountInfo *target,
                                              const SolAccountInfo *authority, uint8_t type,
                                              const SolPubkey *new_authority,
                                              const SolSignerSeeds *signer) {
  uint8_t data[35];
  uint64_t len = gp_token_encode_set_authority(data, type, new_authority);
  SolAccountMeta metas[2] = {{target->key, true, false}, {authority->key, false, true}};
  SolAccountInfo infos[2] = {*target, *authority};
  SolInstruction ix = {&GP_TOKEN_PROGRAM_ID, metas, 2, data, len};
  return gp_invoke1(&ix, infos, 2, signer);
}

/* CloseAccount (zero balance): account(w), destination(w), owner/close authority(s). */
static inline uint64_t gp_token_close_account(const SolAccountInfo *account,
                                              const SolAccountInfo *dest,
                                              const SolAccountInfo *authority,
                                              const SolSignerSeeds *signer) {
  uint8_t data[1] = {GP_TOKEN_IX_CLOSE_ACCOUNT};
  SolAccountMeta metas[3] = {{account->key, true, false}, {dest->key, true, false},
                             {authority->key, false, true}};
  SolAccountInfo infos[3] = {*account, *dest, *authority};
  SolInstruction ix = {&GP_TOKEN_PROGRAM_ID, metas, 3, data, sizeof data};
  return gp_invoke1(&ix, infos, 3, signer);
}

/* ---- readers ---- */

typedef struct {
  const SolPubkey *mint;  /* points into the account data */
  const SolPubkey *owner;
  uint64_t amount;
  uint64_t delegated_amount;
  uint8_t state;          /* GP_TOKEN_STATE_INITIALIZED or _FROZEN */
  bool has_delegate;
  bool is_native;
  bool has_close_authority;
} gp_token_account_t;

typedef struct {
  const SolPubkey *mint_authority;   /* NULL if none */
  const SolPubkey *freeze_authority; /* NULL if none */
  uint64_t supply;
  uint8_t decimals;
} gp_token_mint_t;

/* GP_ERR_INVALID_ACCOUNT_OWNER unless owned by the token program;
   GP_ERR_INVALID_ACCOUNT_DATA unless 165 bytes and initialized (or frozen). */
static inline uint64_t gp_token_account_read(const SolAccountInfo *a, gp_token_account_t *out) {
  if (!gp_pubkey_eq(a->owner, &GP_TOKEN_PROGRAM_ID)) return GP_ERR_INVALID_ACCOUNT_OWNER;
  if (a->data_len != GP_TOKEN_ACCOUNT_LEN) return GP_ERR_INVALID_ACCOUNT_DATA;
  const uint8_t *d = a->data;
  uint8_t state = d[108];
  if (state != GP_TOKEN_STATE_INITIALIZED && state != GP_TOKEN_STATE_FROZEN)
    return GP_ERR_INVALID_ACCOUNT_DATA;
  out->mint = (const SolPubkey *)(const void *)d;
  out->owner = (const SolPubkey *)(const void *)(d + 32);
  out->amount = gp_load_u64(d + 64);
  out->has_delegate = gp_load_u32(d + 72) != 0;
  out->state = state;
  out->is_native = gp_load_u32(d + 109) != 0;
  out->delegated_amount = gp_load_u64(d + 121);
  out->has_close_authority = gp_load_u32(d + 129) != 0;
  return 0;
}

/* Read a token account and require its mint (GP_ERR_INVALID_MINT otherwise). */
static inline uint64_t gp_token_account_read_mint(const SolAccountInfo *a, const SolPubkey *mint,
                                                  gp_token_account_t *out) {
  GP_TRY(gp_token_account_read(a, out));
  if (!gp_pubkey_eq(out->mint, mint)) return GP_ERR_INVALID_MINT;
  return 0;
}

/* GP_ERR_INVALID_ACCOUNT_OWNER unless owned by the token program;
   GP_ERR_INVALID_MINT unless 82 bytes and initialized. */
static inline uint64_t gp_token_mint_read(const SolAccountInfo *a, gp_token_mint_t *out) {
  if (!gp_pubkey_eq(a->owner, &GP_TOKEN_PROGRAM_ID)) return GP_ERR_INVALID_ACCOUNT_OWNER;
  if (a->data_len != GP_TOKEN_MINT_LEN) return GP_ERR_INVALID_MINT;
  const uint8_t *d = a->data;
  if (d[45] != 1) return GP_ERR_INVALID_MINT;
  out->mint_authority = gp_load_u32(d) ? (const SolPubkey *)(const void *)(d + 4) : NULL;
  out->supply = gp_load_u64(d + 36);
  out->decimals = d[44];
  out->freeze_authority = gp_load_u32(d + 46) ? (const SolPubkey *)(const void *)(d + 50) : NULL;
  return 0;
}

#endif
