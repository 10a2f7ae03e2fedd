#include "escrow.h"

GP_ENTRYPOINT(escrow_process, escrow_log_error)
