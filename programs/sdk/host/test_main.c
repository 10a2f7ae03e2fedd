/* test_main.c: runs every GP_TEST registered in the binary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp_host.h"
#include "gp_test.h"

#ifndef GP_TEST_SUITE
#define GP_TEST_SUITE "test"
#endif

#define MAX_TESTS 1024

static struct {
  const char *name;
  gp_test_fn_t fn;
} g_tests[MAX_TESTS];
static int g_ntests, g_failed_now;

void gp_test_register(const char *name, gp_test_fn_t fn) {
  if (g_ntests >= MAX_TESTS) abort();
  g_tests[g_ntests].name = name;
  g_tests[g_ntests].fn = fn;
  g_ntests++;
}

void gp_test_fail(const char *file, int line, const char *expr, uint64_t a, uint64_t b, int has_vals) {
  g_failed_now = 1;
  if (has_vals)
    fprintf(stderr, "%s:%d: check failed: %s (%llu vs %llu, 0x%llx vs 0x%llx)\n", file, line, expr,
            (unsigned long long)a, (unsigned long long)b, (unsigned long long)a, (unsigned long long)b);
  else
    fprintf(stderr, "%s:%d: check failed: %s\n", file, line, expr);
}

int main(int argc, char **argv) {
  int passed = 0, failed = 0;
  for (int i = 0; i < g_ntests; i++) {
    if (argc > 1) { /* optional name filter */
      int match = 0;
      for (int j = 1; j < argc; j++) if (strstr(g_tests[i].name, argv[j])) match = 1;
      if (!match) continue;
    }
    gp_host_reset();
    g_failed_now = 0;
    g_tests[i].fn();
    if (g_failed_now) { failed++; fprintf(stderr, "FAIL %s\n", g_tests[i].name); }
    else passed++;
  }
  printf("%s: %d passed, %d failed\n", GP_TEST_SUITE, passed, failed);
  return failed ? 1 : 0;
}
