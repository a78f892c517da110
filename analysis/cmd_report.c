/* analysis/cmd_report.c - PLACEHOLDER until its implementation lands; must not ship. */
#include <stdio.h>
#include "sim/commands.h"
int bidsim_cmd_report(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "bidsim report: not built yet\n"); return BIDSIM_EXIT_FAILURE; }
