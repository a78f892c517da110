/* analysis/cmd_plot.c - PLACEHOLDER until its implementation lands; must not ship. */
#include <stdio.h>
#include "sim/commands.h"
int bidsim_cmd_plot(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "bidsim plot: not built yet\n"); return BIDSIM_EXIT_FAILURE; }
