// Well-known program ids and protocol constants (mainnet values).

export const SYSTEM_PROGRAM = "11111111111111111111111111111111";
export const TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
export const TOKEN_2022_PROGRAM = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb";
export const ASSOCIATED_TOKEN_PROGRAM = "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL";
export const BPF_LOADER_UPGRADEABLE = "BPFLoaderUpgradeab1e11111111111111111111111";
export const COMPUTE_BUDGET_PROGRAM = "ComputeBudget111111111111111111111111111111";
export const ADDRESS_LOOKUP_TABLE_PROGRAM = "AddressLookupTab1e1111111111111111111111111";
export const SYSVAR_RENT = "SysvarRent111111111111111111111111111111111";
export const SYSVAR_CLOCK = "SysvarC1ock11111111111111111111111111111111";

/** The System Program's AdvanceNonceAccount instruction (u32 little-endian tag). */
export const ADVANCE_NONCE_ACCOUNT = 4;
/** Size of a System Program nonce account: version, state, authority, nonce, fee calculator. */
export const NONCE_ACCOUNT_SIZE = 80;
/** Lamports per signature (mainnet). */
export const LAMPORTS_PER_SIGNATURE = 5000n;
/** Blocks a blockhash stays valid (Agave MAX_PROCESSING_AGE). */
export const MAX_PROCESSING_AGE = 150;
/** Slots after which a block counts as finalized on this single-node chain. */
export const FINALITY_DEPTH = 32;
/** Agave keeps signature statuses for 300 blockhashes in its status cache. */
export const STATUS_CACHE_SLOTS = 300;
export const SLOTS_PER_EPOCH = 432000;
/** Agave answers rent_epoch of rent-exempt accounts as u64::MAX. */
export const RENT_EPOCH_EXEMPT = 18446744073709551615n;
/** The Solana version this node reports (the Agave line LiteSVM 1.5.0 embeds). */
export const SOLANA_CORE_VERSION = "4.3.0";
export const FEATURE_SET_ID = 3294202862;
