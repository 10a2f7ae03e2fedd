/* Logs, events, sysvars, rent, return data. */
#include "test_util.h"

typedef struct {
  uint64_t discriminator;
  uint64_t job_id;
  uint8_t worker[32];
} job_created_event_t;

GP_TEST(event_is_one_log_data_field_with_anchor_discriminator) {
  uint8_t h[32];
  const char *name = "event:JobCreated";
  gp_host_sha256((const uint8_t *)name, strlen(name), h);
  job_created_event_t ev;
  memcpy(&ev.discriminator, h, 8);
  GP_CHECK_EQ(ev.discriminator, 0x839f4a43b1a26e30ULL); /* bytes 30 6e a2 b1 43 4a 9f 83 */
  ev.job_id = 42;
  memset(ev.worker, 0x77, 32);
  GP_EMIT_EVENT(&ev);
  GP_CHECK_EQ(gp_host_event_count(), 1);
  uint64_t len;
  const uint8_t *p = gp_host_event(0, &len);
  GP_CHECK_EQ(len, 48);
  GP_CHECK(memcmp(p, h, 8) == 0);
  GP_CHECK_EQ(gp_load_u64(p + 8), 42);
  GP_CHECK_EQ(p[47], 0x77);
  GP_CHECK(strncmp(gp_host_log(0), "Program data: MG6isUNKn4MqAAAAAAAAAHd3", 38) == 0);
}

GP_TEST(logs_are_captured) {
  GP_LOG("hello");
  GP_LOG_64(1, 2, 3, 4, 255);
  SolPubkey k = tu_key(0);
  GP_LOG_PUBKEY(&k);
  GP_LOG_CU();
  GP_CHECK_EQ(gp_host_log_count(), 4);
  GP_CHECK(strcmp(gp_host_log(0), "Program log: hello") == 0);
  GP_CHECK(strcmp(gp_host_log(1), "Program log: 0x1, 0x2, 0x3, 0x4, 0xff") == 0);
  GP_CHECK(strcmp(gp_host_log(2), "Program log: 11111111111111111111111111111111") == 0);
  GP_CHECK(gp_host_log_contains("consumption"));
  GP_CHECK(!gp_host_log_contains("nope"));
}

GP_TEST(clock_and_return_data) {
  SolClock c = {.slot = 447552000, .epoch = 3, .unix_timestamp = 1700000000};
  gp_host_set_clock(&c);
  SolClock got;
  GP_CHECK_EQ(gp_clock_get(&got), 0);
  GP_CHECK_EQ(got.slot, 447552000);
  GP_CHECK_EQ(got.epoch, 3);
  GP_CHECK_EQ(got.unix_timestamp, 1700000000);
  uint8_t r[3] = {1, 2, 3};
  sol_set_return_data(r, 3);
  uint64_t len;
  const uint8_t *p = gp_host_return_data(&len);
  GP_CHECK(len == 3 && p[2] == 3);
}

GP_TEST(rent_minimum_mainnet_values) {
  uint64_t v;
  GP_CHECK_EQ(gp_rent_exempt_minimum(0, &v), 0); GP_CHECK_EQ(v, 890880);
  GP_CHECK_EQ(gp_rent_exempt_minimum(165, &v), 0); GP_CHECK_EQ(v, 2039280);
  GP_CHECK_EQ(gp_rent_exempt_minimum(82, &v), 0); GP_CHECK_EQ(v, 1461600);
  /* SIMD-0194 parameters: 6960 lamports/byte, threshold 1.0 */
  SolRent r = {.lamports_per_byte_year = 6960, .exemption_threshold_bits = 0x3FF0000000000000ULL};
  GP_CHECK_EQ(gp_rent_minimum_balance(&r, 165, &v), 0); GP_CHECK_EQ(v, 2039280);
  r.exemption_threshold_bits = 0x3FF8000000000000ULL; /* 1.5 */
  GP_CHECK_EQ(gp_rent_minimum_balance(&r, 0, &v), 0); GP_CHECK_EQ(v, 1336320);
  r.exemption_threshold_bits = 0x3FE0000000000000ULL; /* 0.5 */
  GP_CHECK_EQ(gp_rent_minimum_balance(&r, 1, &v), 0); GP_CHECK_EQ(v, 448920);
  r.exemption_threshold_bits = 0x3FB999999999999AULL; /* 0.1: floor like `as u64` */
  GP_CHECK_EQ(gp_rent_minimum_balance(&r, 0, &v), 0); GP_CHECK_EQ(v, 89088);
  r.exemption_threshold_bits = 0;
  GP_CHECK_EQ(gp_rent_minimum_balance(&r, 10, &v), 0); GP_CHECK_EQ(v, 0);
  r.exemption_threshold_bits = 0x7FF0000000000000ULL; /* inf */
  GP_CHECK_EQ(gp_rent_minimum_balance(&r, 10, &v), GP_ERR_ARITHMETIC_OVERFLOW);
  r.exemption_threshold_bits = 0x4000000000000000ULL;
  GP_CHECK_EQ(gp_rent_minimum_balance(&r, GP_U64_MAX, &v), GP_ERR_ARITHMETIC_OVERFLOW);
  r.lamports_per_byte_year = 1ULL << 62;
  GP_CHECK_EQ(gp_rent_minimum_balance(&r, 0, &v), GP_ERR_ARITHMETIC_OVERFLOW);
  gp_host_set_rent(&r);
  GP_CHECK_EQ(gp_rent_exempt_minimum(0, &v), GP_ERR_ARITHMETIC_OVERFLOW);
}
