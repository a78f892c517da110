/* cli/main.c - the `bidsim` command: dispatches to subcommands. */
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include "cli/commands.h"
#ifdef BIDSIM_MPI
#include "sim/job_mpi.h"
#endif

typedef struct {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary;
} command_t;

static const command_t commands[] = {
  { "run",      bidsim_cmd_run,      "simulate a scenario's replicates and write results to HDF5" },
  { "validate", bidsim_cmd_validate, "check a scenario file and print a summary" },
  { "report",   bidsim_cmd_report,   "promotion report (shop, plan, product) with 95% intervals" },
  { "compare",  bidsim_cmd_compare,  "paired differences between variants of a result file" },
  { "plot",     bidsim_cmd_plot,     "PNG figures of a result file" },
  { "landscape", bidsim_cmd_landscape, "a plan's figures at each bid, cap or premium (one pass)" },
  { "calibrate", bidsim_cmd_calibrate, "fit a scenario's market to the shop's own promotion report" },
  { "merge",    bidsim_cmd_merge,    "join the part files of a sharded run into one result" },
  { "bench",    bidsim_cmd_bench,    "measure auction throughput against the RNG floor" },
};

static void usage(FILE *f) {
  fprintf(f,
          "Usage: bidsim COMMAND [OPTIONS]\n"
          "       bidsim COMMAND --help\n"
          "\n"
          "bidsim simulates paid-traffic auctions of an e-commerce marketplace: promotion\n"
          "plans with segmented click bids and daily caps, priced by GSP with quality.\n"
          "\n"
          "Commands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(f,
          "\n"
          "Exit status: 0 success, 1 run-time failure, 2 bad input (usage, scenario,\n"
          "result file), 130 interrupted.\n");
}

static int dispatch(int argc, char **argv);

int main(int argc, char **argv) {
  /* GSL's default handler aborts; every GSL status is checked instead. */
  gsl_set_error_handler_off();
#ifdef BIDSIM_MPI
  bidsim_mpi_init(&argc, &argv);   /* only when started by mpirun or srun */
  int rc = dispatch(argc, argv);
  bidsim_mpi_finalize();
  return rc;
#else
  return dispatch(argc, argv);
#endif
}

static int dispatch(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return BIDSIM_EXIT_INPUT;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return BIDSIM_EXIT_OK;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("bidsim %s\n", BIDSIM_VERSION);
    return BIDSIM_EXIT_OK;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "bidsim: error: unknown command '%s' (see 'bidsim --help')\n", argv[1]);
  return BIDSIM_EXIT_INPUT;
}
