/* The registry program: providers, devices, stake, proofs, reputation and slashing.
   One file per instruction under src/; layouts and codes come from the generated
   gen/registry_idl.h (idl/registry.json). Shared rules live in src/config.c (parameters),
   src/device.c (loading accounts, the status machine, reputation). */
#ifndef REGISTRY_H
#define REGISTRY_H

#include <gpunet/sdk.h>

#include "registry_idl.h"
#include "registry_view.h"

uint64_t registry_process(const SolParameters *p);

/* Instructions, one per file. */
uint64_t registry_initialize_config(const SolParameters *p);
uint64_t registry_update_config(const SolParameters *p);
uint64_t registry_apply_config(const SolParameters *p);
uint64_t registry_transfer_admin(const SolParameters *p);
uint64_t registry_accept_admin(const SolParameters *p);
uint64_t registry_set_pause(const SolParameters *p);
uint64_t registry_register_provider(const SolParameters *p);
uint64_t registry_register_device(const SolParameters *p);
uint64_t registry_stake(const SolParameters *p);
uint64_t registry_request_unstake(const SolParameters *p);
uint64_t registry_withdraw_unstaked(const SolParameters *p);
uint64_t registry_deregister_device(const SolParameters *p);
uint64_t registry_submit_proof(const SolParameters *p);
uint64_t registry_close_stale_proof(const SolParameters *p);
uint64_t registry_count_proof(const SolParameters *p);
uint64_t registry_slash(const SolParameters *p);
uint64_t registry_resolve_appeal(const SolParameters *p);
uint64_t registry_finalize_slash(const SolParameters *p);
uint64_t registry_set_device_job(const SolParameters *p);
uint64_t registry_set_asks(const SolParameters *p);

/* config.c */
/* Hard limits as initialize_config takes them (InvalidConfigParams otherwise). */
uint64_t registry_validate_limits(const registry_registry_limits_t *limits);
/* A parameter set's own rules and the hard limits (InvalidConfigParams otherwise). */
uint64_t registry_validate_params(const registry_config_params_t *params, const registry_registry_limits_t *limits);
/* Index of model in params' hardware classes, or -1. */
int registry_class_index(const registry_config_params_t *params, uint32_t model);
/* Whether next may replace config's live parameters now (update_config, and apply_config again
   at the end of the delay): valid within the limits, proof_window_secs unchanged
   (ProofWindowFixed), and every hardware class registered devices use still there
   (HardwareClassInUse). counts receives the device counts re-mapped to next's classes by model. */
uint64_t registry_check_proposal(const registry_config_t *config, const registry_config_params_t *next,
                                 uint32_t counts[REGISTRY_MAX_HARDWARE_CLASSES]);
/* True when next only reduces the keys' power against live, so it applies at once: every field
   equal except oracles only removed (next's set within live's) with the quorum not lowered
   (max_faulty_oracles then as validation allows), slash rates lowered, the appeal window raised,
   the vote band narrowed. Anything else waits registry_view_config_delay. */
bool registry_change_at_once(const registry_config_params_t *live, const registry_config_params_t *next);
/* The Config, checked (owner, size, discriminator). */
uint64_t registry_load_config(const SolAccountInfo *account, const SolPubkey *program_id,
                              registry_config_t **out);
/* registry_load_config, and REGISTRY_ERR_PROGRAM_PAUSED while paused. */
uint64_t registry_load_live_config(const SolAccountInfo *account, const SolPubkey *program_id,
                                   registry_config_t **out);
/* 0 if key is admin, REGISTRY_ERR_UNAUTHORIZED otherwise. */
uint64_t registry_check_admin(const registry_config_t *config, const SolAccountInfo *admin);

/* device.c */
/* The Provider of `owner`, checked (owner, size, discriminator, owner field; see device.c for
   why addresses are not re-derived). */
uint64_t registry_load_provider(const SolAccountInfo *account, const SolPubkey *program_id,
                                const SolPubkey *owner, registry_provider_t **out);
/* A Device, checked (owner, size, discriminator). */
uint64_t registry_load_device(const SolAccountInfo *account, const SolPubkey *program_id,
                              registry_device_t **out);
/* registry_load_device, and REGISTRY_ERR_WRONG_OWNER unless owner is the device's owner. */
uint64_t registry_load_owned_device(const SolAccountInfo *account, const SolPubkey *program_id,
                                    const SolPubkey *owner, registry_device_t **out);
/* The owner's Provider and one of its Devices. */
typedef struct {
  registry_provider_t *provider;
  registry_device_t *device;
} registry_owned_t;
/* registry_load_provider + registry_load_owned_device, and the device belongs to that provider
   (WrongOwner otherwise). */
uint64_t registry_load_provider_device(const SolAccountInfo *provider, const SolAccountInfo *device,
                                       const SolPubkey *program_id, const SolPubkey *owner,
                                       registry_owned_t *out);
/* The unstake ticket of `device` (owner, size, discriminator; InvalidPda if it is another
   device's). */
