/* Writable zero-initialized static: lands in .bss. */
#include "../sol.h"
static u64 hits;
u64 entrypoint(const u8 *input) { return hits += input[0]; }
