/* The escrow program: jobs and clusters, metered usage, settlement.
   One file per instruction under src/; layouts and codes come from the generated
   gen/escrow_idl.h (idl/escrow.json). Shared rules live in src/config.c (the Config and the
   registry accounts it trusts), src/job.c (loading jobs, slots, the registry CPI) and
   src/pay.c (what a slot earns, what the escrow must keep, refunds). */
#ifndef ESCROW_H
#define ESCROW_H

#include <gpunet/sdk.h>

#include "escrow_idl.h"
#include "economy/gen/economy_cpi.h"
#include "registry/gen/registry_cpi.h"
#include "registry/include/registry_view.h"

uint64_t escrow_process(const SolParameters *p);

/* Instructions, one per file. */
uint64_t escrow_initialize_config(const SolParameters *p);
uint64_t escrow_update_config(const SolParameters *p);
uint64_t escrow_apply_config(const SolParameters *p);
uint64_t escrow_set_pause(const SolParameters *p);
uint64_t escrow_create_cluster(const SolParameters *p);
uint64_t escrow_close_cluster(const SolParameters *p);
uint64_t escrow_create_job(const SolParameters *p);
uint64_t escrow_top_up(const SolParameters *p);
uint64_t escrow_assign_devices(const SolParameters *p);
uint64_t escrow_accept_job(const SolParameters *p);
uint64_t escrow_record_usage(const SolParameters *p);
uint64_t escrow_count_usage(const SolParameters *p);
uint64_t escrow_settle(const SolParameters *p);
uint64_t escrow_set_payout(const SolParameters *p);
uint64_t escrow_collect_unclaimed(const SolParameters *p);
uint64_t escrow_cancel_job(const SolParameters *p);
uint64_t escrow_quit_job(const SolParameters *p);
uint64_t escrow_replace_device(const SolParameters *p);
uint64_t escrow_expire_job(const SolParameters *p);
uint64_t escrow_close_job(const SolParameters *p);

/* config.c */
typedef escrow_escrow_limits_t escrow_limits_t;
/* The limits initialize_config fixes for good: InvalidConfigParams unless sane. */
uint64_t escrow_validate_limits(const escrow_limits_t *limits);
/* The rules every parameter set follows, within the limits: InvalidConfigParams otherwise. */
uint64_t escrow_validate_params(const escrow_config_params_t *params, const escrow_limits_t *limits);
/* Whether going from live to next only reduces a key's power, or reaches only jobs created
   later (so it applies at once); anything else waits for the delay. */
bool escrow_change_at_once(const escrow_config_params_t *live, const escrow_config_params_t *next);
/* The Config's live parameters, pending proposal and its time, for gpunet/delayed.h. */
void escrow_delayed(escrow_config_t *config, gp_delayed_t *out);
/* The Config, checked (owner, size, discriminator). */
uint64_t escrow_load_config(const SolAccountInfo *account, const SolPubkey *program_id, escrow_config_t **out);
/* escrow_load_config, and ESCROW_ERR_PROGRAM_PAUSED while paused. */
uint64_t escrow_load_live_config(const SolAccountInfo *account, const SolPubkey *program_id, escrow_config_t **out);
/* 0 if the signer is the admin, ESCROW_ERR_UNAUTHORIZED otherwise. */
uint64_t escrow_check_admin(const escrow_config_t *config, const SolAccountInfo *admin);
/* The registry's Config: the address stored in ours, owned by the registry program. */
uint64_t escrow_load_registry_config(const SolAccountInfo *account, const escrow_config_t *config,
                                     const registry_config_t **out);

/* job.c */
/* A Job, checked (owner, size, discriminator). */
uint64_t escrow_load_job(const SolAccountInfo *account, const SolPubkey *program_id, escrow_job_t **out);
/* A Cluster (owner, size, discriminator). */
uint64_t escrow_load_cluster(const SolAccountInfo *account, const SolPubkey *program_id, escrow_cluster_t **out);
/* The job's slot `index`, InvalidSlot unless it is used and in `state`. */
uint64_t escrow_slot(escrow_job_t *j, uint8_t index, uint8_t state, escrow_slot_t **out);
/* Proposed + hired slots: the places taken. */
uint8_t escrow_places_taken(const escrow_job_t *j);
/* 0 if signer is the job's renter or the scheduler, NotRenterOrScheduler otherwise. */
uint64_t escrow_check_renter_or_scheduler(const escrow_job_t *j, const escrow_config_t *config,
                                          const SolAccountInfo *signer);
/* A registry Device (owner, size, discriminator). */
uint64_t escrow_load_device(const SolAccountInfo *account, const escrow_config_t *config,
                            const registry_device_t **out);
/* 0 when the device's ask accepts price per device-hour in the job's mint (io: IO, else IOSD):
   at least ask x REGISTRY_ASK_UNIT (PriceBelowAsk); an IO ask of 0 refuses IO (IoNotAccepted),
   an IOSD ask of 0 accepts any price. */
uint64_t escrow_check_ask(const registry_device_t *d, bool io, uint64_t price);
/* Appends a Proposed slot for `device` after checking it is hireable now (Active, registry not
   paused) and not already proposed or hired on this job; emits DeviceAssigned. */
uint64_t escrow_propose(escrow_job_t *j, const SolAccountInfo *job, const SolAccountInfo *device,
                        const escrow_config_t *config, const registry_config_t *rc);
/* The job's signer seeds ["job", renter, job_id LE, bump]. */
typedef struct {
  uint8_t id[8];
  SolSignerSeed seeds[4];
  SolSignerSeeds signer;
} escrow_job_signer_t;
void escrow_job_signer(const escrow_job_t *j, escrow_job_signer_t *s);

