#include "escrow.h"

GP_ENTRYPOINT(escrow_process)
