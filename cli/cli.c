/* cli/cli.c - helpers shared by the command implementations. */
#include <stdio.h>
#include "cli/commands.h"

int bidsim_cli_fail(const char *cmd, const bidsim_error_t *err) {
  int code = err ? err->code : BIDSIM_EINVAL;
  const char *msg = (err && err->msg[0]) ? err->msg : bidsim_strerror(code);
  if (err && err->where[0])
    fprintf(stderr, "bidsim %s: error: %s: %s\n", cmd, err->where, msg);
  else
    fprintf(stderr, "bidsim %s: error: %s\n", cmd, msg);
  switch (code) {
    case BIDSIM_ENOMEM: case BIDSIM_EIO: case BIDSIM_EHDF5: case BIDSIM_EMPI: case BIDSIM_ESTATE:
      return BIDSIM_EXIT_FAILURE;
    default:
      return BIDSIM_EXIT_INPUT;
  }
}
