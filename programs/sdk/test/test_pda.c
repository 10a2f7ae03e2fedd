/* PDAs: published Solana vectors, the curve check, gp_check_pda. */
#include "test_util.h"

static SolSignerSeed seed(const void *p, uint64_t n) {
  SolSignerSeed s = {(const uint8_t *)p, n};
  return s;
}

GP_TEST(create_program_address_rust_sdk_vectors) {
  SolPubkey prog = tu_b58("BPFLoaderUpgradeab1e11111111111111111111111");
  SolPubkey pk = tu_b58("SeedPubey1111111111111111111111111111111111");
  uint8_t one = 1, zero = 0;
  SolPubkey out, want;
  SolSignerSeed s1[2] = {seed("", 0), seed(&one, 1)};
  GP_CHECK_EQ(sol_create_program_address(s1, 2, &prog, &out), 0);
  want = tu_b58("BwqrghZA2htAcqq8dzP1WDAhTXYTYWj7CHxF5j7TDBAe");
  GP_CHECK(gp_pubkey_eq(&out, &want));
  SolSignerSeed s2[2] = {seed("\xe2\x98\x89", 3), seed(&zero, 1)};
  GP_CHECK_EQ(sol_create_program_address(s2, 2, &prog, &out), 0);
  want = tu_b58("13yWmRpaTR4r5nAktwLqMpRNr28tnVUZw26rTvPSSB19");
  GP_CHECK(gp_pubkey_eq(&out, &want));
  SolSignerSeed s3[2] = {seed("Talking", 7), seed("Squirrels", 9)};
  GP_CHECK_EQ(sol_create_program_address(s3, 2, &prog, &out), 0);
  want = tu_b58("2fnQrngrQT4SeLcdToJAD96phoEjNL2man2kfRLCASVk");
  GP_CHECK(gp_pubkey_eq(&out, &want));
  SolSignerSeed s4[2] = {seed(pk.x, 32), seed(&one, 1)};
  GP_CHECK_EQ(sol_create_program_address(s4, 2, &prog, &out), 0);
  want = tu_b58("976ymqVnfE32QFe6NfGDctSvVa36LWnvYxhU6G2232YL");
  GP_CHECK(gp_pubkey_eq(&out, &want));
}

GP_TEST(find_program_address_kit_vectors_incl_bump_search) {
  static const struct {
    const char *prog, *seed, *want;
    uint8_t bump;
  } v[] = {
      {"CZ3TbkgUYpDAJVEWpujQhDSgzNTeqbokrJmYa1j4HAZc", NULL, "9tVtkyCGAHSDDBPwz7895aC3p2gJRjpu2v26o35FTUco", 255},
      {"EfTbwNBrSqSuCNBhWUHsBoBdSMWgRU1S47daqRNgW7aK", NULL, "CKWT8KZ5GMzKpVRiAULWKPg1LiHt9U3NdAtbuTErHCTq", 251},
      {"FD3PDEvpQ9JXq8tv7FpJPyZrCjWkCnAaTju16gFPdpqP", "\x01\x02\x03", "9Tj3hpMWacDiZoBe94sjwJQ72zsUVvEQYsrqyy2CfHky", 255},
      {"EKaNRGA37uiGRyRPMap5EZg9cmbT5mt7KWrGwKwAQ3rK", "hello", "6V76gtKMCmVVjrx4sxR9uB868HtZbL3piKEmadC7rSgf", 255},
  };
  for (uint64_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    SolPubkey prog = tu_b58(v[i].prog), want = tu_b58(v[i].want), out;
    SolSignerSeed s[1] = {seed(v[i].seed, v[i].seed ? strlen(v[i].seed) : 0)};
    uint8_t bump = 0;
    GP_CHECK_EQ(sol_try_find_program_address(s, v[i].seed ? 1 : 0, &prog, &out, &bump), 0);
    GP_CHECK_EQ(bump, v[i].bump);
    GP_CHECK(gp_pubkey_eq(&out, &want));
  }
}

