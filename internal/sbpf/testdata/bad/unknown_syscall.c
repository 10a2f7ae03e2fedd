/* Calls a misspelled syscall. */
#include "../sol.h"
void sol_lgo_(const char *msg, u64 len);
u64 entrypoint(const u8 *input) {
	sol_lgo_("x", 1);
	return input[0];
}
