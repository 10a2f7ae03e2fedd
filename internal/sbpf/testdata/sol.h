/* Minimal declarations for the linker's test programs. */
typedef unsigned long u64;
typedef unsigned char u8;

void sol_log_(const char *msg, u64 len);
void sol_log_64_(u64 a, u64 b, u64 c, u64 d, u64 e);
void sol_set_return_data(const u8 *data, u64 len);

typedef u64 (*op_fn)(u64);
