/* sim/cmd_run.c - PLACEHOLDER until its implementation lands; must not ship. */
#include <stdio.h>
#include "sim/commands.h"
int bidsim_cmd_run(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "bidsim run: not built yet\n"); return BIDSIM_EXIT_FAILURE; }
