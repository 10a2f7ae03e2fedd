#include "registry.h"

GP_ENTRYPOINT(registry_process)