/* The accounts of a set_device_job CPI into the registry. */
typedef struct {
  const escrow_config_t *config;
  const SolAccountInfo *registry_config, *authority, *registry_program;
} escrow_registry_t;
/* Checks the registry program, its Config and the escrow authority against the Config. */
uint64_t escrow_check_registry(const escrow_registry_t *r);
/* set_device_job(job, hire) on a registry Device, signed by the escrow authority PDA: hires it
   for job, or releases it from job. */
uint64_t escrow_set_device_job(const escrow_registry_t *r, const SolAccountInfo *device, const SolPubkey *job, bool hire);
/* A slot leaving its job. */
typedef struct {
  const SolAccountInfo *job, *device;
  uint8_t slot;
  bool replaced; /* by the renter or scheduler; otherwise it quit */
} escrow_leave_t;
/* Marks a hired or proposed slot Left now (a hired one is released in the registry; one that
   joined stops earning now, or at the job's end if that came first) and emits DeviceLeft. */
uint64_t escrow_leave(escrow_job_t *j, const escrow_leave_t *l, const escrow_registry_t *r);

/* pay.c */
/* price_per_hour x devices x secs / 3600, rounded down: what a booking costs. */
uint64_t escrow_cost(uint64_t price_per_hour, uint8_t devices, uint64_t secs, uint64_t *out);
/* When slot s's paid time ends: when it left, else the job's end (ended_at once ended, else
   started_at + duration_secs). */
int64_t escrow_slot_end(const escrow_job_t *j, const escrow_slot_t *s);
/* The most seconds slot s can have been on the job as of `at`: 0 before it joined. */
uint64_t escrow_slot_cap(const escrow_job_t *j, const escrow_slot_t *s, int64_t at);
/* What paying a slot's seconds `from` -> `to` (cumulative, from <= to) moves. */
typedef struct {
  uint64_t gross;        /* out of the escrow */
  uint64_t payout;       /* to the provider */
  uint64_t fee_treasury; /* to the treasury */
  uint64_t fee_burned;   /* burned */
} escrow_pay_t;
uint64_t escrow_pay(const escrow_job_t *j, uint64_t from, uint64_t to, escrow_pay_t *out);
/* The escrow the job still owes: deposited - gross paid out - refunded. */
uint64_t escrow_held(const escrow_job_t *j, uint64_t *out);
/* What the job may still have to pay its slots: for each, the gross of its most possible time
   less what it was paid. */
uint64_t escrow_reserve(const escrow_job_t *j, uint64_t *out);

/* usage.c */
/* When anyone may count usage window `window` as it is: its end + the registry's
   vote_deadline_secs. */
uint64_t escrow_usage_deadline(const escrow_job_t *j, uint64_t window, const registry_config_t *rc, int64_t *out);
/* Decides each slot of the open collection (gpunet/votes.h, the registry's quorum and band);
   when every slot is decided, or `final`, counts it: decided slots move up to the lower end of
   their agreeing votes, the others keep their value; emits UsageCounted. */
uint64_t escrow_usage_tally(escrow_job_t *j, const SolAccountInfo *job, const registry_config_t *rc, bool final);

/* unclaimed.c */
/* Where settle sends pay the payout account cannot take. */
typedef struct {
  const SolPubkey *program_id;
  SolAccountInfo *record, *vault;     /* the owner's Unclaimed record, the mint's unclaimed vault */
  const SolAccountInfo *mint, *payer; /* payer: rent of whatever must be created */
  const SolAccountInfo *from, *authority; /* the job's vault and the job, which signs */
  const SolSignerSeeds *signer;
} escrow_unclaimed_to_t;
/* Moves `amount` into the unclaimed vault and credits it to owner's record, creating the
   record (and the vault) at its canonical address if needed. */
uint64_t escrow_unclaimed_credit(const escrow_unclaimed_to_t *u, const SolPubkey *owner, uint64_t amount);
/* An Unclaimed record (owner, size, discriminator). */
uint64_t escrow_load_unclaimed(const SolAccountInfo *account, const SolPubkey *program_id, escrow_unclaimed_t **out);
/* The unclaimed vault's signer seeds ["unclaimed_vault", mint, bump]. */
void escrow_unclaimed_vault_seeds(const SolPubkey *mint, const uint8_t *bump, SolSignerSeed seeds[3]);

/* end.c */
/* The accounts that ending a job needs. */
typedef struct {
  const SolParameters *p;
  SolAccountInfo *job;
  const SolAccountInfo *vault, *renter_token;
  escrow_registry_t registry;
  uint64_t first_device; /* index of the first remaining account: the hired devices */
} escrow_end_t;
/* Ends the job in `state` at `at`: every hired slot leaves (released in the registry; the
   remaining accounts are their Devices in slot order), proposed ones are dropped, and the
   escrow not reserved for verifiable time is refunded. Emits JobEnded. */
uint64_t escrow_end_job(const escrow_end_t *e, escrow_job_t *j, uint8_t state, int64_t at);
/* Refunds `amount` from the vault to the renter's token account (the job signs) and counts it. */
uint64_t escrow_refund(escrow_job_t *j, const SolAccountInfo *job, const SolAccountInfo *vault,
                       const SolAccountInfo *renter_token, uint64_t amount);
/* A token account of the job's mint (InvalidMint otherwise) owned by owner (WrongTokenAccount
   otherwise): the renter's for refunds, the treasury's for fees, a device owner's for pay. */
uint64_t escrow_check_token_account(const escrow_job_t *j, const SolAccountInfo *account, const SolPubkey *owner);

#endif
