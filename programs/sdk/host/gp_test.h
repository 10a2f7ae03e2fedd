/* gp_test.h: a minimal test runner for host tests (SDK and programs).
   GP_TEST(name) { ... GP_CHECK(cond); GP_CHECK_EQ(a, b); } registers itself;
   test_main.c runs every test after gp_host_reset() and prints
   "<suite>: N passed, M failed" (suite from -DGP_TEST_SUITE="name"). */
#ifndef GP_TEST_H
#define GP_TEST_H

#include <stdint.h>

typedef void (*gp_test_fn_t)(void);
void gp_test_register(const char *name, gp_test_fn_t fn);
void gp_test_fail(const char *file, int line, const char *expr, uint64_t a, uint64_t b, int has_vals);

#define GP_TEST(name)                                                          \
  static void name(void);                                                      \
  __attribute__((constructor)) static void name##_register(void) {            \
    gp_test_register(#name, name);                                             \
  }                                                                            \
  static void name(void)

/* Fail the current test and return from it. */
#define GP_CHECK(cond)                                            \
  do {                                                            \
    if (!(cond)) {                                                \
      gp_test_fail(__FILE__, __LINE__, #cond, 0, 0, 0);           \
      return;                                                     \
    }                                                             \
  } while (0)

#define GP_CHECK_EQ(a, b)                                                      \
  do {                                                                         \
    uint64_t gp_a_ = (uint64_t)(a), gp_b_ = (uint64_t)(b);                     \
    if (gp_a_ != gp_b_) {                                                      \
      gp_test_fail(__FILE__, __LINE__, #a " == " #b, gp_a_, gp_b_, 1);         \
      return;                                                                  \
    }                                                                          \
  } while (0)

#endif
