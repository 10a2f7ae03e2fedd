/* Test program, first object: a const table of names and function pointers
 * (R_BPF_64_ABS64 into .text and .rodata.str), cross-object calls, an lddw
 * function pointer passed to another object, and syscalls. */
#include "sol.h"

u64 scale(u64 x);
u64 offset_by(u64 x);
u64 apply(op_fn f, u64 x);
void log_str(const char *s);

static u64 square(u64 x) { return x * x; }
static u64 cube(u64 x) { return x * x * x; }

struct op {
	const char *name;
	op_fn fn;
};

const struct op ops[] = {{"square", square}, {"cube", cube}, {"scale", scale}};

u64 entrypoint(const u8 *input) {
	/* The account count (0 here) keeps clang from unrolling the loop and
	 * turning the indirect calls into direct ones. */
	u64 first = *(const u64 *)input;
	u64 acc = 0;
	for (u64 i = first; i < sizeof ops / sizeof ops[0]; i++) {
		log_str(ops[i].name);
		acc += ops[i].fn(i + 2);
	}
	acc += apply(square, 5);
	acc = offset_by(acc);
	sol_log_64_(acc, 0, 0, 0, 0);
	sol_set_return_data((const u8 *)&acc, sizeof acc);
	return 0;
}
