/* gpunet/votes.h: one rule for counting oracle votes, used for every value the oracles attest
   (registry proofs, escrow usage, economy prices and rewards).

   A collection holds k votes for one value from n live oracles, of which at most f may be
   faulty, and needs a quorum q (the registry enforces q >= 2f + 1 and n >= q + f). The rule:

     agreeing = the largest group of votes that all lie within the band of each other
                (|a - b| <= band_bps of the larger; among equal groups, the lowest);
     decided  when at least q votes agree; the collection then yields the range [lo, hi] of the
              agreeing votes: counted values record lo (the conservative end), a conversion
              price uses lo or hi, whichever is less favourable to the user.

   Why this holds against faulty oracles:
   - q agreeing votes include at least one honest vote whenever fewer than q oracles are
     faulty, and every agreeing vote lies within the band of it: one faulty oracle among the
     dev set's three (q = 2, f = 0) moves a value by at most the band;
   - a faulty vote that disagrees is left out instead of dragging the value: it can only stop
     the collection from deciding, never choose its value. While undecided, a collection waits
     for more votes until it is final (every live oracle voted, or its deadline passed); a
     final collection that is still undecided records nothing. Usage, uptime and rewards are
     cumulative, so the next decided collection catches up what was not counted;
   - with k >= 2f + 1 votes of which at most f are faulty, honest votes that agree with each
     other are a majority of the collection, so they decide it while an honest oracle is down
     (liveness needs n >= 3f + 1 + c with c honest oracles down). */
#ifndef GPUNET_VOTES_H
#define GPUNET_VOTES_H

#include "math.h"

#define GP_VOTES_MAX 16

/* The outcome of gp_votes_decide. */
enum {
  GP_VOTES_PENDING = 0,   /* not decided yet: wait for more votes or the deadline */
  GP_VOTES_DECIDED = 1,   /* lo and hi hold the agreeing range */
  GP_VOTES_UNDECIDED = 2, /* final and no agreeing quorum: record nothing */
};

typedef struct {
  uint8_t quorum;    /* q >= 1 */
  uint16_t band_bps; /* how far two honest values may differ, relative to the larger */
} gp_vote_rule_t;

typedef struct {
  uint64_t lo, hi;   /* the agreeing votes' range, when decided */
  uint64_t agreeing; /* how many votes agree with the lower median */
} gp_votes_t;

/* a and b agree when |a - b| <= band_bps / 10000 of the larger (0 and 0 agree). Computed in
   128 bits, so no value overflows. */
static inline bool gp_votes_agree(uint64_t a, uint64_t b, uint16_t band_bps) {
  uint64_t hi = a > b ? a : b, diff = a > b ? a - b : b - a;
  gp_u128_t lhs, rhs;
  gp_mul_u64_wide(diff, 10000, &lhs);
  gp_mul_u64_wide(hi, band_bps, &rhs);
  return lhs.hi < rhs.hi || (lhs.hi == rhs.hi && lhs.lo <= rhs.lo);
}

/* Decides a collection of k <= GP_VOTES_MAX votes v (sorted in place). `final`: no more votes
   will come (every live oracle voted, or the deadline passed). */
static inline int gp_votes_decide(const gp_vote_rule_t *rule, uint64_t *v, uint64_t k, bool final, gp_votes_t *out) {
  out->lo = out->hi = out->agreeing = 0;
  if (k > GP_VOTES_MAX) k = GP_VOTES_MAX;
  gp_lower_median_u64(v, k ? k : 1); /* sorts */
  /* sorted, so a group that agrees is a run v[i..j] whose ends agree; for each start the run
     only grows with j, so one pass with two indexes finds the longest */
  for (uint64_t i = 0, j = 0; i < k; i++) {
    if (j < i) j = i;
    while (j + 1 < k && gp_votes_agree(v[i], v[j + 1], rule->band_bps)) j++;
    if (j - i + 1 > out->agreeing) {
      out->agreeing = j - i + 1;
      out->lo = v[i];
      out->hi = v[j];
    }
  }
  if (rule->quorum && out->agreeing >= rule->quorum) return GP_VOTES_DECIDED;
  return final ? GP_VOTES_UNDECIDED : GP_VOTES_PENDING;
}

#endif
