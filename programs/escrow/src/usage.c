#include "escrow.h"

/* Usage votes follow the one counting rule of every oracle value (gpunet/votes.h), slot by
   slot: a slot is decided when a quorum of its votes agree within the registry's band, and a
   decided slot records the lower end of the agreeing votes. A faulty vote that disagrees is
   left out instead of dragging the value, so it can only delay counting, never choose it. */

uint64_t escrow_usage_deadline(const escrow_job_t *j, uint64_t window, const registry_config_t *rc, int64_t *out) {
  uint64_t end, deadline;
  GP_TRY(gp_add_u64(window, 1, &end));
  GP_TRY(gp_mul_u64(end, (uint64_t)j->usage_window_secs, &end));
  if (rc->params.vote_deadline_secs < 0) return ESCROW_ERR_ARITHMETIC_OVERFLOW;
  GP_TRY(gp_add_u64(end, (uint64_t)rc->params.vote_deadline_secs, &deadline));
  if (deadline > INT64_MAX) return ESCROW_ERR_ARITHMETIC_OVERFLOW;
  *out = (int64_t)deadline;
  return 0;
}

uint64_t escrow_usage_tally(escrow_job_t *j, const SolAccountInfo *job, const registry_config_t *rc, bool final) {
  const gp_vote_rule_t rule = registry_vote_rule(&rc->params);
  if (j->pending_votes < rule.quorum && !final) return 0; /* no slot can be decided yet */
  escrow_usage_counted_t ev = {.discriminator = ESCROW_USAGE_COUNTED_DISCRIMINATOR, .window = j->pending_window,
                               .votes = j->pending_votes};
  uint32_t all = j->slot_count >= 32 ? UINT32_MAX : (uint32_t)((1u << j->slot_count) - 1);
  for (uint8_t i = 0; i < j->slot_count; i++) {
    uint64_t v[ESCROW_MAX_ORACLES];
    for (uint8_t r = 0; r < j->pending_votes; r++) v[r] = j->votes[r * ESCROW_MAX_SLOTS + i];
    gp_votes_t out;
    if (j->pending_votes && gp_votes_decide(&rule, v, j->pending_votes, final, &out) == GP_VOTES_DECIDED) {
      ev.decided |= 1u << i;
      ev.secs[i] = out.lo;
    }
  }
  if (ev.decided != all && !final) return 0; /* wait for more votes or the deadline */

  for (uint8_t i = 0; i < j->slot_count; i++) {
    escrow_slot_t *s = &j->slots[i];
    if ((ev.decided >> i) & 1 && ev.secs[i] > s->verified_secs) s->verified_secs = ev.secs[i];
    ev.secs[i] = s->verified_secs;
    GP_TRY(gp_add_u64(ev.verified_secs, s->verified_secs, &ev.verified_secs));
  }
  j->last_usage_window = j->pending_window;
  j->pending_votes = 0;
  j->pending_mask = 0;
  gp_pubkey_copy(&ev.job, job->key);
  GP_EMIT_EVENT(&ev);
  return 0;
}