uint64_t registry_load_ticket(const SolAccountInfo *ticket, const SolPubkey *device,
                              const SolPubkey *program_id, registry_unstake_ticket_t **out);
/* The device's vault: the address stored at registration, an IO token account. */
uint64_t registry_check_vault(const SolAccountInfo *vault, const registry_device_t *d,
                              const registry_config_t *config);
/* Signer seeds of a device's vault; seeds must have room for 3 entries. */
void registry_vault_signer(const SolPubkey *device, const uint8_t *bump, SolSignerSeed seeds[3],
                           SolSignerSeeds *signer);
/* Recomputes status from the device's fields (deregistered stays; a pending slash suspends;
   a job hires; probation served and minimum stake make it active), emitting
   DeviceStatusChanged when it changes. Never fails: every exit path calls it. */
uint64_t registry_refresh_status(registry_device_t *d, const SolPubkey *device,
                                 const registry_config_params_t *params);
/* The reputation formula (registry README): uptime EMA, challenge record, tenure, slashes. */
uint16_t registry_reputation(const registry_device_t *d);

/* proof.c: the proof rules (see there) */
/* A window's times: [start, end), the voting deadline, and the span a vote's uptime covers. */
typedef struct {
  uint64_t start, end;
  uint64_t deadline; /* end + vote_deadline_secs: voting closes, anyone may count (count_proof) */
  uint64_t span;     /* from the end of the last counted window (or the registration window) to
                        end, capped at max_proof_age_secs: the most uptime a vote may report */
} registry_proof_times_t;
uint64_t registry_proof_times(const registry_config_params_t *params, const registry_device_t *d, uint64_t window,
                              registry_proof_times_t *out);
/* Whether the window's votes can still count: the window is newer than the last counted one,
   its votes measure from that one (base) under the current oracle set, and the device is not
   deregistered. */
bool registry_proof_current(const registry_proof_window_t *w, const registry_device_t *d, uint64_t oracle_set);
/* An existing window of the device (owner, size, discriminator, device) and payer is the
   oracle that paid for it (WrongOwner otherwise). */
uint64_t registry_load_proof(const SolAccountInfo *proof, const SolAccountInfo *device, const SolAccountInfo *payer,
                             const SolPubkey *program_id, registry_proof_window_t **out);
/* Closes a window whose votes can no longer count, its rent to its payer (ProofClosed). */
uint64_t registry_close_uncounted_proof(const SolAccountInfo *device, SolAccountInfo *proof, const SolAccountInfo *payer,
                                       const registry_proof_window_t *w);
/* A current window (registry_proof_current) and where its rent goes. */
typedef struct {
  registry_device_t *d;
  const SolAccountInfo *device;
  registry_proof_window_t *w;
  SolAccountInfo *proof;
  const SolAccountInfo *payer; /* w->payer, checked */
  const registry_config_params_t *params;
  const registry_proof_times_t *times;
  uint64_t slot;
} registry_settle_t;
/* Decides the window's uptime votes (gpunet/votes.h; final: no more votes will come).
   Decided: the lowest agreeing uptime is counted (proven uptime, epoch, EMA), the voters'
   benchmark and challenge reports become their latest and the device's values are decided
   over every oracle's latest, ProofCounted, the status refreshed, the window closed. Final and
   undecided: ProofUndecided, nothing recorded, the window closed. Pending: nothing. */
uint64_t registry_settle_proof(const registry_settle_t *s, bool final);

/* Benchmark and challenge reports to record as their oracles' latest: a counted window's
   voters, or one late report on the device's last counted window. */
typedef struct {
  uint16_t voted;      /* the reporting oracles' slots */
  uint16_t challenged; /* and those reporting a challenge */
  uint16_t passed;     /* and those whose challenge passed */
  const uint64_t *benchmark; /* per oracle slot, 0: none */
  uint64_t oracle_set; /* the fingerprint they were made under */
} registry_reports_t;
/* Records r as the oracles' latest (reported_mask too; another oracle set clears the old),
   decides the device's benchmark_score over every oracle's latest (the agreeing low end), and
   tallies the last counted window's challenge at most once (window_tallied): when r carries a
   challenge and a quorum of the latest outcomes agree and outnumber the others. *tally is the
   tally made, REGISTRY_CHALLENGE_NONE if none. */
uint64_t registry_record_reports(registry_device_t *d, const registry_reports_t *r,
                                 const registry_config_params_t *params, uint8_t *tally);

/* slash_record.c */
/* A pending slash: its record and escrow accounts (inputs) and what loading them yields. */
typedef struct {
  const SolAccountInfo *record, *escrow, *device;
  registry_slash_record_t *r;
  gp_token_account_t held;    /* the escrow token account */
  SolSignerSeed seeds[3];     /* the escrow PDA's signer seeds */
  SolSignerSeeds signer;
} registry_pending_slash_t;
/* Loads a Pending slash record of the device (SlashNotPending otherwise) and its escrow (the
   address stored in the record, an IO token account). */
uint64_t registry_load_pending_slash(registry_pending_slash_t *s, const registry_config_t *config,
                                     const SolPubkey *program_id);

#endif
