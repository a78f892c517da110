/* sim/cmd_bench.c - PLACEHOLDER until its implementation lands; must not ship. */
#include <stdio.h>
#include "sim/commands.h"
int bidsim_cmd_bench(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "bidsim bench: not built yet\n"); return BIDSIM_EXIT_FAILURE; }
