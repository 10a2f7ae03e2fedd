/* gpunet/loader.h: reading BPF Loader Upgradeable accounts.

   A program's initialize instruction must be callable only by the program's upgrade
   authority, or anyone watching the deploy could initialize first and make themselves
   admin (Anchor's ProgramData constraint). The loader's account states are bincode:
   u32 tag, then Program { programdata_address } or
   ProgramData { slot: u64, upgrade_authority: Option<Pubkey> }. */
#ifndef GPUNET_LOADER_H
#define GPUNET_LOADER_H

#include "error.h"
#include "mem.h"
#include "types.h"

static const SolPubkey GP_BPF_LOADER_UPGRADEABLE_ID __attribute__((aligned(8), unused)) = {{
    0x02, 0xa8, 0xf6, 0x91, 0x4e, 0x88, 0xa1, 0xb0, 0xe2, 0x10, 0x15, 0x3e, 0xf7, 0x63, 0xae, 0x2b,
    0x00, 0xc2, 0xb9, 0x3d, 0x16, 0xc1, 0x24, 0xd2, 0xc0, 0x53, 0x7a, 0x10, 0x04, 0x80, 0x00, 0x00}};

#define GP_LOADER_STATE_PROGRAM 2u
#define GP_LOADER_STATE_PROGRAM_DATA 3u
#define GP_LOADER_PROGRAM_LEN 36u       /* tag + programdata address */
#define GP_LOADER_PROGRAM_DATA_META 45u /* tag + slot + option tag + authority */

/* 0 if `program` is the running program (program_id), `program_data` is its ProgramData,
   and `authority` is that program's upgrade authority; `not_authority` otherwise.
   Malformed loader accounts are GP_ERR_INVALID_ACCOUNT_OWNER / _DATA. */
static inline uint64_t gp_check_upgrade_authority(const SolAccountInfo *program,
                                                  const SolAccountInfo *program_data,
                                                  const SolPubkey *program_id,
                                                  const SolPubkey *authority,
                                                  uint64_t not_authority) {
  if (!gp_pubkey_eq(program->key, program_id)) return GP_ERR_INVALID_PROGRAM_ID;
  if (!gp_pubkey_eq(program->owner, &GP_BPF_LOADER_UPGRADEABLE_ID) ||
      !gp_pubkey_eq(program_data->owner, &GP_BPF_LOADER_UPGRADEABLE_ID))
    return GP_ERR_INVALID_ACCOUNT_OWNER;
  if (program->data_len < GP_LOADER_PROGRAM_LEN ||
      gp_load_u32(program->data) != GP_LOADER_STATE_PROGRAM ||
      !gp_memeq(program->data + 4, program_data->key, SOL_PUBKEY_SIZE))
    return GP_ERR_INVALID_ACCOUNT_DATA;
  const uint8_t *d = program_data->data;
  if (program_data->data_len < GP_LOADER_PROGRAM_DATA_META ||
      gp_load_u32(d) != GP_LOADER_STATE_PROGRAM_DATA)
    return GP_ERR_INVALID_ACCOUNT_DATA;
  /* d[12] is the Option tag: 0 means the program is immutable and has no authority. */
  if (d[12] != 1 || !gp_memeq(d + 13, authority, SOL_PUBKEY_SIZE)) return not_authority;
  return 0;
}

#endif
