#include "registry.h"

GP_ENTRYPOINT(registry_process, registry_log_error)
