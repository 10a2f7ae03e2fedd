/* A static call the assembler resolves itself (src=1, no relocation), an
 * lddw and a function-pointer table: the tests patch their bytes. */
#include "../sol.h"
__attribute__((noinline)) static u64 twice(u64 x) { return x * 2; }
__attribute__((noinline)) static u64 thrice(u64 x) { return x * 3; }
const op_fn table[] = {twice, thrice};
u64 entrypoint(const u8 *input) { return twice(input[0]) + table[input[1] & 1](input[2]); }
