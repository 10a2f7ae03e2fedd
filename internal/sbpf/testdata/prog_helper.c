/* Test program, second object: functions called from prog_main.c. */
#include "sol.h"

static u64 str_len(const char *s) {
	u64 n = 0;
	while (s[n])
		n++;
	return n;
}

void log_str(const char *s) { sol_log_(s, str_len(s)); }
u64 scale(u64 x) { return x * 10; }
u64 offset_by(u64 x) { return x + 1000; }
__attribute__((noinline)) u64 apply(op_fn f, u64 x) { return f(x); }