GP_TEST(curve_check_vectors) {
  const char *on[] = {"nick6zJc6HpW3kfBm4xS2dmbuVRyb5F3AnUvj5ymzR5", "11111111111111111111111111111111",
                      "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"};
  const char *off[] = {"CCMCWh4FudPEmY6Q1AVi5o8mQMXkHYkJUmZfzRGdcJ9P",
                       "2DRxyJDsDccGL6mb8PLMsKQTCU3C7xUq8aprz53VcW4k"};
  for (int i = 0; i < 3; i++) { SolPubkey k = tu_b58(on[i]); GP_CHECK(gp_host_is_on_curve(k.x)); }
  for (int i = 0; i < 2; i++) { SolPubkey k = tu_b58(off[i]); GP_CHECK(!gp_host_is_on_curve(k.x)); }
  /* the ed25519 base point: y = 4/5 */
  uint8_t base[32];
  memset(base, 0x66, 32);
  base[0] = 0x58;
  GP_CHECK(gp_host_is_on_curve(base));
}

GP_TEST(create_program_address_seed_limits) {
  SolPubkey prog = tu_key(7), out;
  uint8_t big[33] = {0};
  SolSignerSeed s[17];
  for (int i = 0; i < 17; i++) s[i] = seed(big, 1);
  GP_CHECK_EQ(sol_create_program_address(s, 17, &prog, &out), 1);
  SolSignerSeed l[1] = {seed(big, 33)};
  GP_CHECK_EQ(sol_create_program_address(l, 1, &prog, &out), 1);
}

GP_TEST(check_pda_with_stored_bump) {
  SolPubkey prog = tu_key(0x11), owner = tu_key(0x22), pda;
  uint8_t bump;
  SolSignerSeed find[2] = {seed("vault", 5), seed(owner.x, 32)};
  GP_CHECK_EQ(sol_try_find_program_address(find, 2, &prog, &pda, &bump), 0);
  gp_host_account_t a[1] = {{.key = pda}};
  SolAccountInfo ka[1];
  SolParameters p;
  uint64_t err;
  uint8_t *buf = tu_input(a, 1, NULL, 0, &prog, &p, ka, 1, &err);
  GP_CHECK_EQ(err, 0);
  SolSignerSeed s[3] = {seed("vault", 5), seed(owner.x, 32), seed(&bump, 1)};
  GP_CHECK_EQ(gp_check_pda(&ka[0], s, 3, &prog), 0);
  uint8_t wrong = (uint8_t)(bump - 1);
  SolSignerSeed w[3] = {seed("vault", 5), seed(owner.x, 32), seed(&wrong, 1)};
  GP_CHECK_EQ(gp_check_pda(&ka[0], w, 3, &prog), GP_ERR_INVALID_PDA);
  SolPubkey other = tu_key(0x12);
  GP_CHECK_EQ(gp_check_pda(&ka[0], s, 3, &other), GP_ERR_INVALID_PDA);
  GP_CHECK_EQ(gp_check_pda(&ka[0], s, 0, &prog), GP_ERR_INVALID_PDA);
  free(buf);
}

GP_TEST(sha256_vectors) {
  uint8_t out[32];
  SolBytes v[2] = {{(const uint8_t *)"a", 1}, {(const uint8_t *)"bc", 2}};
  GP_CHECK_EQ(sol_sha256(v, 2, out), 0);
  static const uint8_t abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                  0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                  0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  GP_CHECK(memcmp(out, abc, 32) == 0);
  SolPubkey k = tu_key(0), z;
  memset(z.x, 0, 32);
  char b58[45];
  gp_host_pubkey_to_b58(&k, b58);
  GP_CHECK(strcmp(b58, "11111111111111111111111111111111") == 0);
  SolPubkey t = tu_b58("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
  GP_CHECK(gp_pubkey_eq(&t, &GP_TOKEN_PROGRAM_ID));
  gp_host_pubkey_to_b58(&t, b58);
  GP_CHECK(strcmp(b58, "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA") == 0);
  GP_CHECK(gp_pubkey_is_zero(&z));
  GP_CHECK(!gp_pubkey_is_zero(&t));
}
