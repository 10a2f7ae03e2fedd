/* Writable initialized global: lands in .data. */
#include "../sol.h"
u64 counter = 5;
u64 entrypoint(const u8 *input) { return counter += input[0]; }
