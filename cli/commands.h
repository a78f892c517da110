/* cli/commands.h - the `bidsim` subcommands and their exit statuses. Only
 * command code prints, and only it turns errors into exit statuses. */
#ifndef BIDSIM_CLI_COMMANDS_H
#define BIDSIM_CLI_COMMANDS_H
#include <stdbool.h>
#include "bidsim/error.h"
#include "sim/scenario.h"

enum {
  BIDSIM_EXIT_OK      = 0,   /* success */
  BIDSIM_EXIT_FAILURE = 1,   /* run-time failure: I/O, out of memory, internal */
  BIDSIM_EXIT_INPUT   = 2,   /* bad input: usage, scenario, result file */
  BIDSIM_EXIT_SIGNAL  = 130  /* interrupted */
};

/* Each takes argv with argv[0] = the subcommand name, prints its own --help. */
int bidsim_cmd_run(int argc, char **argv);       /* cli/cmd_run.c */
int bidsim_cmd_validate(int argc, char **argv);  /* cli/cmd_validate.c */
int bidsim_cmd_bench(int argc, char **argv);     /* cli/cmd_bench.c */
int bidsim_cmd_merge(int argc, char **argv);     /* cli/cmd_merge.c */
int bidsim_cmd_report(int argc, char **argv);    /* cli/cmd_report.c */
int bidsim_cmd_compare(int argc, char **argv);   /* cli/cmd_compare.c */
int bidsim_cmd_plot(int argc, char **argv);      /* cli/cmd_plot.c */

/** @brief Print "bidsim CMD: error: WHERE: MSG" to stderr and return the exit
 *  status for the error's code (input errors 2, the rest 1). */
int bidsim_cli_fail(const char *cmd, const bidsim_error_t *err);

/** @brief Load the scenario at @p path for command @p cmd with @p opt (its
 *  notes list is the function's own), printing on stderr each warning
 *  ("bidsim CMD: warning: WHERE: MSG") when @p warn, and on failure the
 *  error and its further lines (each bad sweep point). Returns
 *  BIDSIM_EXIT_OK with *out set, or the exit status of the error. */
int bidsim_cli_load_scenario(const char *cmd, const char *path, const bidsim_scenario_options_t *opt, bool warn,
                             bidsim_scenario_t **out);

/** @brief A usage mistake: print "bidsim CMD: error: MSG (see 'bidsim CMD
 *  --help')" on one line to stderr; returns BIDSIM_EXIT_INPUT. */
int bidsim_cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/** @brief The one-line message for what getopt_long returned as @p ch ('?'
 *  unknown option, ':' missing argument; the option string must start with
 *  ':' and opterr be 0); returns BIDSIM_EXIT_INPUT. */
int bidsim_cli_option_error(const char *cmd, int ch, char **argv);

#endif
