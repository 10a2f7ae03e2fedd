#include "economy.h"

GP_ENTRYPOINT(economy_process)
