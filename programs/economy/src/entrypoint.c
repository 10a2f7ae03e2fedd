#include "economy.h"

GP_ENTRYPOINT(economy_process, economy_log_error)
