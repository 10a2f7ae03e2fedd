/* Host tests of the generated error log (registry_log_error, called by the entrypoint on
   failure): the exact line Anchor's clients parse into a named AnchorError. */
#include <stdlib.h>
#include <string.h>

#include "gp_host.h"
#include "gp_test.h"
#include "registry.h"

GP_TEST(a_failed_instruction_logs_its_anchor_error_line) {
  gp_host_reset();
  SolPubkey prog;
  memset(prog.x, 0x8E, sizeof prog.x);
  static const uint8_t unknown[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  uint8_t *buf = gp_host_input_new(NULL, 0, unknown, sizeof unknown, &prog, NULL);
  GP_CHECK_EQ(entrypoint(buf), REGISTRY_ERR_INVALID_INSTRUCTION);
  GP_CHECK_EQ(gp_host_log_count(), 1);
  GP_CHECK(strcmp(gp_host_log(0), "Program log: AnchorError occurred. Error Code: InvalidInstruction. Error Number: 6000. "
                                  "Error Message: Unknown instruction discriminator.") == 0);
  free(buf);
}

GP_TEST(program_codes_log_their_names_and_builtin_errors_log_nothing) {
  gp_host_reset();
  registry_log_error(REGISTRY_ERR_SLASH_CAP_REACHED);
  GP_CHECK_EQ(gp_host_log_count(), 1);
  GP_CHECK(strcmp(gp_host_log(0), "Program log: AnchorError occurred. Error Code: SlashCapReached. Error Number: 6136. "
                                  "Error Message: The device's slash cap for this period is reached.") == 0);
  registry_log_error(GP_BUILTIN_INVALID_ARGUMENT);
  registry_log_error(GP_BUILTIN(6) | REGISTRY_ERR_SLASH_CAP_REACHED); /* a builtin, whatever its low bits */
  registry_log_error(5999);
  GP_CHECK_EQ(gp_host_log_count(), 1);
}
