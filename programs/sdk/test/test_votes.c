/* The vote-counting rule (gpunet/votes.h): the dev set's cases by hand, then its guarantees
   checked over random collections with one faulty oracle. */
#include "test_util.h"

static const gp_vote_rule_t DEV = {2, 100}; /* three dev oracles: quorum 2, band 1% */

static int decide(const gp_vote_rule_t *rule, const uint64_t *votes, uint64_t k, bool final, gp_votes_t *out) {
  uint64_t v[GP_VOTES_MAX];
  memcpy(v, votes, k * sizeof *v);
  return gp_votes_decide(rule, v, k, final, out);
}

GP_TEST(votes_agree_within_the_band_of_the_larger) {
  GP_CHECK(gp_votes_agree(0, 0, 0));
  GP_CHECK(gp_votes_agree(3600, 3564, 100)); /* 36 = 1% of 3600 */
  GP_CHECK(!gp_votes_agree(3600, 3563, 100));
  GP_CHECK(!gp_votes_agree(0, 1, 100));
  GP_CHECK(gp_votes_agree(0, 1, 10000));
  GP_CHECK(gp_votes_agree(UINT64_MAX, UINT64_MAX - UINT64_MAX / 100, 100)); /* no overflow */
  GP_CHECK(!gp_votes_agree(UINT64_MAX, 0, 9999));
}

GP_TEST(votes_two_agreeing_count_the_lower) {
  gp_votes_t r;
  uint64_t v[2] = {3600, 3590};
  GP_CHECK_EQ(decide(&DEV, v, 2, false, &r), GP_VOTES_DECIDED);
  GP_CHECK_EQ(r.lo, 3590);
  GP_CHECK_EQ(r.hi, 3600);
  GP_CHECK_EQ(r.agreeing, 2);
}

GP_TEST(votes_a_faulty_first_vote_only_delays) {
  gp_votes_t r;
  uint64_t low[2] = {0, 3600}, high[2] = {UINT64_MAX, 3600};
  GP_CHECK_EQ(decide(&DEV, low, 2, false, &r), GP_VOTES_PENDING);
  GP_CHECK_EQ(decide(&DEV, high, 2, false, &r), GP_VOTES_PENDING);
  /* the honest third vote decides it, within the honest range */
  uint64_t low3[3] = {0, 3600, 3590}, high3[3] = {UINT64_MAX, 3600, 3590};
  GP_CHECK_EQ(decide(&DEV, low3, 3, true, &r), GP_VOTES_DECIDED);
  GP_CHECK_EQ(r.lo, 3590);
  GP_CHECK_EQ(decide(&DEV, high3, 3, true, &r), GP_VOTES_DECIDED);
  GP_CHECK_EQ(r.lo, 3590);
  GP_CHECK_EQ(r.hi, 3600);
  /* the third oracle is down: at the deadline nothing is recorded */
  GP_CHECK_EQ(decide(&DEV, low, 2, true, &r), GP_VOTES_UNDECIDED);
}

GP_TEST(votes_below_quorum_never_decide) {
  gp_votes_t r;
  uint64_t v[1] = {3600};
  GP_CHECK_EQ(decide(&DEV, v, 1, false, &r), GP_VOTES_PENDING);
  GP_CHECK_EQ(decide(&DEV, v, 1, true, &r), GP_VOTES_UNDECIDED);
  GP_CHECK_EQ(decide(&DEV, v, 0, true, &r), GP_VOTES_UNDECIDED);
  gp_vote_rule_t none = {0, 100};
  GP_CHECK_EQ(decide(&none, v, 1, true, &r), GP_VOTES_UNDECIDED);
}

GP_TEST(votes_larger_sets_use_the_median) {
  /* n = 4, f = 1, q = 3: one faulty vote among four cannot leave the honest range */
  gp_vote_rule_t rule = {3, 50};
  gp_votes_t r;
  uint64_t v[4] = {1000, 1002, 1001, 1};
  GP_CHECK_EQ(decide(&rule, v, 4, true, &r), GP_VOTES_DECIDED);
  GP_CHECK_EQ(r.lo, 1000);
  GP_CHECK_EQ(r.hi, 1002);
  GP_CHECK_EQ(r.agreeing, 3);
}

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static uint64_t rnd(void) { return tu_rand(&rng); }

/* With fewer than q faulty votes, every agreeing vote lies within the band of an honest vote;
   with at most f faulty votes among k >= 2f + 1 (and honest votes that agree), it decides. */
GP_TEST(votes_random_collections_with_faulty_oracles) {
  for (int iter = 0; iter < 200000; iter++) {
    uint64_t n = 1 + rnd() % 16, f = rnd() % ((n + 1) / 2), q = 2 * f + 1 + rnd() % (n - 2 * f);
    uint64_t faulty = rnd() % q; /* fewer than q lie, possibly more than f */
    uint64_t k = faulty + rnd() % (n - faulty + 1);
    if (k > n) k = n;
    gp_vote_rule_t rule = {(uint8_t)q, (uint16_t)(rnd() % 2000)};
    uint64_t base = rnd() % 1000000, v[GP_VOTES_MAX], honest[GP_VOTES_MAX], nh = 0, hmin = UINT64_MAX, hmax = 0;
    uint64_t nf = faulty < k ? faulty : k;
    for (uint64_t i = 0; i < k; i++) {
      if (i < nf) {
        uint64_t kind = rnd() % 3;
        v[i] = kind == 0 ? 0 : kind == 1 ? UINT64_MAX - rnd() % 3 : rnd() % 2000000;
      } else {
        v[i] = honest[nh++] = base + rnd() % (base / 200 + 1); /* honest: within 0.5% of each other */
        if (v[i] < hmin) hmin = v[i];
        if (v[i] > hmax) hmax = v[i];
      }
    }
    gp_votes_t r;
    bool final = rnd() & 1;
    int out = gp_votes_decide(&rule, v, k, final, &r);
    bool honest_agree = gp_votes_agree(hmin, hmax, rule.band_bps);
    if (final && nf <= f && k >= 2 * f + 1 && k >= q + nf && honest_agree) GP_CHECK_EQ(out, GP_VOTES_DECIDED);
    if (out != GP_VOTES_DECIDED) continue;
    GP_CHECK(r.agreeing >= q && r.lo <= r.hi);
    GP_CHECK(hmin != UINT64_MAX); /* q agreeing votes always include an honest one */
    bool near = false; /* some honest vote agrees with both ends */
    for (uint64_t i = 0; i < nh; i++)
      if (gp_votes_agree(honest[i], r.lo, rule.band_bps) && gp_votes_agree(honest[i], r.hi, rule.band_bps)) near = true;
    GP_CHECK(near);
  }
}
